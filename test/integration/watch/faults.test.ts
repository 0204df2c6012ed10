import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT_CHECK_MS } from "../../../src/watch/watch-tree.ts";
import { startWatcher, watchLimitRemedy } from "../../../src/watchers.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { eventually } from "../../helpers/eventually.ts";
import { CLI, fixture, tempDir, tree } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";
import { asNobody, launch, nobodySkipReason } from "../../helpers/process.ts";
import { IS_ROOT, testUnless } from "../../helpers/skip.ts";
import { TestSocket } from "../../helpers/socket.ts";

afterEach(cleanup);

const NOBODY_SKIP = nobodySkipReason();

const INOTIFY_WATCHES = "/proc/sys/fs/inotify/max_user_watches";

/** The real-limit test lowers a machine-wide setting, so it runs only when asked for. */
const REAL_LIMIT_SKIP = process.env.STORYTIME_TEST_REAL_INOTIFY_LIMIT === "1" ? NOBODY_SKIP : "it changes a machine-wide limit; set STORYTIME_TEST_REAL_INOTIFY_LIMIT=1 to run it";

/** As root the server runs as nobody, for whom chmod 000 means something; otherwise as this user. */
const UNREADABLE_SKIP = process.platform === "win32" ? "chmod 000 does not make a directory unreadable on Windows" : IS_ROOT ? NOBODY_SKIP : null;

