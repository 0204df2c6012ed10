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

/** What triggered a build, for the log: the first changed path (null for start-up) and how many came with it. */
interface Trigger {
  first: string | null;
  count: number;
}

/**
 * Folds the several events of one save (vim writes a probe file, renames, writes again) into
 * one build; far below what a person notices next to the build's own time.
 */
const SAVE_SETTLE_MS = 10;

/**
 * Runs the user's build command: never two at once, and any number of changes during a
 * build queue exactly one more, so no change is left unbuilt and none is built twice.
 */
export class BuildRunner {
  private running: { proc: Subprocess<"ignore", "pipe", "pipe">; done: Promise<void> } | null = null;
  private pending: Trigger | null = null;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly log = log.withTag("build");

  constructor(private readonly config: BuildConfig) {}

  /** The start-up build: at once, so that pages requested meanwhile wait for it. */
  startNow(): void {
    this.run({ first: null, count: 0 });
  }

  /** A relevant input change: built after the save settles, or after the running build. */
  request(changed: string): void {
    if (this.stopped) return;
    this.pending = { first: this.pending?.first ?? changed, count: (this.pending?.count ?? 0) + 1 };
    if (this.running || this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      if (!this.running) this.runPending();
    }, SAVE_SETTLE_MS);
  }

  /** Ends the running build's whole process group: the shell and everything it started. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = null;
    clearTimeout(this.settleTimer);
    const running = this.running;
    if (!running) return;
    stopGroup(running.proc.pid, "SIGTERM");
    await Promise.race([running.proc.exited, Bun.sleep(STOP_GRACE_MS)]);
    // The shell may have exited on SIGTERM while something it started did not.
    stopGroup(running.proc.pid, "SIGKILL");
  }

  private runPending(): void {
    const trigger = this.pending;
    this.pending = null;
    if (trigger && !this.stopped) this.run(trigger);
  }

  private run(trigger: Trigger): void {
    const started = performance.now();
    let proc: Subprocess<"ignore", "pipe", "pipe">;
    try {
      proc = Bun.spawn(shellCommand(this.config.command), {
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
    } catch (error) {
      // The shell itself could not start (the working directory was deleted, say): a failed build, not a crash.
      this.log.error(`Could not start the build: ${(error as Error).message}; the next change tries again.`);
      return;
    }
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
      this.finished(code, performance.now() - started, trigger, stderrTail);
    });
    this.running = { proc, done };
    this.log.start(`Building${describeTrigger(trigger)}`);
    this.config.onStart(done);
  }

  private finished(code: number, ms: number, trigger: Trigger, stderrTail: string[]): void {
    this.running = null;
    if (this.stopped) return;
    if (code === 0) {
      this.log.success(`Built in ${seconds(ms)}${describeTrigger(trigger)}`);
    } else {
      const tail = stderrTail.length ? `; last lines of its error output:\n${stderrTail.join("\n")}` : "";
      this.log.error(`Build failed with exit code ${code} after ${seconds(ms)}; still serving the last output${tail}`);
    }
    this.runPending();
  }
}

function shellCommand(command: string): string[] {
  return process.platform === "win32" ? ["cmd.exe", "/d", "/s", "/c", command] : ["/bin/sh", "-c", command];
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

async function relayLines(stream: ReadableStream<Uint8Array>, emit: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let pending = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    pending += decoder.decode(chunk.value, { stream: true });
    // A bare \r ends a line too: progress bars that redraw in place would otherwise pile up unseen.
    const lines = pending.split(/\r\n|\r|\n/);
    pending = lines.pop()!;
    for (const line of lines) emit(line);
    // A read that is always ready resolves without ever returning to the event loop: yield, or
    // a build that floods its output starves every request the server is holding.
    await new Promise((resolve) => setImmediate(resolve));
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

function describeTrigger({ first, count }: Trigger): string {
  if (first === null) return "";
  return ` (${first} changed${count > 1 ? ` and ${count - 1} more` : ""})`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
