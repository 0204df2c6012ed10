import { afterEach, describe, expect } from "bun:test";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/app.ts";
import { cleanup, onCleanup } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { CLI, fixture, tempDir, tree } from "../helpers/files.ts";
import { alive, ends, launch } from "../helpers/process.ts";
import { sleeperBuild } from "../helpers/projects.ts";
import { SIGNAL_SKIP, testUnless } from "../helpers/skip.ts";
import { TestSocket } from "../helpers/socket.ts";

afterEach(cleanup);

const LINUX_ONLY = process.platform === "linux" ? SIGNAL_SKIP : "only Linux tells a process which signals it started with ignored (/proc)";

const DEV_FULL_SKIP = existsSync("/dev/full") ? SIGNAL_SKIP : "there is no /dev/full here";

/**
 * A project whose build records the server's pid (its shell's parent) and each run, copies
 * in/story.py to out/index.html and, while a file `slow` exists, waits on a child that ignores
 * SIGTERM, as a stubborn compiler would.
 */
function project() {
  const dir = tree({ "in/story.py": "first" });
  const build = [
    `echo "$PPID" > server.pid; echo run >> runs`,
    `mkdir -p out && cp in/story.py out/index.html`,
    `if [ -f slow ]; then (trap '' TERM; exec sleep 30) & echo $! > sleeper.pid; wait; fi`,
  ].join("; ");
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), "utf8").trim() : "");
  return {
    dir,
    args: [CLI, "--input", "in", "--output", "out", "--port", "0", "--build", build],
    read,
    runs: () => read("runs").split("\n").filter(Boolean).length,
    /** The pid a file of the build's holds, once it holds one. */
    pidIn: async (name: string, what: string) => Number(await eventually(() => read(name), { ms: 10_000, what })),
  };
}

/** Proves a running server still serves, reloads and rebuilds; leaves a slow build running and returns its stubborn child. */
async function stillWorks(p: ReturnType<typeof project>, port: number): Promise<number> {
  const page = await fetch(`http://127.0.0.1:${port}/`);
  expect(page.status).toBe(200);
  const socket = await TestSocket.open({ port });
  writeFileSync(join(p.dir, "out/other.html"), "x");
  await socket.waitFor(1);
  const runs = p.runs();
  writeFileSync(join(p.dir, "slow"), "");
  writeFileSync(join(p.dir, "in/story.py"), "second");
  await eventually(() => p.runs() > runs && p.read("sleeper.pid") !== "", { ms: 10_000, what: "a rebuild with a slow child" });
  const sleeper = Number(p.read("sleeper.pid"));
  expect(alive(sleeper)).toBe(true);
  return sleeper;
}

/** A server whose first build is running, with its child that ignores SIGTERM. */
async function duringSlowBuild() {
  const p = project();
  writeFileSync(join(p.dir, "slow"), "");
  const server = await launch(["bun", ...p.args], { cwd: p.dir });
  return { server, sleeper: await p.pidIn("sleeper.pid", "the slow build") };
}

