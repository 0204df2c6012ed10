import { afterEach, expect, test } from "bun:test";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SELF_TRIGGER_BUILDS } from "../../../src/build/self-trigger.ts";
import { startWatcher } from "../../../src/watchers.ts";
import { fetchPageUntil, stampOf, startApp, url } from "../../helpers/app.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { fileLines, tempDir, tree } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";
import { project, recordingProject } from "../../helpers/projects.ts";
import { describeUnless, POSIX_SHELL_SKIP } from "../../helpers/skip.ts";
import { TestSocket } from "../../helpers/socket.ts";

afterEach(cleanup);

describeUnless(POSIX_SHELL_SKIP)("rebuild on input change", () => {
  test("builds once at start-up and once per change, with absolute STORYTIME_INPUT and STORYTIME_OUTPUT", async () => {
    const p = recordingProject();
    await startApp({ input: p.input, output: p.output, build: p.build });
    await p.waitForRuns("end", 1);
    writeFileSync(join(p.input, "story.py"), "second");
    await p.waitForRuns("end", 2);
    expect(readFileSync(join(p.output, "index.html"), "utf8")).toBe("second");
    expect(p.lines("start")[1]).toEndWith(` ${p.input} ${p.output}`);
  });

  test("20 changes during a slow build make exactly one more build, which builds the last change", async () => {
    const p = recordingProject(1);
    await startApp({ input: p.input, output: p.output, build: p.build });
    await p.waitForRuns("start", 1);
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(p.input, "story.py"), `change ${i}`);
      await Bun.sleep(10);
    }
    expect(p.lines("end")).toHaveLength(0);
    await p.waitForRuns("end", 2);
    await Bun.sleep(300);
    expect(p.lines("start")).toHaveLength(2);
    expect(readFileSync(join(p.output, "index.html"), "utf8")).toBe("change 19");
  }, 20_000);

  test("a save that fires several events (write, rewrite, rename over) builds once", async () => {
    const p = recordingProject();
    await startApp({ input: p.input, output: p.output, build: p.build });
    await p.waitForRuns("end", 1);
    // An editor's save is a few system calls a millisecond or so apart, not one.
    writeFileSync(join(p.input, "story.py"), "saved");
    await Bun.sleep(1);
    writeFileSync(join(p.input, "story.py"), "saved again");
    await Bun.sleep(1);
    writeFileSync(join(p.input, "story.py.new"), "saved at last");
    renameSync(join(p.input, "story.py.new"), join(p.input, "story.py"));
    await p.waitForRuns("end", 2);
    await Bun.sleep(300);
    expect(p.lines("start")).toHaveLength(2);
    expect(readFileSync(join(p.output, "index.html"), "utf8")).toBe("saved at last");
  });

  test("bytecode, __pycache__, dot-dirs and editor swap files never start a build", async () => {
    const p = recordingProject();
    await startApp({ input: p.input, output: p.output, build: p.build });
    await p.waitForRuns("end", 1);
    mkdirSync(join(p.input, "__pycache__"));
    writeFileSync(join(p.input, "__pycache__/story.cpython-311.pyc"), "x");
    writeFileSync(join(p.input, "story.pyc"), "x");
    writeFileSync(join(p.input, ".story.py.swp"), "x");
    writeFileSync(join(p.input, "story.py~"), "x");
    writeFileSync(join(p.input, "4913"), "x");
    mkdirSync(join(p.input, ".git"));
    writeFileSync(join(p.input, ".git/index"), "x");
    // A source saved after them: once its build is over, every event before it has been through.
    writeFileSync(join(p.input, "story.py"), "after the noise");
    await p.waitForRuns("end", 2);
    await Bun.sleep(100);
    expect(p.lines("start")).toHaveLength(2);
  });

  test("a failing build's output is shown once, its failure line points at it; the server keeps serving; the next change rebuilds", async () => {
    const p = recordingProject();
    writeFileSync(join(p.dir, "fail.sh"), `echo "compiling"; echo "Traceback: stories.py line 3" >&2; exit 3`);
    const fail = join(p.dir, "fail.sh");
    const app = await startApp({ input: p.input, output: p.output, build: `if [ -f ${fail}.on ]; then sh ${fail}; else ${p.build}; fi` });
    await p.waitForRuns("end", 1);
    const logs = captureLogs();
    writeFileSync(`${fail}.on`, "");
    writeFileSync(join(p.input, "story.py"), "broken");
    const error = await logs.waitFor(/Build failed with exit code 3/);
    expect(error).toContain("its output is above");
    const shown = logs.lines.filter((line) => line.includes("Traceback: stories.py line 3"));
    expect(shown).toEqual(["storytime:build: Traceback: stories.py line 3"]);
    expect(logs.lines.indexOf(shown[0]!)).toBeLessThan(logs.lines.indexOf(error));
    expect(await (await fetch(url(app, "/"))).text()).toStartWith("initial");
    Bun.spawnSync(["rm", `${fail}.on`]);
    writeFileSync(join(p.input, "story.py"), "fixed");
    await p.waitForRuns("end", 2);
    expect(await (await fetch(url(app, "/"))).text()).toStartWith("fixed");
  });

  test("a build that changes nothing in the output is noticed, once: it most likely writes somewhere else", async () => {
    const p = recordingProject();
    const elsewhere = join(p.dir, "dist");
    const app = await startApp({ input: p.input, output: p.output, build: `mkdir -p "${elsewhere}" && date > "${elsewhere}/index.html"` });
    const hint = await app.logs.waitFor(/changed nothing/);
    expect(hint).toBe(`storytime:build: The build changed nothing in ${p.output}; does it write there? Pass the directory it writes as --output.`);
    const edit = captureLogs();
    writeFileSync(join(p.input, "story.py"), "edited");
    await edit.waitFor(/Built in/);
    await Bun.sleep(300);
    expect(app.logs.lines.filter((line) => line.includes("changed nothing"))).toHaveLength(1);
  });

  test("a build that writes the output gets no such hint", async () => {
    const p = recordingProject();
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    await app.logs.waitFor(/changed; told/);
    await Bun.sleep(300);
    expect(app.logs.lines.some((line) => line.includes("changed nothing"))).toBe(false);
  });

  test("a build command that does not exist is a logged failure, not a crash", async () => {
    const p = recordingProject();
    const app = await startApp({ input: p.input, output: p.output, build: "no-such-storytime-command --flag" });
    await app.logs.waitFor(/Build failed with exit code 127/);
    // The shell's own complaint ("not found", or "Permission denied" when PATH holds a directory
    // this user cannot read) is shown under the build's prefix.
    expect(app.logs.lines.some((line) => line.startsWith("storytime:build: ") && line.includes("no-such-storytime-command"))).toBe(true);
    expect((await fetch(url(app, "/"))).status).toBe(404);
  });

  test("an HTML page requested during a build waits for it and gets the new content", async () => {
    const p = recordingProject(0.5);
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    await p.waitForRuns("end", 1);
    writeFileSync(join(p.input, "story.py"), "rebuilt");
    await p.waitForRuns("start", 2);
    const asset = await fetch(url(app, "/missing.css"));
    expect(asset.status).toBe(404);
    expect(p.lines("end")).toHaveLength(1);
    const page = await (await fetch(url(app, "/"))).text();
    expect(page).toStartWith("rebuilt");
  });

  test("a page served after a build carries the counter of the build's last write", async () => {
    const p = project(
      { "story.py": "initial" },
      `mkdir -p "$STORYTIME_OUTPUT"; echo css > "$STORYTIME_OUTPUT/site.css"; sleep 0.05; cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`,
    );
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    for (let round = 0; round < 5; round++) {
      writeFileSync(join(p.input, "story.py"), `round ${round}`);
      const page = await fetchPageUntil(app, (page) => page.startsWith(`round ${round}`));
      const socket = await TestSocket.open(app, stampOf(page));
      expect(await socket.staysQuiet(150)).toBe(true);
    }
  });

  test("without --build, input changes are only logged, and the first says that nothing was rebuilt", async () => {
    const p = recordingProject();
    const app = await startApp({ input: p.input, output: p.output });
    await app.logs.waitFor(/changes are only logged, as no --build was given/, 1_000);
    writeFileSync(join(p.input, "story.py"), "edited");
    expect(await app.logs.waitFor(/story\.py changed/)).toBe("storytime: story.py changed (no --build, nothing rebuilt)");
    const second = captureLogs();
    writeFileSync(join(p.input, "other.py"), "edited");
    expect(await second.waitFor(/other\.py changed/)).toBe("storytime: other.py changed");
  });

  test("without an input directory only the output is watched, with one notice", async () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    const app = await startApp({ output: join(dir, "out") }).finally(() => process.chdir(cwd));
    await app.logs.waitFor(/No input directory \(src\/storytime is not here\)/, 1_000);
  });
});

