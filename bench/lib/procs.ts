import type { Subprocess } from "bun";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Every server runs in its own process group (setsid), so stopping it also stops whatever it
 * started (Vite's esbuild, a build's shell), and memory and CPU can be summed over the group.
 */
export interface Group {
  readonly pid: number;
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  /** The last 64 KiB the process printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Last resort for Ctrl-C, a crash or the time limit: nothing this bench started may outlive it. */
export function killAll(): void {
  for (const pid of running) killGroup(pid, "SIGKILL");
  running.clear();
}

process.on("exit", killAll);

const OUTPUT_KEEP = 64 * 1024;

export function spawnGroup(cmd: string[], options: { cwd: string; env?: Record<string, string> }): Group {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd,
    detached: true,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", BROWSER: "none", ...options.env },
  });
  running.add(proc.pid);
  let text = "";
  const decoder = new TextDecoder();
  // Drained continuously: a peer that logs every change would otherwise block on a full pipe.
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, { stream: true });
      if (text.length > 2 * OUTPUT_KEEP) text = text.slice(-OUTPUT_KEEP);
    }
  };
  void drain(proc.stdout).catch(() => {});
  void drain(proc.stderr).catch(() => {});
  return {
    pid: proc.pid,
    proc,
    output: () => text.slice(-OUTPUT_KEEP),
    async stop() {
      killGroup(proc.pid, "SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(2_000).then(() => false)]);
      // Children may outlive the leader's graceful exit; the group goes either way.
      killGroup(proc.pid, "SIGKILL");
      if (!exited) await proc.exited;
      running.delete(proc.pid);
    },
  };
}

const usedPorts = new Set<number>();

/** A port the OS just handed out and this run has not used yet. */
export function freePort(): number {
  for (;;) {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    if (!usedPorts.has(port)) {
      usedPorts.add(port);
      return port;
    }
  }
}

/** Resolves once a TCP connection to the port succeeds; rejects when the process exits or time runs out. */
export async function waitForListening(group: Group, port: number, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await canConnect(port)) return;
    if (group.proc.exitCode !== null || group.proc.signalCode !== null) {
      throw new Error(`exited before listening on ${port}:\n${group.output()}`);
    }
    if (performance.now() > deadline) throw new Error(`not listening on ${port} after ${ms} ms:\n${group.output()}`);
    await Bun.sleep(2);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(socket) {
          socket.end();
          resolve(true);
        },
        data() {},
        connectError() {
          resolve(false);
        },
      },
    }).catch(() => resolve(false));
  });
}

function getconf(name: string): number {
  const value = Number(Bun.spawnSync(["getconf", name]).stdout.toString().trim());
  if (!(value > 0)) throw new Error(`getconf ${name} gave no number`);
  return value;
}

const PAGE_BYTES = getconf("PAGESIZE");
const TICKS_PER_SECOND = getconf("CLK_TCK");

export interface Usage {
  /** Resident memory of every process in the group, threads included, in bytes. */
  rss: number;
  /** CPU time of every process in the group and of its reaped children, in ms. */
  cpuMs: number;
  processes: number;
}

/**
 * CPU time of every thread of a process, in ms, read in nanoseconds from
 * /proc/PID/task/TID/schedstat: the clock-tick counters of /proc/PID/stat move in 10 ms steps,
 * coarser than a whole idle minute of a quiet server.
 */
function threadsCpuMs(pid: string): number {
  let ns = 0;
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const task of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended since the listing.
    }
  }
  return ns / 1e6;
}

/** Read from /proc: the fields of /proc/PID/stat after the command name, which may contain spaces. */
export function groupUsage(pgid: number): Usage {
  const usage: Usage = { rss: 0, cpuMs: 0, processes: 0 };
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== pgid) continue;
    // Children already reaped count in clock ticks; the living process, thread by thread, in ns.
    const reapedTicks = Number(fields[13]) + Number(fields[14]);
    usage.cpuMs += (reapedTicks * 1000) / TICKS_PER_SECOND + threadsCpuMs(entry);
    usage.rss += Number(fields[21]) * PAGE_BYTES;
    usage.processes++;
  }
  return usage;
}
