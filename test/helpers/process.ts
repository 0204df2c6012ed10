import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";
import { onCleanup } from "./cleanup.ts";
import { eventually } from "./eventually.ts";
import { CLI, ROOT } from "./files.ts";

export interface Running {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  port: number;
  output(): string;
  /** Resolves once both of its output streams have closed: all it printed is in output(). */
  outputClosed: Promise<unknown>;
  /** Resolves once the combined output matches; rejects after `ms`. */
  waitForOutput(pattern: RegExp | string, ms?: number): Promise<void>;
}

/** Log text without the time each line starts with, for tests that compare whole lines. */
export function untimed(text: string): string {
  return text.replace(/^\d\d:\d\d:\d\d /gm, "");
}

/** Runs a command to completion and returns what a user would see. */
export async function run(args: string[], options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}) {
  const proc = Bun.spawn(args, {
    cwd: options.cwd ?? ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 10_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr, all: stdout + stderr };
}

/**
 * Starts a long-running server command and resolves once it printed its URL; `cleanup()` kills it
 * (SIGKILL) if it still runs. `group`: in a process group of its own, signalled and killed whole,
 * as a terminal's Ctrl-C reaches a command and what it started (POSIX only).
 */
export async function launch(args: string[], options: { cwd?: string; env?: Record<string, string>; group?: boolean } = {}): Promise<Running> {
  const proc = Bun.spawn(args, {
    cwd: options.cwd ?? ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: options.group ?? false,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  onCleanup(() => {
    if (!options.group) return proc.kill("SIGKILL");
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      // The group is gone already.
    }
  });
  let text = "";
  const decoder = new TextDecoder();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, { stream: true });
    }
  };
  const outputClosed = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  const found = (pattern: RegExp | string) => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));
  const [, url, port] = await eventually(
    () => {
      if (proc.exitCode !== null) throw new Error(`server exited with code ${proc.exitCode} before it started:\n${text}`);
      return text.match(/(http:\/\/[^\s]+?:(\d+)\/)/);
    },
    { ms: 10_000, every: 20, what: () => `the server to start:\n${text}` },
  ).catch((error) => {
    proc.kill("SIGKILL");
    throw error;
  });
  return {
    proc,
    url: url!,
    port: Number(port),
    output: () => text,
    outputClosed,
    waitForOutput: async (pattern, ms = 5_000) => void (await eventually(() => found(pattern), { ms, every: 20, what: () => `output matching ${pattern}:\n${text}` })),
  };
}

/**
 * Whether a process still runs. `process.kill(pid, 0)` works everywhere, but also succeeds for a
 * zombie (killed, not yet reaped: container init processes often never reap), so on Linux a
 * zombie's state letter decides.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== "linux") return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

/** True once `pid` has ended, false if it still runs after `ms` (a signalled process takes a moment to die). */
export function ends(pid: number, ms = 2_000): Promise<boolean> {
  return eventually(() => !alive(pid), { ms, what: `process ${pid} to end` }).then(
    () => true,
    () => false,
  );
}

/** Runs a command as the unprivileged `nobody`, so permissions and per-user limits apply. */
export const asNobody = (args: string[]) => ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...args];

/** Why the CLI cannot be re-run as `nobody` here, or null when it can. */
export function nobodySkipReason(): string | null {
  if (process.platform !== "linux") return "switching to nobody uses Linux's setpriv";
  if (process.getuid?.() !== 0) return "only root can run a command as nobody";
  const probe = Bun.spawnSync(asNobody([process.execPath, CLI, "--version"]), { cwd: "/", stdout: "ignore", stderr: "ignore" });
  if (probe.exitCode !== 0) return `nobody cannot read this checkout (${ROOT}; a parent directory is private)`;
  return null;
}