describe("a terminal that goes away", () => {
  testUnless(SIGNAL_SKIP)("`| head -n 1` closes stdout: logging stops, serving, reloading and building go on, and the build ends with the server", async () => {
    const p = project();
    const proc = Bun.spawn(["sh", "-c", `"$0" "$@" | head -n 1`, process.execPath, ...p.args], {
      cwd: p.dir,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    });
    onCleanup(() => proc.kill("SIGKILL"));
    const reader = proc.stdout.getReader();
    let first = "";
    while (!first.includes("\n")) first += new TextDecoder().decode((await reader.read()).value);
    const port = Number(first.match(/http:\/\/127\.0\.0\.1:(\d+)\//)![1]);
    const server = await p.pidIn("server.pid", "the first build");
    // head has exited: the next lines (the build's, the reload's) meet a closed pipe.
    const sleeper = await stillWorks(p, port);
    expect(alive(server)).toBe(true);
    process.kill(server, "SIGTERM");
    expect(await ends(server)).toBe(true);
    expect(await ends(sleeper)).toBe(true);
    await proc.exited;
    expect(await new Response(proc.stderr).text()).not.toContain("EPIPE");
  });

  testUnless(DEV_FULL_SKIP)("stdout on a full disk (> /dev/full): it starts, serves, reloads and builds, and exits as asked", async () => {
    const p = project();
    const port = freePort();
    const full = openSync("/dev/full", "w");
    const proc = Bun.spawn([process.execPath, ...p.args.map((arg) => (arg === "0" ? String(port) : arg))], { cwd: p.dir, stdout: full, stderr: "pipe" });
    closeSync(full);
    onCleanup(() => proc.kill("SIGKILL"));
    await p.pidIn("server.pid", "the first build");
    const sleeper = await stillWorks(p, port);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(143);
    expect(await ends(sleeper)).toBe(true);
    expect(await new Response(proc.stderr).text()).not.toContain("ENOSPC");
  });
});

describe("every way out ends the build", () => {
  testUnless(SIGNAL_SKIP)("an uncaught error (a bug) exits 1 with its stack, and the build's whole process group is ended first", async () => {
    const dir = tempDir();
    const sleeper = sleeperBuild();
    const server = await launch(["bun", "--preload", fixture("bug-on-sigusr2.ts"), CLI, "--input", tempDir(), "--output", join(dir, "out"), "--port", "0", "--build", sleeper.command], {
      cwd: dir,
    });
    const [build, child] = await sleeper.pids();
    server.proc.kill("SIGUSR2");
    expect(await server.proc.exited).toBe(1);
    expect(server.output()).toContain("a bug in storytime-reload");
    expect(await ends(build)).toBe(true);
    expect(await ends(child)).toBe(true);
  });

  testUnless(SIGNAL_SKIP)("a second Ctrl-C during the stop's grace kills the build's group at once; nothing is left running", async () => {
    const { server, sleeper } = await duringSlowBuild();
    server.proc.kill("SIGINT");
    await server.waitForOutput("Stopping the running build");
    server.proc.kill("SIGINT");
    expect(await server.proc.exited).toBe(130);
    expect(await ends(sleeper)).toBe(true);
  });

  testUnless(SIGNAL_SKIP)("SIGTERM during a build says it stops the build, and never that leftovers are stopped before a next build", async () => {
    const { server, sleeper } = await duringSlowBuild();
    server.proc.kill("SIGTERM");
    expect(await server.proc.exited).toBe(143);
    expect(server.output()).toMatch(/Stopping the running build \(started [\d.]+ m?s ago\); the output may be half-written\./);
    expect(server.output()).not.toContain("before the next build");
    expect(await ends(sleeper)).toBe(true);
  });

  testUnless(SIGNAL_SKIP)("SIGTERM after a build that left a helper running says the helper was stopped", async () => {
    const dir = tempDir();
    const server = await launch(["bun", CLI, "--input", tempDir(), "--output", join(dir, "out"), "--port", "0", "--build", "sleep 30 & echo $! > helper.pid"], { cwd: dir });
    await server.waitForOutput("left background processes running");
    const helper = Number(readFileSync(join(dir, "helper.pid"), "utf8"));
    server.proc.kill("SIGTERM");
    expect(await server.proc.exited).toBe(143);
    expect(server.output()).toContain("Stopped the background processes the last build left running.");
    expect(await ends(helper)).toBe(true);
  });
});

describe("nohup", () => {
  testUnless(LINUX_ONLY)("a SIGHUP ignored at start (nohup) stays ignored: the server keeps serving, and stops on SIGTERM", async () => {
    const out = tree({ "index.html": "x" });
    const server = await launch(["nohup", "bun", CLI, "--output", out, "--port", "0"]);
    server.proc.kill("SIGHUP");
    const socket = await TestSocket.open(server);
    writeFileSync(join(out, "index.html"), "y");
    await socket.waitFor(1);
    expect((await fetch(server.url)).status).toBe(200);
    expect(server.proc.exitCode).toBeNull();
    server.proc.kill("SIGTERM");
    expect(await server.proc.exited).toBe(143);
  });
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
