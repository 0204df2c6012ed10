import { displayPath } from "../paths.ts";
import { log, seconds } from "../terminal/log.ts";

/**
 * Rebuilds that something other than our own build writes: a generator's watch mode run with
 * --watch-build, or in another terminal. We do not know when such a rebuild ends, and real ones
 * write in groups: Eleventy writes its pages, then its copied assets hundreds of milliseconds
 * later (bench/README.md has the gaps measured). A page served after the first group is stale or
 * half there, and reloads again. So each rebuild is told to the page gate as a busy period (as our
 * own builds are) whose end is judged from what this writer has done before:
 *
 * - the gaps between the groups of its earlier rebuilds: the period ends once the output has been
 *   quiet for longer than the widest of them;
 * - better, its own word: a writer ends each rebuild with the same line, give or take its numbers
 *   ("Total in 12 ms", "[11ty] Wrote 31 files in 0.06 seconds"), so a line that ended a rebuild
 *   ends the next one as soon as it is printed. A line that turns out to come before more writes
 *   of its rebuild is never trusted again.
 *
 * The writer's first build teaches neither: it ends differently (Hugo prints "Press Ctrl+C to
 * stop"), and a full build pauses and lasts longer than a rebuild (Eleventy may copy its assets
 * well before its pages).
 *
 * A rebuild starts with an input save, with the writer's start, or (for a writer we run, which
 * may rebuild for changes we do not watch) with any write.
 */
interface OutsideBuildConfig {
  /** The shortest quiet time that ends a rebuild: the page gate's own for a burst of writes. */
  quietMs: number;
  /** Whether every output write is a rebuild's (the writer runs under us), not only those after a save. */
  writerRunsHere: boolean;
  /** Told when a rebuild is on its way, with a promise that settles, never rejects, once it is judged complete. */
  onBusy(idle: Promise<void>): void;
  /** Resolves once every output change made before the call has been reported. */
  confirmWrites(): Promise<unknown>;
  /** The output directory, named if the writer's first build writes nothing there. */
  output: string;
  /** How long pages wait for the writer's first build to write; the default suits a generator's cold start. */
  firstBuildWaitMs?: number;
}

/** Before any rebuild is seen: above the widest gap measured between one rebuild's groups (bench/README.md). */
const FIRST_GAP_MS = 400;
/** Writes further apart than this are two rebuilds, never one rebuild's groups; so no rebuild waits longer for its next group. */
const MAX_GAP_MS = 1_000;
/** How many rebuilds the learned gap and duration come from: recent enough to follow a site that grows. */
const REMEMBERED = 5;
/**
 * While the writer's closing line is awaited, a pause up to this long is still its rebuild's: a
 * generator may think between groups (a slow plugin), and the line says when it is done. Only a
 * rebuild that never prints it (a failed one) holds pages this long after its last write.
 */
const LINE_WAIT_MS = 3_000;
/** How long a save waits for its first write before it counts as one that writes nothing, unless rebuilds took longer. */
const FIRST_WRITE_WAIT_MS = 2_000;
/** The writer's first build takes far longer than a rebuild: a generator's cold start and every page (bench/README.md). */
export const FIRST_BUILD_WAIT_MS = 30_000;

interface Rebuild {
  /** The writer's first build, after it (re)started. */
  first: boolean;
  startedAt: number;
  /** Deadline for the first write after the start, ms after it. */
  waitMs: number;
  /** Null until the rebuild's first write. */
  lastWriteAt: number | null;
  widestGap: number;
  /** The shape of the last line the writer printed since the rebuild started, kept after it ends. */
  lastLine: string | null;
  /** The trusted line that ended the rebuild just before this one, if this one began with a write soon after it. */
  follows: string | null;
  /** A write came soon after it ended: it was not over, whatever it printed last. */
  hadLateGroup: boolean;
  endedBy: "line" | "quiet" | null;
  end(): void;
}

export class OutsideBuild {
  private current: Rebuild | null = null;
  private last: Rebuild | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = 0;
  private readonly history: Array<{ gap: number; span: number }> = [];
  /** Shapes of the lines that end this writer's rebuilds, once seen doing so. */
  private readonly endLines = new Set<string>();
  private readonly distrusted = new Set<string>();
  private toldNothingWritten = false;

  constructor(private readonly config: OutsideBuildConfig) {}

  /** The writer (re)started: its first build is on its way. */
  started(): void {
    this.expect(this.config.firstBuildWaitMs ?? FIRST_BUILD_WAIT_MS).first = true;
  }

  /** An input file was saved: a rebuild is on its way. */
  saved(): void {
    this.expect(this.firstWriteWaitMs());
  }

  /** A change in the output. */
  wrote(): void {
    const now = performance.now();
    let rebuild = this.current;
    if (!rebuild) {
      const previous = this.last;
      const late = previous?.lastWriteAt != null && now - previous.lastWriteAt < MAX_GAP_MS;
      if (!late && !this.config.writerRunsHere) return;
      if (late) {
        previous!.hadLateGroup = true;
        if (!previous!.first) this.widen(now - previous!.lastWriteAt!);
      }
      rebuild = this.open(now, this.firstWriteWaitMs());
      if (late && previous!.endedBy === "line") rebuild.follows = previous!.lastLine;
    }
    if (rebuild.lastWriteAt !== null && now - rebuild.lastWriteAt > this.config.quietMs) {
      rebuild.widestGap = Math.max(rebuild.widestGap, now - rebuild.lastWriteAt);
    }
    rebuild.lastWriteAt = now;
    this.arm();
  }

