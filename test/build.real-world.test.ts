import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SELF_TRIGGER_BUILDS } from "../src/build/self-trigger.ts";
import { shellCommand } from "../src/build/shell.ts";
import { UsageError } from "../src/errors.ts";
import { resolveOptions } from "../src/options.ts";
import { startWatcher } from "../src/watchers.ts";
import { ROOT, cleanup, logged, startApp, tempDir, url, waitForLog, describeUnless, POSIX_SHELL_SKIP } from "./helpers.ts";
import { alive } from "./process.ts";

afterEach(cleanup);

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** An input dir with story.py and a build script body; the script gets the paths as env vars. */
function project(script: string) {
  const dir = tempDir();
  const input = join(dir, "src");
  const output = join(dir, "out");
  mkdirSync(input);
  writeFileSync(join(input, "story.py"), "initial");
  writeFileSync(join(dir, "build.sh"), script);
  return { dir, input, output, build: `sh ${join(dir, "build.sh")}`, log: join(dir, "runs.log") };
}

describeUnless(POSIX_SHELL_SKIP)("builds that leave processes behind", () => {
  test("a build ending in a background helper ends with its shell; the helper is stopped before the next build and at exit", async () => {
    const p = project("");
    writeFileSync(
      join(p.dir, "build.sh"),
      [
        `echo "start $$" >> "${join(p.dir, "runs.log")}"`,
        `mkdir -p "$STORYTIME_OUTPUT" && cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`,
        // Holds stdout and stderr open for a minute, as `tool --watch &` would.
        `sleep 60 & echo "helper $!" >> "${join(p.dir, "runs.log")}"`,
      ].join("\n"),
    );
    const mark = logged.length;
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    await waitForLog(/Built in/, 5_000, mark);
    expect(await (await fetch(url(app, "/"))).text()).toStartWith("initial");
    await waitForLog(/left background processes running/, 2_000, mark);

    const first = Number(lines(p.log).find((l) => l.startsWith("helper"))!.split(" ")[1]);
    expect(alive(first)).toBe(true);
    writeFileSync(join(p.input, "story.py"), "second");
    await until(() => lines(p.log).filter((l) => l.startsWith("helper")).length === 2, 5_000, "a second build");
    await until(() => !alive(first), 2_000, "the first helper to be stopped");
    let page = "";
    while (!page.startsWith("second")) page = await (await fetch(url(app, "/"))).text();

    const second = Number(lines(p.log).filter((l) => l.startsWith("helper"))[1]!.split(" ")[1]);
    await app.stop();
    await until(() => !alive(second), 2_000, "the helper to be stopped at exit");
  }, 20_000);
});

