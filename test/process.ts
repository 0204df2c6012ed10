import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";
import { ROOT } from "./helpers.ts";

export const CLI = `${ROOT}/src/cli.ts`;

export interface Running {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  port: number;
  output(): string;
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

/** Starts a long-running server command and resolves once it printed its URL. */
export async function launch(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Running> {
  const proc = Bun.spawn(args, {
    cwd: options.cwd ?? ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  let text = "";
  const decoder = new TextDecoder();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, { stream: true });
    }
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  const deadline = Date.now() + 10_000;
  let match: RegExpMatchArray | null = null;
  while (!(match = text.match(/(http:\/\/[^\s]+?:(\d+)\/)/))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`server did not start:\n${text}`);
    }
    await Bun.sleep(20);
  }
  return {
    proc,
    url: match[1]!,
    port: Number(match[2]),
    output: () => text,
    async waitForOutput(pattern, ms = 5_000) {
      const until = Date.now() + ms;
      const found = () => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));
      while (!found()) {
        if (Date.now() > until) throw new Error(`output never matched ${pattern}:\n${text}`);
        await Bun.sleep(20);
      }
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes exactly as given, so a test can use request targets and headers that fetch()
 * would normalise or refuse to send (raw "..", "#", a forged Host, an Upgrade with an Origin).
 */
export async function rawRequest(port: number, target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const lines = [`GET ${target} HTTP/1.1`, ...Object.entries({ host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}`)];
  const text = await new Promise<string>((resolve, reject) => {
    let received = "";
    const timer = setTimeout(() => reject(new Error(`no complete answer to ${target}`)), 5_000);
    const finish = () => {
      clearTimeout(timer);
      resolve(received);
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(socket) {
          socket.write(`${lines.join("\r\n")}\r\nconnection: close\r\n\r\n`);
        },
        data(socket, chunk) {
          received += chunk.toString("latin1");
          // A 101 keeps the socket open: the head is all there is to read.
          if (/^HTTP\/1\.1 101/.test(received) && received.includes("\r\n\r\n")) {
            socket.end();
            finish();
          }
        },
        close: finish,
        error: finish,
      },
    }).catch(reject);
  });
  const [head = "", ...rest] = text.split("\r\n\r\n");
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  return {
    status: Number(statusLine.split(" ")[1]),
    headers: Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()])),
    body: rest.join("\r\n\r\n"),
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

/** True once `pid` has ended, false if it still runs after `ms` (a signalled process takes a moment to die). */
export async function ends(pid: number, ms = 2_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await Bun.sleep(10);
  }
  return true;
}
