import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BuildRunner } from "../src/build.ts";
import { startWatcher } from "../src/watchers.ts";
import { ROOT, TestSocket, cleanup, logged, tempDir, waitForLog } from "./helpers.ts";
import { CLI, launch, run } from "./process.ts";

afterEach(cleanup);

const isRoot = process.getuid?.() === 0;
const INOTIFY_WATCHES = "/proc/sys/fs/inotify/max_user_watches";
/** Runs a command as the unprivileged `nobody`, so permissions and per-user limits apply. */
const asNobody = (args: string[]) => ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...args];

describe("watchers", () => {
  test("a watcher worker that dies is restarted, logged, and keeps reporting", async () => {
    const dir = join(tempDir(), "out");
    mkdirSync(dir);
    const changes: Array<string | null> = [];
    const mark = logged.length;
    const watcher = startWatcher("output", dir, (path) => changes.push(path), () => new Worker(join(ROOT, "test/fixtures/dies-once.worker.ts")));
    try {
      await watcher.ready;
      await waitForLog(/output watcher stopped unexpectedly; restarting it/, 5_000, mark);
      // The restarted worker reports itself as a change once it watches again.
      const until = Date.now() + 5_000;
      while (!changes.includes(null) && Date.now() < until) await Bun.sleep(10);
      writeFileSync(join(dir, "index.html"), "after restart");
      while (!changes.includes("index.html") && Date.now() < until) await Bun.sleep(10);
      expect(changes).toContain("index.html");
    } finally {
      watcher.stop();
    }
  });

  test("a watcher worker that cannot start at all fails start-up instead of being retried", async () => {
    const dir = tempDir();
    const watcher = startWatcher("output", dir, () => {}, () => new Worker(join(ROOT, "test/fixtures/never-starts.worker.ts")));
    await expect(watcher.ready).rejects.toThrow("The output watcher could not start");
  });

  test.skipIf(!isRoot)("the inotify watch limit is reported with how to raise it, and the server keeps serving", async () => {
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
    try {
      expect(server.output()).toContain("sysctl fs.inotify.max_user_watches=");
      expect(await (await fetch(server.url)).text()).toContain("still served");
    } finally {
      server.proc.kill("SIGKILL");
    }
  });
});

describe("command line faults", () => {
  test.skipIf(!isRoot)("an unreadable --output is one line naming the permission problem, exit 2", async () => {
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
  test("a hanging build is reported as still running and keeps at most one build queued", async () => {
    const dir = tempDir();
    const gate = join(dir, "go");
    const runs = join(dir, "runs");
    const mark = logged.length;
    const busy: Array<Promise<void>> = [];
    const runner = new BuildRunner({
      command: `echo run >> ${runs}; while [ ! -f ${gate} ]; do sleep 0.02; done`,
      input: dir,
      output: dir,
      onBusy: (idle) => busy.push(idle),
      stillRunningEveryMs: 100,
    });
    try {
      runner.startNow();
      for (let i = 0; i < 10; i++) runner.request(`change-${i}.py`);
      await waitForLog(/still running after/, 2_000, mark);
      expect(readFileSync(runs, "utf8")).toBe("run\n");
      writeFileSync(gate, "");
      // The queued build runs inside the same busy period: pages wait through both.
      await busy[0];
      expect(busy).toHaveLength(1);
      expect(readFileSync(runs, "utf8")).toBe("run\nrun\n");
      expect(logged.slice(mark).some((line) => line.includes("change-0.py changed and 9 more files"))).toBe(true);
    } finally {
      await runner.stop();
    }
  });

  test("a build that floods its output does not stall the server", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(out, "site.css"), "body{}");
    const server = await launch(["bun", CLI, "--output", out, "--port", "0", "--build", "timeout 3 yes 'a line of build output'"], { cwd: dir });
    try {
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
    } finally {
      server.proc.kill("SIGKILL");
    }
  });
});

describe("load", () => {
  test("500 connected pages all get every one of 100 changes, and assets are served meanwhile", async () => {
    const out = tempDir();
    writeFileSync(join(out, "site.css"), "body{}");
    const server = await launch(["bun", CLI, "--output", out, "--port", "0"]);
    try {
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
    } finally {
      server.proc.kill("SIGKILL");
    }
  }, 60_000);

  test("10,000 socket open/close cycles leak no memory", async () => {
    const server = await launch(["bun", CLI, "--output", tempDir(), "--port", "0"]);
    const rss = () => Number(readFileSync(`/proc/${server.proc.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) / 1024;
    const cycle = async (count: number) => {
      for (let done = 0; done < count; done += 100) {
        await Promise.all(
          Array.from({ length: 100 }, async () => {
            const client = await TestSocket.open(server);
            const closed = new Promise((resolve) => client.socket.addEventListener("close", resolve));
            client.socket.close();
            await closed;
          }),
        );
      }
    };
    try {
      await cycle(1_000);
      const before = rss();
      await cycle(10_000);
      await Bun.sleep(500);
      const after = rss();
      expect(after - before).toBeLessThan(10);
    } finally {
      server.proc.kill("SIGKILL");
    }
  }, 120_000);
});

describe("shutdown", () => {
  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s during a build exits within a second with code %i, the build's group ended", async (signal, code) => {
    const dir = tempDir();
    const pidFile = join(dir, "pid");
    const server = await launch(["bun", CLI, "--output", join(dir, "out"), "--port", "0", "--build", `sh -c 'echo $$ > ${pidFile}; exec sleep 30'`], { cwd: dir });
    try {
      while (!readFileSafe(pidFile)) await Bun.sleep(10);
      const buildPid = Number(readFileSafe(pidFile));
      const started = performance.now();
      server.proc.kill(signal);
      expect(await server.proc.exited).toBe(code);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(running(buildPid)).toBe(false);
    } finally {
      server.proc.kill("SIGKILL");
    }
  });
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

/** A zombie (killed, not yet reaped by whoever inherited it) counts as gone. */
function running(pid: number): boolean {
  const stat = readFileSafe(`/proc/${pid}/stat`);
  return stat !== "" && stat[stat.lastIndexOf(")") + 2] !== "Z";
}
