import { AsWritten, log, seconds } from "../terminal/log.ts";
import { BuildOutput } from "./output.ts";
import { commandNotFoundCode, relayLines, runners, spawnBuild, stopGracefully, type BuildCommand, type BuildProcess } from "./shell.ts";

interface WatchBuildConfig extends BuildCommand {
  /** Told each time the command starts: its first build is on its way. */
  onStart(): void;
  /** Each line it prints, shown or not. */
  onLine(line: string): void;
  /** Told when it exits on its own, before any restart. */
  onExit(): void;
}

/** A first restart is quick (a crash on a bad save); then each waits twice as long, up to this. */
const FIRST_RESTART_MS = 1_000;
const MAX_RESTART_MS = 30_000;
/** A command that ran this long was healthy: its next death restarts it quickly again. */
export const HEALTHY_RUN_MS = 30_000;

/** How long to wait before starting the command again after its `deathsInARow`th death in a row. */
export function restartDelayMs(deathsInARow: number): number {
  return Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** (deathsInARow - 1));
}

/**
 * A generator's own watch mode (`hugo --watch`, `eleventy --watch`) run for as long as the server:
 * it rebuilds in a running process, without paying the generator's start-up on every save as a
 * `--build` does. It runs through the shell in a process group of its own, as builds do, so
 * stopping it stops everything it started; its output is shown as it comes (as --verbose shows a
 * build's: it never ends, so there is nothing to fold); if it dies, what is left of its group is
 * stopped and it is started again, sooner after a long healthy run.
 */
export class WatchBuild {
  private running: { proc: BuildProcess; done: Promise<void> } | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private deathsInARow = 0;
  /** It exited in a way no restart mends (not found, or built once and ended), and is not started again. */
  gaveUp = false;
  private readonly log = log.withTag("build");

  constructor(private readonly config: WatchBuildConfig) {}

  start(): void {
    if (this.stopped) return;
    const started = performance.now();
    let proc: BuildProcess;
    try {
      proc = spawnBuild(this.config);
    } catch (error) {
      this.restartLater(started, `Could not start \`${this.config.command}\`: ${(error as Error).message}`);
      return;
    }
    this.log.start(`Running \`${this.config.command}\`; it rebuilds on its own when sources change`);
    this.config.onStart();
    this.running = { proc, done: this.follow(proc, started) };
    runners.add(this);
  }

  /** Ends the command's whole process group. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const running = this.running;
    if (!running) return;
    // A watch mode is stopped as its own terminal would stop it: Jekyll, for one, prints a Ruby
    // stack trace on SIGTERM and shuts down quietly on Ctrl-C.
    await stopGracefully(running.proc, running.done, "SIGINT");
    runners.delete(this);
  }

  /** Ends the command's group at once, with no grace: this process is exiting. */
  kill(): void {
    this.running?.proc.kill("SIGKILL");
  }

  private async follow(proc: BuildProcess, started: number): Promise<void> {
    const output = new BuildOutput(true, {
      line: (text) => this.log.log(new AsWritten(text)),
      note: (text) => this.log.info(text),
    });
    void relayLines(proc, (text, stderr) => {
      output.add(text, stderr);
      this.config.onLine(text);
    });
    const code = await proc.exited.catch(() => null);
    output.end();
    this.running = null;
    runners.delete(this);
    if (this.stopped) return;
    // Whatever the shell started may outlive it, and would write beside the next one.
    proc.kill("SIGKILL");
    this.config.onExit();
    const ran = performance.now() - started;
    const exited = `\`${this.config.command}\` exited with code ${code ?? "unknown"} after ${seconds(ran)}`;
    // Neither a command that is not there nor one that builds once and ends gets better by starting
    // it again: each start would only rebuild and reload every tab, with no edit. One that ran for a
    // while was there: what it ran last is missing, and a restart may find it installed.
    const why =
      ran >= HEALTHY_RUN_MS
        ? null
        : code === commandNotFoundCode(process.platform)
          ? "command not found: check --watch-build"
          : code === 0
            ? "--watch-build wants a command that keeps running and rebuilds by itself, such as `hugo --watch`"
            : null;
    if (why === null) return this.restartLater(started, exited);
    this.gaveUp = true;
    this.log.error(`${exited} (${why}); not starting it again.`);
  }

  private restartLater(started: number, what: string): void {
    this.deathsInARow = performance.now() - started >= HEALTHY_RUN_MS ? 1 : this.deathsInARow + 1;
    const delay = restartDelayMs(this.deathsInARow);
    this.log.error(`${what}; starting it again in ${seconds(delay)}.`);
    this.restartTimer = setTimeout(() => this.start(), delay);
  }
}
