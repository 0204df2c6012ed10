import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SELF_TRIGGER_BUILDS } from "../src/build/self-trigger.ts";
import { shellCommand } from "../src/build/shell.ts";
import { resolveOptions } from "../src/options.ts";
import { startWatcher } from "../src/watchers.ts";
import { TestSocket } from "./helpers/socket.ts";
import { fetchPageUntil, freePort, stampOf, startApp } from "./helpers/app.ts";
import { cleanup } from "./helpers/cleanup.ts";
import { eventually } from "./helpers/eventually.ts";
import { fixture, tempDir, tree } from "./helpers/files.ts";
import { captureLogs } from "./helpers/logs.ts";
import { alive } from "./helpers/process.ts";
import { project } from "./helpers/projects.ts";
import { describeUnless, POSIX_SHELL_SKIP } from "./helpers/skip.ts";

afterEach(cleanup);

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

describeUnless(POSIX_SHELL_SKIP)("builds that leave processes behind", () => {
  test("a build ending in a background helper ends with its shell; the helper is stopped before the next build and at exit", async () => {
    const log = join(tempDir(), "runs.log");
    const p = project(
      { "story.py": "initial" },
      [
        `echo "start $$" >> "${log}"`,
        `mkdir -p "$STORYTIME_OUTPUT" && cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`,
        // Holds stdout and stderr open for a minute, as `tool --watch &` would.
        `sleep 60 & echo "helper $!" >> "${log}"`,
      ].join("\n"),
    );
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    await app.logs.waitFor(/Built in/);
    expect(await (await fetch(app.url)).text()).toStartWith("initial");
    await app.logs.waitFor(/left background processes running/, 2_000);

    const first = Number(lines(log).find((l) => l.startsWith("helper"))!.split(" ")[1]);
    expect(alive(first)).toBe(true);
    writeFileSync(join(p.input, "story.py"), "second");
    await eventually(() => lines(log).filter((l) => l.startsWith("helper")).length === 2, { what: "a second build" });
    await eventually(() => !alive(first), { ms: 2_000, what: "the first helper to be stopped" });
    await fetchPageUntil(app, (page) => page.startsWith("second"));

    const second = Number(lines(log).filter((l) => l.startsWith("helper"))[1]!.split(" ")[1]);
    await app.stop();
    await eventually(() => !alive(second), { ms: 2_000, what: "the helper to be stopped at exit" });
  }, 20_000);
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
    const afterWarning = lines(log).length;
    expect(afterWarning).toBeLessThanOrEqual(SELF_TRIGGER_BUILDS + 1);
    await Bun.sleep(500);
    expect(lines(log).length).toBe(afterWarning);
    expect(app.logs.lines.filter((line) => line.includes("keeps changing"))).toHaveLength(1);

    writeFileSync(join(p.input, "story.py"), "edited");
    await fetchPageUntil(app, (page) => page.startsWith("edited"));
    expect(lines(log).length).toBe(afterWarning + 1);
  });

});

describe("the shell that runs the build", () => {
  test("on Windows the command reaches cmd.exe as typed, quotes and all; elsewhere through sh -c, after -- so that it is never an option", () => {
    for (const command of [`echo "hello world"> out\\q.txt`, `a & b`, `echo %PATH%`, `echo "ünïcödé ✓"`, `"C:\\Program Files\\x.exe" --flag "two words"`]) {
      expect(shellCommand(command, "win32")).toEqual({ argv: ["cmd.exe", "/d", "/s", "/c", `"${command}"`], windowsVerbatimArguments: true });
      expect(shellCommand(command, "linux")).toEqual({ argv: ["/bin/sh", "-c", "--", command], windowsVerbatimArguments: false });
    }
  });
});

describe("start-up checks and limits", () => {
  test("a watcher that keeps dying is given up after its 5th death within 10 s, as README says", async () => {
    const dir = join(tempDir(), "out");
    mkdirSync(dir);
    const logs = captureLogs();
    let spawned = 0;
    const watcher = startWatcher("output", dir, () => {}, { spawnWorker: () => (spawned++, new Worker(fixture("always-dies.worker.ts"))) });
    try {
      await logs.waitFor(/keeps stopping/, 10_000);
      await Bun.sleep(200);
      // The first worker and four restarts: the fifth death ends it.
      expect(spawned).toBe(5);
    } finally {
      watcher.stop();
    }
  });
});

describe("a start-up that fails", () => {
  test("stops the server and the watchers it had already started", async () => {
    const { start } = await import("../src/start.ts");
    const dir = tree({ "src/": "" });
    const stopped: string[] = [];
    const failingInput: typeof startWatcher = (kind, root, onChange) => {
      if (kind === "output") {
        const real = startWatcher(kind, root, onChange);
        return { ...real, stop: () => (stopped.push(kind), real.stop()) };
      }
      return { ready: Promise.reject(new Error("the input watcher could not start")), flush: async () => true, recheck: () => {}, stop: () => stopped.push(kind) };
    };
    const options = resolveOptions({ port: "0", input: join(dir, "src"), output: join(dir, "out") });
    const port = freePort();
    await expect(start({ ...options, port }, failingInput)).rejects.toThrow("could not start");
    expect(stopped.sort()).toEqual(["input", "output"]);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
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
