import { settlesWithin } from "../promises.ts";

/**
 * How builds run: through the platform's shell, in a process group of their own so that
 * everything a build starts is stopped with it, their output relayed line by line.
 */

/** A command to run, and the paths it is told in STORYTIME_INPUT and STORYTIME_OUTPUT. */
export interface BuildCommand {
  command: string;
  input: string | null;
  output: string;
}

/** A running build's shell, as the runners see it. */
export interface BuildProcess {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** The shell's exit code. */
  readonly exited: Promise<number>;
  /** Signals its whole process group; on Windows, which has no groups, ends its process tree. */
  kill(signal: "SIGINT" | "SIGTERM" | "SIGKILL"): void;
  /** Whether any process of its group still runs (never on Windows: what a build leaves running there is not tracked). */
  groupAlive(): boolean;
}

/** Starts a build; the seam through which tests run builds without a shell. */
export type SpawnBuild = (build: BuildCommand) => BuildProcess;

/** How long a stopped build's group has to end on its first signal before it is killed. */
const STOP_GRACE_MS = 300;
/**
 * How long the pipes are read after the build's shell exits. A background process the build
 * started (`tool --watch &`) keeps them open for as long as it lives, so the shell's exit, not the
 * pipes' end, is what ends a build; this only catches the last lines already on their way.
 */
const DRAIN_MS = 100;

/** Runners whose builds (or watch mode) may still run: however this process exits, their process groups end with it. */
export const runners = new Set<{ kill(): void }>();
process.on("exit", () => {
  for (const runner of runners) runner.kill();
});

/**
 * The argv that runs `command` through the platform's shell. On Windows the command line is
 * handed to cmd.exe as typed (as Node does for `shell: true`): quoting it again by the C runtime's
 * rules would turn `echo "a b"` into `echo \"a b\"`. `/s` makes cmd.exe strip exactly the outer
 * quotes added here, `/d` skips AutoRun commands from the registry.
 */
export function shellCommand(command: string, platform: NodeJS.Platform): { argv: string[]; windowsVerbatimArguments: boolean } {
  if (platform === "win32") return { argv: ["cmd.exe", "/d", "/s", "/c", `"${command}"`], windowsVerbatimArguments: true };
  // After "--" a command that starts with "-" is still the command, not an option of sh.
  return { argv: ["/bin/sh", "-c", "--", command], windowsVerbatimArguments: false };
}

/** The exit code of a shell that found no such command: sh's 127, cmd.exe's 9009. */
export function commandNotFoundCode(platform: NodeJS.Platform): number {
  return platform === "win32" ? 9009 : 127;
}

/** Starts `command` through the shell, in a process group of its own (so all it starts can be stopped with it), its output piped. */
export const spawnBuild: SpawnBuild = ({ command, input, output }) => {
  const { argv, windowsVerbatimArguments } = shellCommand(command, process.platform);
  const proc = Bun.spawn(argv, {
    cwd: process.cwd(),
    env: { ...process.env, STORYTIME_INPUT: input ?? "", STORYTIME_OUTPUT: output },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: process.platform !== "win32",
    windowsVerbatimArguments,
  });
  return {
    stdout: proc.stdout,
    stderr: proc.stderr,
    exited: proc.exited,
    kill: (signal) => stopGroup(proc.pid, signal),
    groupAlive: () => groupAlive(proc.pid),
  };
};

/** Asks the group to end, gives it STOP_GRACE_MS (or until `done`), then kills what is left: the shell may exit on the signal while something it started does not. */
export async function stopGracefully(proc: BuildProcess, done: Promise<unknown>, signal: "SIGINT" | "SIGTERM" = "SIGTERM"): Promise<void> {
  proc.kill(signal);
  await settlesWithin(done, STOP_GRACE_MS);
  proc.kill("SIGKILL");
}

/** Relays both pipes line by line; settles once both have ended, never rejects. */
export async function relayLines(proc: BuildProcess, emit: (line: string, stderr: boolean) => void): Promise<void> {
  await Promise.all([readLines(proc.stdout, (line) => emit(line, false)), readLines(proc.stderr, (line) => emit(line, true))]);
}

/**
 * Once the shell has exited: waits up to DRAIN_MS for the relay to end, and says whether the build
 * left something running. Open pipes alone prove nothing: a process outside the group may hold them.
 */
export async function leftRunning(proc: BuildProcess, relayed: Promise<void>): Promise<boolean> {
  return !(await settlesWithin(relayed, DRAIN_MS)) && proc.groupAlive();
}

/** The negative pid reaches the build's whole process group; Windows has no groups, so taskkill walks the tree. */
function stopGroup(pid: number, signal: NodeJS.Signals): void {
  if (process.platform === "win32") {
    Bun.spawnSync(["taskkill", "/pid", String(pid), "/T", "/F"], { stdout: "ignore", stderr: "ignore" });
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(pid: number): boolean {
  if (process.platform === "win32") return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Longer lines are cut and the rest counted: one minified bundle on stdout must not flood the terminal or memory. */
export const MAX_LINE_CHARS = 1_000;

/**
 * Reads a stream as lines, in time linear in its size: each chunk is scanned once, and a line
 * longer than MAX_LINE_CHARS keeps only its start and a count of the rest.
 */
async function readLines(stream: ReadableStream<Uint8Array>, emit: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  // A bare \r ends a line too: progress bars that redraw in place would otherwise pile up unseen.
  const lineBreak = /\r\n|\r|\n/g;
  let kept = "";
  let cut = 0;
  let afterCarriageReturn = false;
  const take = (text: string, from: number, to: number) => {
    const length = Math.min(to - from, MAX_LINE_CHARS - kept.length);
    kept += text.slice(from, from + length);
    cut += to - from - length;
  };
  const endLine = () => {
    emit(cut ? `${kept}… (${cut} more characters)` : kept);
    kept = "";
    cut = 0;
  };
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      const text = decoder.decode(chunk.value, { stream: true });
      // A \r\n split between two chunks is one line break, not two.
      let start = afterCarriageReturn && text.startsWith("\n") ? 1 : 0;
      lineBreak.lastIndex = start;
      for (let match = lineBreak.exec(text); match; match = lineBreak.exec(text)) {
        take(text, start, match.index);
        endLine();
        start = lineBreak.lastIndex;
      }
      take(text, start, text.length);
      afterCarriageReturn = text.endsWith("\r");
      // A read that is always ready resolves without ever returning to the event loop: yield, or
      // a build that floods its output starves every request the server is holding.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch {
    // A pipe that breaks ends the relay; the build's exit code still decides its outcome.
  }
  if (kept || cut) endLine();
}
