import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT_CHECK_MS } from "../src/watch/watch-tree.ts";
import { startWatcher } from "../src/watchers.ts";
import { cleanup } from "./helpers/cleanup.ts";
import { eventually } from "./helpers/eventually.ts";
import { CLI, fixture, tempDir, tree } from "./helpers/files.ts";
import { captureLogs } from "./helpers/logs.ts";
import { alive, asNobody, ends, launch, nobodySkipReason, run } from "./helpers/process.ts";
import { sleeperBuild } from "./helpers/projects.ts";
import { IS_ROOT, SIGNAL_SKIP, testUnless } from "./helpers/skip.ts";
import { TestSocket } from "./helpers/socket.ts";

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

  test("a watcher worker that cannot start at all fails start-up instead of being retried", async () => {
    const dir = tempDir();
    const watcher = startWatcher("output", dir, () => {}, { spawnWorker: () => new Worker(fixture("never-starts.worker.ts")) });
    await expect(watcher.ready).rejects.toThrow("The output watcher could not start");
  });

  test("reaching the watch limit (ENOSPC) is reported with how to raise it, and the watcher is not restarted", async () => {
    const dir = tempDir();
    const logs = captureLogs();
    const watcher = startWatcher("output", dir, () => {}, { spawnWorker: () => new Worker(fixture("enospc.worker.ts")) });
    try {
      await watcher.ready;
      const line = await logs.waitFor(/system limit on inotify watches/);
      expect(line).toContain("sudo sysctl fs.inotify.max_user_watches=524288");
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
        const told = server.output().split("\n").filter((line) => line.includes(`${unreadable} is not watched`));
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
});

describe("command line faults", () => {
  testUnless(NOBODY_SKIP)("an unreadable --output is one line naming the permission problem, exit 2", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o700 });
    const { code, all } = await run(asNobody(["bun", CLI, "--output", locked, "--port", "0"]), { cwd: dir });
    expect(code).toBe(2);
    expect(all).toContain("permission denied");
    expect(all.trim().split("\n").filter(Boolean)).toHaveLength(1);
  });
});

describe("builds that misbehave", () => {
  test("a build that floods its output, shown with --verbose, does not stall the server", async () => {
    const dir = tree({ "out/site.css": "body{}" });
    const out = join(dir, "out");
    const server = await launch(["bun", CLI, "--input", tempDir(), "--output", out, "--port", "0", "--verbose", "--build", `"${process.execPath}" "${fixture("flood.ts")}"`], { cwd: dir });
    await server.waitForOutput("a line of build output");
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      expect((await fetch(`${server.url}site.css`)).status).toBe(200);
      latencies.push(performance.now() - started);
    }
    expect(server.output()).not.toContain("Built in");
    await server.waitForOutput(/more lines of build output not shown/);
    expect(Math.max(...latencies)).toBeLessThan(500);
  });
});

describe("load", () => {
  test("500 connected pages all get every one of 100 changes, and assets are served meanwhile", async () => {
    const out = tree({ "site.css": "body{}" });
    const server = await launch(["bun", CLI, "--output", out, "--port", "0"]);
    const clients: TestSocket[] = [];
    for (let i = 0; i < 500; i += 50) clients.push(...(await Promise.all(Array.from({ length: 50 }, () => TestSocket.open(server)))));
    const latencies: number[] = [];
    const writes = (async () => {
      for (let i = 0; i < 100; i++) {
        writeFileSync(join(out, `page-${i}.html`), String(i));
        await Bun.sleep(2);
      }
    })();
    while (latencies.length < 20) {
      const started = performance.now();
      await fetch(`${server.url}site.css`);
      latencies.push(performance.now() - started);
    }
    await writes;
    await clients[0]!.waitFor(100, 10_000);
    await Bun.sleep(300);
    const expected = clients[0]!.messages.length;
    await Promise.all(clients.map((client) => client.waitFor(expected, 10_000)));
    expect(new Set(clients.map((client) => client.messages.length))).toEqual(new Set([expected]));
    latencies.sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length / 2)]!).toBeLessThan(50);
  }, 60_000);

  test("10,000 socket open/close cycles leak no memory", async () => {
    const server = await launch(["bun", CLI, "--output", tempDir(), "--port", "0"]);
    const rss = () => Number(Bun.spawnSync(["ps", "-o", "rss=", "-p", String(server.proc.pid)]).stdout.toString().trim()) / 1024;
    const cycle = async (count: number) => {
      for (let done = 0; done < count; done += 100) {
        await Promise.all(Array.from({ length: 100 }, async () => (await TestSocket.open(server)).close()));
      }
    };
    await cycle(1_000);
    const before = rss();
    await cycle(10_000);
    await Bun.sleep(500);
    const after = rss();
    expect(after - before).toBeLessThan(10);
  }, 120_000);
});

describe("shutdown", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    testUnless(SIGNAL_SKIP)(`${signal} during a build exits within a second with code ${code}, the build's whole process group ended`, async () => {
      const dir = tempDir();
      const sleeper = sleeperBuild();
      const server = await launch(["bun", CLI, "--input", tempDir(), "--output", join(dir, "out"), "--port", "0", "--build", sleeper.command], { cwd: dir });
      const [build, child] = await sleeper.pids();
      expect(alive(build) && alive(child)).toBe(true);
      const started = performance.now();
      server.proc.kill(signal);
      expect(await server.proc.exited).toBe(code);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(await ends(build)).toBe(true);
      expect(await ends(child)).toBe(true);
    });
  }
});
