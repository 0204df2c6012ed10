import type { Subprocess } from "bun";
import { log } from "./log.ts";

export interface BuildConfig {
  command: string;
  input: string | null;
  output: string;
  /** Told when a build starts, with a promise that settles when it ends. */
  onStart(done: Promise<void>): void;
  /** How often a long build is reported as still running. */
  stillRunningEveryMs?: number;
}

const STDERR_TAIL_LINES = 20;
const STILL_RUNNING_EVERY_MS = 10_000;
const STOP_GRACE_MS = 300;
/** Past this rate build output is counted, not printed: a flooding build must not stall the server on a slow terminal. */
const SHOWN_LINES_PER_SECOND = 200;

/**
 * Runs the user's build command: never two at once, and any number of changes during a
 * build queue exactly one more, so no change is left unbuilt and none is built twice.
 */
export class BuildRunner {
  private running: { proc: Subprocess<"ignore", "pipe", "pipe">; done: Promise<void> } | null = null;
  private queued: string[] | null = null;
  private stopped = false;
  private readonly log = log.withTag("build");

  constructor(private readonly config: BuildConfig) {}

  /** `changed` is what triggered the build, for the log: a path, or null for start-up. */
  request(changed: string | null): void {
    if (this.stopped) return;
    if (this.running) {
      this.queued ??= [];
      if (changed !== null) this.queued.push(changed);
      return;
    }
    this.run(changed === null ? [] : [changed]);
  }

  /** Ends the running build's whole process group: the shell and everything it started. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queued = null;
    const running = this.running;
    if (!running) return;
    signalGroup(running.proc.pid, "SIGTERM");
    await Promise.race([running.proc.exited, Bun.sleep(STOP_GRACE_MS)]);
    // The shell may have exited on SIGTERM while something it started did not.
    signalGroup(running.proc.pid, "SIGKILL");
  }

  private run(changes: string[]): void {
    const started = performance.now();
    const proc = Bun.spawn(shellCommand(this.config.command), {
      cwd: process.cwd(),
      env: {
        ...process.env,
        STORYTIME_INPUT: this.config.input ?? "",
        STORYTIME_OUTPUT: this.config.output,
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: process.platform !== "win32",
    });
    const stderrTail: string[] = [];
    const show = throttled((line) => this.log.log(line), (hidden) => this.log.info(`(${hidden} more lines of build output not shown)`));
    const reporter = setInterval(() => {
      this.log.info(`still running after ${seconds(performance.now() - started)}`);
    }, this.config.stillRunningEveryMs ?? STILL_RUNNING_EVERY_MS);
    const done = Promise.all([
      relayLines(proc.stdout, show.line),
      relayLines(proc.stderr, (line) => {
        show.line(line);
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      }),
      proc.exited,
    ]).then(([, , code]) => {
      clearInterval(reporter);
      show.flush();
      this.finished(code, performance.now() - started, changes, stderrTail);
    });
    this.running = { proc, done };
    this.log.start(`Building${describeChanges(changes)}`);
    this.config.onStart(done);
  }

  private finished(code: number, ms: number, changes: string[], stderrTail: string[]): void {
    this.running = null;
    if (this.stopped) return;
    if (code === 0) {
      this.log.success(`Built in ${seconds(ms)}${describeChanges(changes)}`);
    } else {
      const tail = stderrTail.length ? `; last lines of its error output:\n${stderrTail.join("\n")}` : "";
      this.log.error(`Build failed with exit code ${code} after ${seconds(ms)}; still serving the last output${tail}`);
    }
    const next = this.queued;
    this.queued = null;
    if (next) this.run(next);
  }
}

function shellCommand(command: string): string[] {
  return process.platform === "win32" ? ["cmd.exe", "/d", "/s", "/c", command] : ["/bin/sh", "-c", command];
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === "win32" ? pid : -pid, signal);
  } catch {
    // Already gone.
  }
}

async function relayLines(stream: ReadableStream<Uint8Array>, emit: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let pending = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    pending += decoder.decode(chunk.value, { stream: true });
    const lines = pending.split(/\r?\n/);
    pending = lines.pop()!;
    for (const line of lines) emit(line);
  }
  if (pending) emit(pending);
}

/** Shows up to SHOWN_LINES_PER_SECOND lines each second and counts the rest, reported once per second. */
function throttled(show: (line: string) => void, reportHidden: (count: number) => void) {
  let windowStart = 0;
  let shown = 0;
  let hidden = 0;
  const flush = () => {
    if (hidden) reportHidden(hidden);
    hidden = 0;
  };
  return {
    flush,
    line(line: string) {
      const now = performance.now();
      if (now - windowStart >= 1000) {
        flush();
        windowStart = now;
        shown = 0;
      }
      if (shown < SHOWN_LINES_PER_SECOND) {
        shown++;
        show(line);
      } else hidden++;
    },
  };
}

function describeChanges(changes: string[]): string {
  if (!changes.length) return "";
  const more = changes.length - 1;
  return ` (${changes[0]} changed${more ? ` and ${more} more` : ""})`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
