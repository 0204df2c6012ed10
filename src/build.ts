import type { Subprocess } from "bun";
import { log } from "./log.ts";
import { settlesWithin } from "./promises.ts";
import { watchTiming } from "./watch/platform.ts";

export interface BuildConfig {
  command: string;
  input: string | null;
  output: string;
  /**
   * Told when a build is about to run (from the start of its save settle), with a promise that
   * settles, never rejects, once no build runs or waits: queued builds run inside the same period,
   * so a page is never served from the output between one build and the next.
   */
  onBusy(idle: Promise<void>): void;
  /** How often a long build is reported as still running. */
  stillRunningEveryMs?: number;
}

const STILL_RUNNING_EVERY_MS = 10_000;
export const STOP_GRACE_MS = 300;
/** Past this rate build output is counted, not printed: a flooding build must not stall the server on a slow terminal. */
const SHOWN_LINES_PER_SECOND = 200;
/**
 * How long the pipes are read after the build's shell exits. A background process the build
 * started (`tool --watch &`) keeps them open for as long as it lives, so the shell's exit, not the
 * pipes' end, is what ends a build; this only catches the last lines already on their way.
 */
const DRAIN_MS = 100;

/**
 * Folds the several events of one save (vim writes a probe file, renames, writes again) into
 * one build; far below what a person notices next to the build's own time.
 */
export const SAVE_SETTLE_MS = watchTiming(process.platform).saveSettleMs;

/**
 * A build that rewrites a watched file in its own input triggers the next build, forever. It is
 * told from a person's edits by its shape: the same file changed during this many builds in a
 * row, each started only by changes made while the build before it ran.
 */
export const SELF_TRIGGER_BUILDS = 5;
/** Events of a build's last writes may reach us just after its shell exits; they still count as the build's. */
const BUILD_ECHO_MS = 50;

/** The changes that triggered a build: every path, in order of arrival, and whether all came while a build ran. */
interface Trigger {
  paths: string[];
  duringBuild: boolean;
}

/**
 * Runs the user's build command: never two at once, and any number of changes during a
 * build queue exactly one more, so no change is left unbuilt and none is built twice.
 */
export class BuildRunner {
  private running: { pid: number; done: Promise<void> } | null = null;
  private busy: { idle: Promise<void>; end(): void } | null = null;
  private pending: Trigger | null = null;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** Process groups of finished builds that left something running (see DRAIN_MS). */
  private leftovers = new Set<number>();
  private toldAboutLeftovers = false;
  private lastEndedAt = Number.NEGATIVE_INFINITY;
  /** Builds in a row started only by changes made during the build before, and the paths common to all of them. */
  private selfTriggered = { builds: 0, paths: new Set<string>() };
  /** Files the build itself keeps rewriting: their changes during a build start no further build. */
  private readonly writtenByBuild = new Set<string>();
  private readonly log = log.withTag("build");

  constructor(private readonly config: BuildConfig) {}

  /** The start-up build: at once, so that pages requested meanwhile wait for it. */
  startNow(): void {
    this.run({ paths: [], duringBuild: false });
  }

  /** A relevant input change: built after the save settles, or after the running build. */
  request(changed: string): void {
    if (this.stopped) return;
    const duringBuild = this.running !== null || performance.now() - this.lastEndedAt < BUILD_ECHO_MS;
    if (this.writtenByBuild.has(changed)) {
      if (duringBuild) return;
      // Changed while no build runs: a person edited it, so it is theirs again.
      this.writtenByBuild.delete(changed);
    }
    const pending = (this.pending ??= { paths: [], duringBuild: true });
    if (!pending.paths.includes(changed)) pending.paths.push(changed);
    pending.duringBuild &&= duringBuild;
    if (!this.running) this.settleThenRun();
  }

  /** Ends the running build's whole process group, and whatever earlier builds left running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = null;
    clearTimeout(this.settleTimer);
    this.stopLeftovers();
    const running = this.running;
    if (!running) return this.markIdleIfDone();
    stopGroup(running.pid, "SIGTERM");
    await Promise.race([running.done, Bun.sleep(STOP_GRACE_MS)]);
    // The shell may have exited on SIGTERM while something it started did not.
    stopGroup(running.pid, "SIGKILL");
  }

  private markBusy(): void {
    if (this.busy) return;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.busy = { idle: promise, end: resolve };
    this.config.onBusy(promise);
  }

  private markIdleIfDone(): void {
    if (this.running || this.settleTimer || (this.pending && !this.stopped)) return;
    this.busy?.end();
    this.busy = null;
  }

  private settleThenRun(): void {
    this.markBusy();
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      if (!this.running) this.runPending();
    }, SAVE_SETTLE_MS);
  }

  private runPending(): void {
    const trigger = this.pending;
    this.pending = null;
    if (trigger && !this.stopped && !this.noticedSelfTrigger(trigger)) this.run(trigger);
    this.markIdleIfDone();
  }

  /** Counts builds started only by the build before; past the limit, names the file and drops it from the trigger. */
  private noticedSelfTrigger(trigger: Trigger): boolean {
    const streak = this.selfTriggered;
    if (!trigger.duringBuild) {
      streak.builds = 0;
      return false;
    }
    streak.paths = streak.builds === 0 ? new Set(trigger.paths) : new Set(trigger.paths.filter((path) => streak.paths.has(path)));
    streak.builds = streak.paths.size ? streak.builds + 1 : 0;
    if (streak.builds < SELF_TRIGGER_BUILDS) return false;
    const culprits = [...streak.paths];
    for (const path of culprits) this.writtenByBuild.add(path);
    streak.builds = 0;
    this.log.warn(
      `The build keeps changing ${culprits.join(", ")} in its own input (${SELF_TRIGGER_BUILDS} builds in a row, each started by the one before), ` +
        `so changes to it during a build no longer start another; make the build write it outside ${this.config.input ?? "the input"}.`,
    );
    trigger.paths = trigger.paths.filter((path) => !this.writtenByBuild.has(path));
    return trigger.paths.length === 0;
  }

