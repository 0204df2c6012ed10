import { join } from "node:path";
import { displayPath, isDirectory } from "../paths.ts";
import { AsWritten, log, plural, seconds } from "../terminal/log.ts";
import { BuildOutput, VERBOSE_HINT } from "./output.ts";
import { ReadByBuild } from "./read-by-build.ts";
import { NO_STREAK, SELF_TRIGGER_BUILDS, selfTrigger, type Trigger } from "./self-trigger.ts";
import { commandNotFoundCode, leftRunning, relayLines, runners, spawnBuild, stopGracefully, type BuildCommand, type BuildProcess, type SpawnBuild } from "./shell.ts";

export interface BuildConfig extends BuildCommand {
  /**
   * Told when a build is about to run (from the start of its save settle), with a promise that
   * settles, never rejects, once no build runs or waits: queued builds run inside the same period,
   * so a page is never served from the output between one build and the next.
   */
  onBusy(idle: Promise<void>): void;
  /**
   * How long a save settles before it is built: folds the several events of one save (vim writes
   * a probe file, renames, writes again) into one build. The platform's (timing.ts).
   */
  saveSettleMs: number;
  /** How often a long build is reported as still running. */
  stillRunningEveryMs?: number;
  /** How long a page waits for a build (the gate's maxBuildWaitMs), so that the still-running line stays true past it. */
  pagesWaitMs?: number;
  /** --verbose: every line of a build's output is shown as it comes, not only a failed build's last lines. */
  verbose?: boolean;
  /**
   * The output's change counter, and a promise that settles once every change made so far is
   * counted: a build that changed nothing there most likely writes somewhere else.
   */
  outputChanges?: { version(): number; counted(): Promise<unknown> };
  /** Starts a build: the shell's, unless a test runs builds without one. */
  spawn?: SpawnBuild;
}

export const STILL_RUNNING_EVERY_MS = 10_000;
/** Events of a build's last writes may reach us just after its shell exits; they still count as the build's. */
const BUILD_ECHO_MS = 50;

/**
 * Runs the user's build command: never two at once, and any number of changes during a
 * build queue exactly one more, so no change is left unbuilt and none is built twice.
 */
export class BuildRunner {
  private running: { proc: BuildProcess; done: Promise<void>; started: number } | null = null;
  private busy: { idle: Promise<void>; end(): void } | null = null;
  private pending: Trigger | null = null;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** Finished builds that left something running in their process group. */
  private leftovers = new Set<BuildProcess>();
  private toldAboutLeftovers = false;
  private toldAboutFolding = false;
  private toldAboutUnchangedOutput = false;
  private lastEndedAt = Number.NEGATIVE_INFINITY;
  private streak = NO_STREAK;
  /** Files the build itself keeps rewriting: their changes during a build start no further build. */
  private readonly writtenByBuild = new Set<string>();
  private readonly readByBuild = new ReadByBuild();
  private readonly log = log.withTag("build");
  private readonly spawn: SpawnBuild;

  constructor(private readonly config: BuildConfig) {
    this.spawn = config.spawn ?? spawnBuild;
    runners.add(this);
  }

  /** The start-up build: at once, so that pages requested meanwhile wait for it. */
  startNow(): void {
    this.run({ paths: [], duringBuild: false });
  }

  /**
   * A relevant input change: built after the save settles, or after the running build. `file`,
   * its full path, lets a late event of a save the last build already read start no build.
   */
  request(changed: string, file?: string): void {
    if (this.stopped || (file !== undefined && !this.readByBuild.isNew(file))) return;
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
    this.settleTimer = undefined;
    const leftBehind = [...this.leftovers].some((proc) => proc.groupAlive());
    this.stopLeftovers();
    if (leftBehind) this.log.info("Stopped the background processes the last build left running.");
    const running = this.running;
    if (running) {
      this.log.info(`Stopping the running build (started ${seconds(performance.now() - running.started)} ago); the output may be half-written.`);
      await stopGracefully(running.proc, running.done);
    }
    runners.delete(this);
    this.markIdleIfDone();
  }