describeUnless(POSIX_SHELL_SKIP)("the build runner", () => {
  test("a build that rewrites a file in its own input is named once and stops looping; a person's save still builds", async () => {
    const log = join(tempDir(), "runs.log");
    const p = project(
      { "story.py": "initial" },
      [
        `echo run >> "${log}"`,
        `date +%s%N > "$STORYTIME_INPUT/manifest.json"`,
        `mkdir -p "$STORYTIME_OUTPUT" && cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`,
      ].join("\n"),
    );
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    const warning = await app.logs.waitFor(/keeps changing/, 10_000);
    expect(warning).toContain("manifest.json");
    expect(warning).toContain("make the build write it outside");
    const afterWarning = fileLines(log).length;
    expect(afterWarning).toBeLessThanOrEqual(SELF_TRIGGER_BUILDS + 1);
    await Bun.sleep(500);
    expect(fileLines(log).length).toBe(afterWarning);
    expect(app.logs.lines.filter((line) => line.includes("keeps changing"))).toHaveLength(1);

    writeFileSync(join(p.input, "story.py"), "edited");
    await fetchPageUntil(app, (page) => page.startsWith("edited"));
    expect(fileLines(log).length).toBe(afterWarning + 1);
  });
});

describeUnless(POSIX_SHELL_SKIP)("the end of a build, on a machine slow to deliver file events", () => {
  test("a page requested after a build waits for the watcher to report the build's last write, so it is not reloaded again", async () => {
    // Every report of the output watcher reaches the server 50 ms late, in order, as on a loaded machine.
    const late: typeof startWatcher = (kind, root, onChange) => {
      if (kind === "input") return startWatcher(kind, root, onChange);
      const real = startWatcher(kind, root, (path) => void setTimeout(() => onChange(path), 50));
      return { ...real, flush: () => real.flush().then(async (confirmed) => (await Bun.sleep(50), confirmed)) };
    };
    const p = project({ "story.py": "initial" }, `mkdir -p "$STORYTIME_OUTPUT"; cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`);
    const app = await startApp({ input: p.input, output: p.output, build: p.build }, late);
    for (let round = 0; round < 3; round++) {
      writeFileSync(join(p.input, "story.py"), `round ${round}`);
      const page = await fetchPageUntil(app, (page) => page.startsWith(`round ${round}`));
      const socket = await TestSocket.open(app, stampOf(page));
      expect(await socket.staysQuiet(200)).toBe(true);
    }
  });

  test("a save whose second event arrives after its build started is built once; the next save builds", async () => {
    // Every input report arrives again 100 ms later, as a save's late second event does on a loaded machine.
    const echoing: typeof startWatcher = (kind, root, onChange) =>
      startWatcher(kind, root, kind === "output" ? onChange : (path) => (onChange(path), void setTimeout(() => onChange(path), 100)));
    const p = recordingProject();
    await startApp({ input: p.input, output: p.output, build: p.build }, echoing);
    await p.waitForRuns("end", 1);
    writeFileSync(join(p.input, "story.py"), "saved");
    await p.waitForRuns("end", 2);
    await Bun.sleep(300);
    expect(p.lines("start")).toHaveLength(2);
    writeFileSync(join(p.input, "story.py"), "saved again");
    await p.waitForRuns("end", 3);
    expect(readFileSync(join(p.output, "index.html"), "utf8")).toBe("saved again");
  });
});