  private run(trigger: Trigger): void {
    // Whatever the last build left running belongs to the output it produced, not the next one.
    this.stopLeftovers();
    this.markBusy();
    const started = performance.now();
    let proc: BuildProcess;
    try {
      proc = spawnBuild(this.config);
    } catch (error) {
      // The shell itself could not start (the working directory was deleted, say): a failed build, not a crash.
      this.log.error(`Could not start the build: ${(error as Error).message}; the next change tries again.`);
      this.markIdleIfDone();
      return;
    }
    const done = this.follow(proc, started, trigger);
    this.running = { pid: proc.pid, done };
    this.log.start(`Building${describeTrigger(trigger)}`);
  }

  /** Relays the build's output and settles when its shell exits, whatever happens on the way. */
  private async follow(proc: BuildProcess, started: number, trigger: Trigger): Promise<void> {
    let printed = 0;
    const show = throttled(
      (line) => {
        printed++;
        this.log.log(line);
      },
      (hidden) => this.log.info(`(${hidden} more lines of build output not shown)`),
    );
    const reporter = setInterval(() => {
      this.log.info(`still running after ${seconds(performance.now() - started)}; pages wait for it`);
    }, this.config.stillRunningEveryMs ?? STILL_RUNNING_EVERY_MS);
    let code: number | null = null;
    try {
      const output = Promise.all([relayLines(proc.stdout, show.line), relayLines(proc.stderr, show.line)]);
      code = await proc.exited;
      if (!(await settlesWithin(output, DRAIN_MS))) this.noteLeftovers(proc.pid);
    } catch (error) {
      this.log.error(`Lost track of the build: ${(error as Error).message}`);
    } finally {
      clearInterval(reporter);
      show.flush();
      this.running = null;
      this.lastEndedAt = performance.now();
    }
    if (this.stopped) return this.markIdleIfDone();
    const took = seconds(performance.now() - started);
    if (code === 0) {
      this.log.success(`Built in ${took}${describeTrigger(trigger)}`);
    } else {
      const where = printed ? "its output is above" : "it printed nothing";
      this.log.error(`Build failed with exit code ${code ?? "unknown"} after ${took} (${where}); still serving the last output`);
    }
    if (this.pending) this.settleThenRun();
    else this.markIdleIfDone();
  }

  private noteLeftovers(pid: number): void {
    if (process.platform === "win32") return;
    this.leftovers.add(pid);
    if (this.toldAboutLeftovers) return;
    this.toldAboutLeftovers = true;
    this.log.info(
      "The build finished but left background processes running; they are stopped before the next build and when storytime-reload exits.",
    );
  }

  private stopLeftovers(): void {
    for (const pid of this.leftovers) stopGroup(pid, "SIGKILL");
    this.leftovers.clear();
  }
}

/**
 * The argv that runs `command` through the platform's shell. On Windows the command line is
 * handed to cmd.exe as typed (as Node does for `shell: true`): quoting it again by the C runtime's
 * rules would turn `echo "a b"` into `echo \"a b\"`. `/s` makes cmd.exe strip exactly the outer
 * quotes added here, `/d` skips AutoRun commands from the registry.
 */
export function shellCommand(command: string, platform: NodeJS.Platform): { argv: string[]; windowsVerbatimArguments: boolean } {
  if (platform === "win32") return { argv: ["cmd.exe", "/d", "/s", "/c", `"${command}"`], windowsVerbatimArguments: true };
  return { argv: ["/bin/sh", "-c", command], windowsVerbatimArguments: false };
}

export type BuildProcess = Subprocess<"ignore", "pipe", "pipe">;

/** Starts `command` through the shell, in a process group of its own (so all it starts can be stopped with it), its output piped. */
export function spawnBuild({ command, input, output }: Pick<BuildConfig, "command" | "input" | "output">): BuildProcess {
  const { argv, windowsVerbatimArguments } = shellCommand(command, process.platform);
  return Bun.spawn(argv, {
    cwd: process.cwd(),
    env: { ...process.env, STORYTIME_INPUT: input ?? "", STORYTIME_OUTPUT: output },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: process.platform !== "win32",
    windowsVerbatimArguments,
  });
}

/** The negative pid reaches the build's whole process group; Windows has no groups, so taskkill walks the tree. */
export function stopGroup(pid: number, signal: NodeJS.Signals): void {
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

export async function relayLines(stream: ReadableStream<Uint8Array>, emit: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let pending = "";
  try {
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
  } catch {
    // A pipe that breaks ends the relay; the build's exit code still decides its outcome.
  }
  if (pending) emit(pending);
}

/** Shows up to SHOWN_LINES_PER_SECOND lines each second and counts the rest, reported once per second. */
export function throttled(show: (line: string) => void, reportHidden: (count: number) => void) {
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

function describeTrigger({ paths }: Trigger): string {
  if (!paths.length) return "";
  return ` (${paths[0]} changed${paths.length > 1 ? ` and ${paths.length - 1} more file${paths.length > 2 ? "s" : ""}` : ""})`;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