describeUnless(POSIX_SHELL_SKIP)("the build runner", () => {
  test("a build that rewrites a file in its own input is named once and stops looping; a person's save still builds", async () => {
    const p = project("");
    writeFileSync(
      join(p.dir, "build.sh"),
      [
        `echo run >> "${join(p.dir, "runs.log")}"`,
        `date +%s%N > "$STORYTIME_INPUT/manifest.json"`,
        `mkdir -p "$STORYTIME_OUTPUT" && cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`,
      ].join("\n"),
    );
    const mark = logged.length;
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    const warning = await waitForLog(/keeps changing/, 10_000, mark);
    expect(warning).toContain("manifest.json");
    expect(warning).toContain("make the build write it outside");
    const afterWarning = lines(p.log).length;
    expect(afterWarning).toBeLessThanOrEqual(SELF_TRIGGER_BUILDS + 1);
    await Bun.sleep(500);
    expect(lines(p.log).length).toBe(afterWarning);
    expect(logged.slice(mark).filter((line) => line.includes("keeps changing"))).toHaveLength(1);

    writeFileSync(join(p.input, "story.py"), "edited");
    let page = "";
    while (!page.startsWith("edited")) page = await (await fetch(url(app, "/"))).text();
    expect(lines(p.log).length).toBe(afterWarning + 1);
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
  test("an input reached through a symlink inside the output is refused, as a real input inside it is", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "out/src"), { recursive: true });
    symlinkSync(join(dir, "out/src"), join(dir, "src"));
    expect(() => resolveOptions({ input: join(dir, "src"), output: join(dir, "out") })).toThrow(UsageError);
    expect(() => resolveOptions({ input: join(dir, "out/src"), output: join(dir, "out") })).toThrow(/inside --output/);
  });

  test("a watcher that keeps dying is given up after its 5th death within 10 s, as README says", async () => {
    const dir = join(tempDir(), "out");
    mkdirSync(dir);
    const mark = logged.length;
    let spawned = 0;
    const watcher = startWatcher("output", dir, () => {}, { spawnWorker: () => (spawned++, new Worker(join(ROOT, "test/fixtures/always-dies.worker.ts"))) });
    try {
      await waitForLog(/keeps stopping/, 10_000, mark);
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
    const dir = tempDir();
    mkdirSync(join(dir, "src"));
    const stopped: string[] = [];
    const failingInput: typeof startWatcher = (kind, root, onChange) => {
      if (kind === "output") {
        const real = startWatcher(kind, root, onChange);
        return { ...real, stop: () => (stopped.push(kind), real.stop()) };
      }
      return { ready: Promise.reject(new Error("the input watcher could not start")), flush: async () => true, recheck: () => {}, stop: () => stopped.push(kind) };
    };
    const options = resolveOptions({ port: "0", input: join(dir, "src"), output: join(dir, "out") });
    const listening = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = listening.port;
    listening.stop(true);
    await expect(start({ ...options, port }, failingInput)).rejects.toThrow("could not start");
    expect(stopped.sort()).toEqual(["input", "output"]);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});

describeUnless(POSIX_SHELL_SKIP)("the end of a build, on a machine slow to deliver file events", () => {
  test("a page requested after a build waits for the watcher to report the build's last write, so it is not reloaded again", async () => {
    const { start } = await import("../src/start.ts");
    const { TestSocket } = await import("./helpers.ts");
    // Every report of the output watcher reaches the server 50 ms late, in order, as on a loaded machine.
    const late: typeof startWatcher = (kind, root, onChange) => {
      if (kind === "input") return startWatcher(kind, root, onChange);
      const real = startWatcher(kind, root, (path) => void setTimeout(() => onChange(path), 50));
      return { ...real, flush: () => real.flush().then(async (confirmed) => (await Bun.sleep(50), confirmed)) };
    };
    const p = project(`mkdir -p "$STORYTIME_OUTPUT"; cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`);
    const app = await start(resolveOptions({ port: "0", input: p.input, output: p.output, build: p.build }), late);
    try {
      for (let round = 0; round < 3; round++) {
        writeFileSync(join(p.input, "story.py"), `round ${round}`);
        let page = "";
        while (!page.startsWith(`round ${round}`)) page = await (await fetch(url(app, "/"))).text();
        const stamped = page.match(/data-storytime-version="(\d+)"/)![1]!;
        const socket = await TestSocket.open(app, stamped);
        expect(await socket.staysQuiet(200)).toBe(true);
      }
    } finally {
      await app.stop();
    }
  });
});

describeUnless(POSIX_SHELL_SKIP)("a generator's default layout: the output inside the input", () => {
  test("a clean build into the output starts no build, each edit starts exactly one, and start-up says the output is left out", async () => {
    const dir = tempDir();
    const output = join(dir, "_site");
    writeFileSync(join(dir, "index.md"), "home");
    writeFileSync(join(dir, "about.md"), "about");
    // As MkDocs does: the output is removed and written again, many files, on every build.
    writeFileSync(
      join(dir, "build.sh"),
      `rm -rf "$STORYTIME_OUTPUT" && mkdir -p "$STORYTIME_OUTPUT/posts" && for i in 1 2 3 4 5 6 7 8; do echo "<p>$i</p>" > "$STORYTIME_OUTPUT/posts/$i.html"; done && cp "$STORYTIME_INPUT/index.md" "$STORYTIME_OUTPUT/index.html"`,
    );
    const mark = logged.length;
    await startApp({ input: dir, output, build: `sh ${join(dir, "build.sh")}` });
    await waitForLog(/Built in/, 5_000, mark);
    expect(logged.slice(mark).find((line) => line.includes("Watching"))).toContain(`Watching ${dir} (except ${output}, the output): a change runs`);
    // Changes reach the build runner in order: once an edit's build is under way, any build the
    // earlier builds' writes to the output could have started has been asked for already.
    for (const [i, file] of ["index.md", "about.md", "index.md"].entries()) {
      const from = logged.length;
      writeFileSync(join(dir, file), `${file}, edit ${i}`);
      await waitForLog(/Built in/, 5_000, from);
    }
    const builds = logged.slice(mark).filter((line) => line.includes("Building"));
    expect(builds.map((line) => line.replace(/^.*Building/, "Building"))).toEqual(["Building", "Building (index.md changed)", "Building (about.md changed)", "Building (index.md changed)"]);
  });
});