describeUnless(POSIX_SHELL_SKIP)("a generator's default layout: the output inside the input", () => {
  test("a clean build into the output starts no build, each edit starts exactly one, and start-up says the output is left out", async () => {
    const dir = tree({
      "index.md": "home",
      "about.md": "about",
      // As MkDocs does: the output is removed and written again, many files, on every build.
      "build.sh": `rm -rf "$STORYTIME_OUTPUT" && mkdir -p "$STORYTIME_OUTPUT/posts" && for i in 1 2 3 4 5 6 7 8; do echo "<p>$i</p>" > "$STORYTIME_OUTPUT/posts/$i.html"; done && cp "$STORYTIME_INPUT/index.md" "$STORYTIME_OUTPUT/index.html"`,
    });
    const output = join(dir, "_site");
    const app = await startApp({ input: dir, output, build: `sh ${join(dir, "build.sh")}` });
    await app.logs.waitFor(/Built in/);
    expect(app.logs.lines.find((line) => line.includes("Watching"))).toContain(`Watching ${dir} (except ${output}, the output): a change runs`);
    // Changes reach the build runner in order: once an edit's build is under way, any build the
    // earlier builds' writes to the output could have started has been asked for already.
    for (const [i, file] of ["index.md", "about.md", "index.md"].entries()) {
      const edit = captureLogs();
      writeFileSync(join(dir, file), `${file}, edit ${i}`);
      await edit.waitFor(/Built in/);
    }
    const builds = app.logs.lines.filter((line) => line.includes("Building"));
    expect(builds.map((line) => line.replace(/^.*Building/, "Building"))).toEqual(["Building", "Building (index.md changed)", "Building (about.md changed)", "Building (index.md changed)"]);
  });
});