describe("watchers", () => {
  test("a watcher worker that dies is restarted, logged, and keeps reporting", async () => {
    const dir = join(tempDir(), "out");
    mkdirSync(dir);
    const changes: Array<string | null> = [];
    const logs = captureLogs();
    const watcher = startWatcher("output", dir, (path) => changes.push(path), { spawnWorker: () => new Worker(fixture("dies-once.worker.ts")) });
    try {
      await watcher.ready;
      await logs.waitFor(/output watcher stopped unexpectedly; restarting it/);
      // The restarted worker reports itself as a change once it watches again.
      await eventually(() => changes.includes(null), { what: () => `the restarted worker's report; saw ${JSON.stringify(changes)}` });
      expect(changes).toEqual([null]);
      writeFileSync(join(dir, "index.html"), "after restart");
      await eventually(() => changes.includes("index.html"), { what: () => `index.html reported; saw ${JSON.stringify(changes)}` });
    } finally {
      watcher.stop();
    }
  });

  test("a stopped watcher answers its pending flushes, and any later one, at once: none holds a page or a timer", async () => {
    const watcher = startWatcher("output", tempDir(), () => {});
    await watcher.ready;
    const pending = watcher.flush();
    watcher.stop();
    const answered = (flush: Promise<boolean>) => Promise.race([flush, Bun.sleep(500).then(() => "still waiting")]);
    expect(await answered(pending)).toBe(false);
    expect(await answered(watcher.flush())).toBe(false);
  });

  test("a watcher worker that cannot start at all fails start-up instead of being retried", async () => {
    const dir = tempDir();
    const watcher = startWatcher("output", dir, () => {}, { spawnWorker: () => new Worker(fixture("never-starts.worker.ts")) });
    await expect(watcher.ready).rejects.toThrow("The output watcher could not start");
  });

  test("reaching the watch limit (ENOSPC) is reported with how to raise it, and the watcher is not restarted", async () => {
    const dir = tempDir();
    const logs = captureLogs();
    let spawned = 0;
    const watcher = startWatcher("output", dir, () => {}, { spawnWorker: () => (spawned++, new Worker(fixture("enospc.worker.ts"))) });
    try {
      await watcher.ready;
      // The remedy is the platform's own: inotify's sysctl on Linux, the open-file limit elsewhere.
      const line = await logs.waitFor(/Cannot watch/);
      expect(line).toContain(watchLimitRemedy("ENOSPC", process.platform)!);
      // A watcher whose worker died would have been started again at once by now: this one is not.
      await Bun.sleep(500);
      expect(spawned).toBe(1);
      expect(logs.lines.some((entry) => entry.includes("restarting"))).toBe(false);
    } finally {
      watcher.stop();
    }
  });

  testUnless(UNREADABLE_SKIP)("an unreadable directory in the output, or in the input's node_modules, is told once; nothing reloads or builds for it, and it is watched once readable", async () => {
    const dir = tree({ "out/locked/": "", "out/index.html": "<p>catalog</p>", "in/node_modules/.cache/": "", "in/stories.py": "x" });
    const out = join(dir, "out");
    const input = join(dir, "in");
    const locked = join(out, "locked");
    const cache = join(input, "node_modules/.cache");
    if (IS_ROOT) Bun.spawnSync(["chown", "-R", "65534:65534", dir]);
    chmodSync(locked, 0o000);
    chmodSync(cache, 0o000);
    const args = ["bun", CLI, "--input", input, "--output", out, "--port", "0", "--build", "true"];
    const server = await launch(IS_ROOT ? asNobody(args) : args, { cwd: dir });
    const builds = () => server.output().split("Built in").length - 1;
    try {
      await server.waitForOutput("Built in");
      const page = await TestSocket.open(server);
      // Past two root checks: before, each re-armed both watches, and each re-arm reloaded every page and built.
      await Bun.sleep(2 * ROOT_CHECK_MS + 300);
      expect(page.messages).toEqual([]);
      expect(builds()).toBe(1);
      for (const unreadable of [locked, cache]) {
        const told = server.output().split("\n").filter((line) => line.includes(`${relative(dir, unreadable)} is not watched`));
        expect(told).toHaveLength(1);
        expect(told[0]).toContain("permission denied");
      }

      writeFileSync(join(out, "index.html"), "<p>edited</p>");
      await page.waitFor(1);

      // Watched again from the chmod's own event; written until seen, as the watch takes a moment
      // to come back (with pauses past the reload log's 100 ms of quiet, or it never prints).
      chmodSync(locked, 0o755);
      await eventually(
        () => {
          if (server.output().includes("locked/page.html changed")) return true;
          writeFileSync(join(locked, "page.html"), String(Date.now()));
        },
        { every: 300, what: () => `locked/page.html reported:\n${server.output()}` },
      );
    } finally {
      chmodSync(locked, 0o755);
      chmodSync(cache, 0o755);
    }
  });

  // `..name` is a name like any other: only `..` itself climbs out of the watched tree.
  testUnless(UNREADABLE_SKIP)("an unreadable directory whose name starts with two dots is left out like any other, told once, and reloads nothing", async () => {
    const dir = tree({ "out/..locked/": "", "out/index.html": "<p>catalog</p>" });
    const out = join(dir, "out");
    const locked = join(out, "..locked");
    if (IS_ROOT) Bun.spawnSync(["chown", "-R", "65534:65534", dir]);
    chmodSync(locked, 0o000);
    const args = ["bun", CLI, "--output", out, "--port", "0"];
    const server = await launch(IS_ROOT ? asNobody(args) : args, { cwd: dir });
    try {
      const page = await TestSocket.open(server);
      // Past two root checks: a watch that took the directory for the root's own trouble would re-arm at each, reloading every page.
      await Bun.sleep(2 * ROOT_CHECK_MS + 300);
      expect(page.messages).toEqual([]);
      const told = server.output().split("\n").filter((line) => line.includes(`${relative(dir, locked)} is not watched`));
      expect(told).toHaveLength(1);
      expect(told[0]).toContain("permission denied");
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  testUnless(UNREADABLE_SKIP)("a link broken at start, whose target's folder no watch can open, is followed by the root check once the target appears", async () => {
    const dir = tree({ "in/stories.py": "x", "ext/closed/": "" });
    const input = join(dir, "in");
    const closed = join(dir, "ext/closed");
    symlinkSync("../ext/closed/later", join(input, "later"));
    if (IS_ROOT) Bun.spawnSync(["chown", "-R", "65534:65534", dir]);
    // Passable, not listable: the target can appear in it, but no watch can be opened on it.
    chmodSync(closed, 0o311);
    const args = ["bun", CLI, "--input", input, "--output", join(dir, "out"), "--port", "0", "--build", "true"];
    const server = await launch(IS_ROOT ? asNobody(args) : args, { cwd: dir });
    try {
      await server.waitForOutput("Built in");
      mkdirSync(join(closed, "later"));
      writeFileSync(join(closed, "later/card.py"), "x");
      await server.waitForOutput(/Built in[^]*Built in/);
    } finally {
      chmodSync(closed, 0o755);
    }
  });

  testUnless(REAL_LIMIT_SKIP)("the real inotify watch limit is reported, and the server keeps serving", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    for (let i = 0; i < 40; i++) mkdirSync(join(out, `d${i}`), { recursive: true });
    writeFileSync(join(out, "index.html"), "still served");
    chownSync(dir, 65534, 65534);
    const previous = readFileSync(INOTIFY_WATCHES, "utf8").trim();
    writeFileSync(INOTIFY_WATCHES, "10");
    let server;
    try {
      server = await launch(asNobody(["bun", CLI, "--output", out, "--port", "0"]), { cwd: dir });
      await server.waitForOutput("fs.inotify.max_user_watches");
    } finally {
      writeFileSync(INOTIFY_WATCHES, previous);
    }
    expect(server.output()).toContain("sysctl fs.inotify.max_user_watches=");
    expect(await (await fetch(server.url)).text()).toContain("still served");
  });

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