  /** Ends the running build and whatever earlier builds left running at once, with no grace: this process is exiting. */
  kill(): void {
    this.running?.proc.kill("SIGKILL");
    this.stopLeftovers();
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
    }, this.config.saveSettleMs);
  }

  private runPending(): void {
    const trigger = this.pending;
    this.pending = null;
    if (trigger && !this.stopped && !this.noticedSelfTrigger(trigger)) this.run(trigger);
    this.markIdleIfDone();
  }

  /** Past the limit of builds started only by the build before, names the files and drops them from the trigger; true when nothing is left of it. */
  private noticedSelfTrigger(trigger: Trigger): boolean {
    const { streak, culprits } = selfTrigger(this.streak, trigger);
    this.streak = streak;
    if (!culprits.length) return false;
    for (const path of culprits) this.writtenByBuild.add(path);
    const site = siteFolder(culprits, this.config.input);
    const hint = site ? ` (or, if ${site} is where it writes the site, pass --output ${site})` : "";
    this.log.warn(
      `The build keeps changing ${culprits.join(", ")} in its own input (${SELF_TRIGGER_BUILDS} builds in a row, each started by the one before), ` +
        `so changes to it during a build no longer start another; make the build write it outside ${this.config.input ?? "the input"}${hint}.`,
    );
    trigger.paths = trigger.paths.filter((path) => !this.writtenByBuild.has(path));
    return trigger.paths.length === 0;
  }

  private run(trigger: Trigger): void {
    // Whatever the last build left running belongs to the output it produced, not the next one.
    this.stopLeftovers();
    this.markBusy();
    this.readByBuild.buildStarting();
    const started = performance.now();
    let proc: BuildProcess;
    try {
      proc = this.spawn(this.config);
    } catch (error) {
      // The shell itself could not start (the working directory was deleted, say): a failed build, not a crash.
      this.log.error(`Could not start the build: ${(error as Error).message}; the next change tries again.`);
      this.markIdleIfDone();
      return;
    }
    const done = this.follow(proc, started);
    this.running = { proc, done, started };
    this.log.start(`Building${describeTrigger(trigger)}`);
  }

  /** Relays the build's output and settles when its shell exits, whatever happens on the way. */
  private async follow(proc: BuildProcess, started: number): Promise<void> {
    const outputVersion = this.config.outputChanges?.version();
    const output = new BuildOutput(this.config.verbose === true, {
      line: (text) => this.log.log(new AsWritten(text)),
      note: (text) => this.log.info(text),
    });
    const reporter = setInterval(() => this.reportStillRunning(performance.now() - started), this.config.stillRunningEveryMs ?? STILL_RUNNING_EVERY_MS);
    let code: number | null = null;
    try {
      const relayed = relayLines(proc, (line, stderr) => output.add(line, stderr));
      code = await proc.exited;
      if ((await leftRunning(proc, relayed)) && !this.stopped) this.noteLeftovers(proc);
    } catch (error) {
      this.log.error(`Lost track of the build: ${(error as Error).message}`);
    } finally {
      clearInterval(reporter);
      output.end();
      this.running = null;
      this.lastEndedAt = performance.now();
    }
    if (this.stopped) return this.markIdleIfDone();
    const took = seconds(performance.now() - started);
    if (code === 0) this.reportSuccess(output, took, outputVersion);
    else this.reportFailure(output, code, took);
    if (this.pending) this.settleThenRun();
    else this.markIdleIfDone();
  }

  private reportStillRunning(ms: number): void {
    const limit = this.config.pagesWaitMs ?? Number.POSITIVE_INFINITY;
    const pages = ms < limit ? "pages wait for it" : `pages wait for it ${seconds(limit)} at most, then get the output as it stands`;
    this.log.info(`still running after ${seconds(ms)}; ${pages}`);
  }

  /** Folded to its last line, unless every line was shown as it came; the fold is explained once. */
  private reportSuccess(output: BuildOutput, took: string, outputVersion: number | undefined): void {
    const summary = this.config.verbose ? "" : output.lastLine;
    if (summary) this.log.success(`Built in ${took}:`, new AsWritten(summary));
    else this.log.success(`Built in ${took}`);
    if (!this.config.verbose && output.lines > 1 && !this.toldAboutFolding) {
      this.toldAboutFolding = true;
      this.log.info(`(${plural(output.lines - 1, "more line")} of build output folded; a failed build shows its last lines, and ${VERBOSE_HINT})`);
    }
    if (this.config.outputChanges && outputVersion !== undefined) void this.noticeUnchangedOutput(this.config.outputChanges, outputVersion);
  }

  private reportFailure(output: BuildOutput, code: number | null, took: string): void {
    output.showFailure();
    const why = code === commandNotFoundCode(process.platform) ? "command not found: check --build" : output.lines ? "its output is above" : "it printed nothing";
    this.log.error(`Build failed with exit code ${code ?? "unknown"} after ${took} (${why}); still serving the output as the build left it`);
  }

  /** Once: a build that succeeds without changing the output leaves pages as they were, forever. */
  private async noticeUnchangedOutput(changes: NonNullable<BuildConfig["outputChanges"]>, before: number): Promise<void> {
    if (this.toldAboutUnchangedOutput) return;
    await changes.counted();
    if (changes.version() !== before || this.toldAboutUnchangedOutput || this.stopped) return;
    this.toldAboutUnchangedOutput = true;
    this.log.warn(`The build changed nothing in ${displayPath(this.config.output)}; does it write there? Pass the directory it writes as --output.`);
  }

  private noteLeftovers(proc: BuildProcess): void {
    this.leftovers.add(proc);
    if (this.toldAboutLeftovers) return;
    this.toldAboutLeftovers = true;
    this.log.info(
      "The build finished but left background processes running; they are stopped before the next build and when storytime-reload exits.",
    );
  }

  private stopLeftovers(): void {
    for (const proc of this.leftovers) proc.kill("SIGKILL");
    this.leftovers.clear();
  }
}

function describeTrigger({ paths }: Trigger): string {
  if (!paths.length) return "";
  return ` (${paths[0]} changed${paths.length > 1 ? ` and ${plural(paths.length - 1, "more file")}` : ""})`;
}

/** Files that all lie in one folder of the input are most often the site itself, written where --output does not point: that folder, as the user would name it. */
function siteFolder(paths: string[], input: string | null): string | null {
  const folders = new Set(paths.map((path) => (/[\\/]/.test(path) ? path.split(/[\\/]/)[0]! : "")));
  const [folder] = folders;
  if (folders.size !== 1 || !folder || input === null || !isDirectory(join(input, folder))) return null;
  return displayPath(join(input, folder));
}