  /** A line the writer printed. */
  printed(line: string): void {
    // After the writer's word, what it prints is between rebuilds; after a quiet end, it may still be the rebuild's last line.
    const rebuild = this.current ?? (this.last?.endedBy === "quiet" ? this.last : null);
    const shape = shapeOf(line);
    // Blank lines set rebuilds apart in a log; they say nothing about where one ends.
    if (!rebuild || !shape) return;
    rebuild.lastLine = shape;
    if (rebuild !== this.current || !this.endLines.has(shape)) return;
    // The writer says it is done: once every write it made before saying so is in, it is, if it wrote at all.
    void this.config.confirmWrites().then(() => {
      if (this.current === rebuild && rebuild.lastWriteAt !== null && rebuild.lastLine === shape) this.finish(rebuild, "line");
    });
  }

  /** Ends the current rebuild at once: its writer is gone, or so is the server. */
  endNow(): void {
    if (this.current) this.finish(this.current, "quiet");
  }

  /** How long the output must be quiet before a rebuild counts as complete, without the writer's word. */
  gapMs(): number {
    if (!this.history.length) return FIRST_GAP_MS;
    const widest = Math.max(...this.history.map((h) => h.gap));
    return Math.min(MAX_GAP_MS, Math.max(this.config.quietMs, Math.round(widest * 1.5)));
  }

  private firstWriteWaitMs(): number {
    return Math.max(FIRST_WRITE_WAIT_MS, 2 * Math.max(0, ...this.history.map((h) => h.span)));
  }

  private expect(waitMs: number): Rebuild {
    const rebuild = this.current;
    if (!rebuild) return this.open(performance.now(), waitMs);
    // Once the rebuild writes, a save is as likely the writer's own (a lock or cache file it touches
    // as it builds) as a person's; a person's makes another rebuild, whose writes come as late groups.
    if (rebuild.lastWriteAt === null) {
      rebuild.startedAt = performance.now();
      rebuild.waitMs = Math.max(waitMs, rebuild.waitMs);
      this.arm();
    }
    return rebuild;
  }

  private open(now: number, waitMs: number): Rebuild {
    if (this.last) this.learnEndLine(this.last);
    const { promise, resolve } = Promise.withResolvers<void>();
    const rebuild: Rebuild = {
      first: false,
      startedAt: now,
      waitMs,
      lastWriteAt: null,
      widestGap: 0,
      lastLine: null,
      follows: null,
      hadLateGroup: false,
      endedBy: null,
      end: resolve,
    };
    this.current = rebuild;
    this.config.onBusy(promise);
    this.arm();
    return rebuild;
  }

  /** When the current rebuild is judged complete without the writer's word, if nothing happens before then. */
  private deadline(rebuild: Rebuild): number {
    if (rebuild.lastWriteAt === null) return rebuild.startedAt + rebuild.waitMs;
    return rebuild.lastWriteAt + (this.endLines.size && !rebuild.first ? LINE_WAIT_MS : this.gapMs());
  }

  /** One timer, moved only to an earlier deadline and re-armed when it fires early: writes arrive by the hundred. */
  private arm(): void {
    const rebuild = this.current;
    if (!rebuild) return;
    const at = this.deadline(rebuild);
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.current !== rebuild) return;
      if (performance.now() < this.deadline(rebuild)) return this.arm();
      if (rebuild.first && rebuild.lastWriteAt === null) this.tellNothingWritten(rebuild.waitMs);
      this.finish(rebuild, "quiet");
    }, Math.max(0, at - performance.now()));
  }

  private finish(rebuild: Rebuild, by: "line" | "quiet"): void {
    rebuild.endedBy = by;
    this.current = null;
    this.last = rebuild;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (rebuild.lastWriteAt !== null && !rebuild.first) {
      this.history.push({ gap: rebuild.widestGap, span: rebuild.lastWriteAt - rebuild.startedAt });
      if (this.history.length > REMEMBERED) this.history.shift();
    }
    // More writes after the line, that then ended without one: the line came before the rebuild was over.
    if (rebuild.follows !== null && by === "quiet") {
      this.endLines.delete(rebuild.follows);
      this.distrusted.add(rebuild.follows);
    }
    rebuild.end();
  }

  /** Once: a writer that writes nothing at its start most likely writes somewhere else, or skips an output it finds up to date. */
  private tellNothingWritten(waitedMs: number): void {
    if (this.toldNothingWritten) return;
    this.toldNothingWritten = true;
    log.withTag("build").warn(
      `The --watch-build command wrote nothing in ${displayPath(this.config.output)} in the ${seconds(waitedMs)} since it started, so pages no longer wait for it; ` +
        "if it writes somewhere else, pass that directory as --output.",
    );
  }

  /** A late group of the last rebuild: its gap counts. */
  private widen(gap: number): void {
    const last = this.history.at(-1);
    if (last) last.gap = Math.max(last.gap, gap);
  }

  /** Once a rebuild is over for good (the next one starts): the last line it printed ends its kind. */
  private learnEndLine(rebuild: Rebuild): void {
    const shape = rebuild.lastLine;
    if (rebuild.first || rebuild.hadLateGroup || rebuild.lastWriteAt === null || shape === null || this.distrusted.has(shape)) return;
    this.endLines.add(shape);
  }
}

/** A line with its numbers blanked out: "Total in 12 ms" and "Total in 7 ms" are the same line. */
function shapeOf(line: string): string {
  return line.trim().replace(/\d+/g, "#");
}
