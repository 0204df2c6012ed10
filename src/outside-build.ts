/**
 * Rebuilds that something other than our own build writes: a generator's watch mode run with
 * --watch-build, or in another terminal. We do not know when such a rebuild ends, and real ones
 * write in groups: Eleventy writes its pages, then its copied assets up to 280 ms later; Hugo may
 * write twice. A page served after the first group is stale or half there, and reloads again.
 * So each rebuild is told to the page gate as a busy period (as our own builds are) whose end is
 * judged from what this writer has done before:
 *
 * - the gaps between the groups of its earlier rebuilds: the period ends once the output has been
 *   quiet for longer than the widest of them;
 * - better, its own word: the last line a writer prints in a rebuild is usually the same each
 *   time ("Total in 12 ms", "[11ty] Watching…"), so once two rebuilds in a row ended on a line of
 *   the same shape, that line ends the period as soon as it is printed. A line of that shape
 *   followed by more writes of the same rebuild is never trusted again.
 *
 * A rebuild starts with an input save, with the writer's start, or (for a writer we run, which
 * may rebuild for changes we do not watch) with any write.
 */
export interface OutsideBuildConfig {
  /** The shortest quiet time that ends a rebuild: the page gate's own for a burst of writes. */
  quietMs: number;
  /** Whether every output write is a rebuild's (the writer runs under us), not only those after a save. */
  writerRunsHere: boolean;
  /** Told when a rebuild is on its way, with a promise that settles, never rejects, once it is judged complete. */
  onBusy(idle: Promise<void>): void;
  /** Resolves once every output change made before the call has been reported. */
  confirmWrites(): Promise<unknown>;
}

/** Before any rebuild is seen: above the widest gap measured between one rebuild's groups (Eleventy, 2-core machine under load). */
const FIRST_GAP_MS = 300;
/** Writes further apart than this are two rebuilds, never one rebuild's groups; so no rebuild waits longer for its next group. */
const MAX_GAP_MS = 1_000;
/** How many rebuilds the learned gap and duration come from: recent enough to follow a site that grows. */
const REMEMBERED = 5;
/** How long a save waits for its first write before it counts as one that writes nothing, unless rebuilds took longer. */
const FIRST_WRITE_WAIT_MS = 2_000;
/** The writer's start: a generator's first full build takes far longer than a rebuild (Eleventy 2-4 s on 2 busy cores). */
export const START_WAIT_MS = 30_000;

interface Rebuild {
  startedAt: number;
  /** Deadline for the first write after the start, ms after it. */
  waitMs: number;
  /** Null until the first write since the rebuild started (or since a save during it). */
  lastWriteAt: number | null;
  widestGap: number;
  /** The shape of the last line the writer printed since the rebuild started, kept after it ends. */
  lastLine: string | null;
  /** Opened by a write that came soon after a rebuild the writer's line had ended. */
  followsSignal: boolean;
  endedBy: "line" | "quiet" | null;
  end(): void;
}

export class OutsideBuild {
  private current: Rebuild | null = null;
  private last: Rebuild | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = 0;
  private readonly history: Array<{ gap: number; span: number }> = [];
  /** The shape of the line that ends this writer's rebuilds, once learned. */
  private endLine: string | null = null;
  private candidate: string | null = null;
  private readonly distrusted = new Set<string>();

  constructor(private readonly config: OutsideBuildConfig) {}

  /** A rebuild is on its way: an input file was saved, or the writer (re)started (`waitMs` then covers its first build). */
  expect(waitMs = this.firstWriteWaitMs()): void {
    const now = performance.now();
    const rebuild = this.current;
    if (!rebuild) return void this.open(now, waitMs);
    // A save during a rebuild: the writer builds again, so writes after this save decide.
    rebuild.startedAt = now;
    rebuild.waitMs = waitMs;
    rebuild.lastWriteAt = null;
    this.arm();
  }

  /** A change in the output. */
  wrote(): void {
    const now = performance.now();
    let rebuild = this.current;
    if (!rebuild) {
      const previous = this.last;
      const late = previous?.lastWriteAt != null && now - previous.lastWriteAt < MAX_GAP_MS;
      if (!late && !this.config.writerRunsHere) return;
      if (late) this.widen(now - previous!.lastWriteAt!);
      rebuild = this.open(now, this.firstWriteWaitMs());
      rebuild.followsSignal = late && previous!.endedBy === "line";
    }
    if (rebuild.lastWriteAt !== null && now - rebuild.lastWriteAt > this.config.quietMs) {
      rebuild.widestGap = Math.max(rebuild.widestGap, now - rebuild.lastWriteAt);
    }
    rebuild.lastWriteAt = now;
    this.arm();
  }

  /** A line the writer printed. */
  printed(line: string): void {
    const rebuild = this.current ?? this.last;
    const shape = shapeOf(line);
    // Blank lines set rebuilds apart in a log; they say nothing about where one ends.
    if (!rebuild || !shape) return;
    rebuild.lastLine = shape;
    if (rebuild !== this.current || shape !== this.endLine) return;
    // The writer says it is done: once every write it made before saying so is in, it is, if it wrote at all.
    void this.config.confirmWrites().then(() => {
      if (this.current === rebuild && rebuild.lastWriteAt !== null) this.finish(rebuild, "line");
    });
  }

  /** Ends the current rebuild at once: its writer is gone, or so is the server. */
  endNow(): void {
    if (this.current) this.finish(this.current, "quiet");
  }

  /** How long the output must be quiet before a rebuild counts as complete. */
  gapMs(): number {
    if (!this.history.length) return FIRST_GAP_MS;
    const widest = Math.max(...this.history.map((h) => h.gap));
    return Math.min(MAX_GAP_MS, Math.max(this.config.quietMs, Math.round(widest * 1.5)));
  }

  private firstWriteWaitMs(): number {
    return Math.max(FIRST_WRITE_WAIT_MS, 2 * Math.max(0, ...this.history.map((h) => h.span)));
  }

  private open(now: number, waitMs: number): Rebuild {
    if (this.last) this.learnEndLine(this.last);
    const { promise, resolve } = Promise.withResolvers<void>();
    const rebuild: Rebuild = {
      startedAt: now,
      waitMs,
      lastWriteAt: null,
      widestGap: 0,
      lastLine: null,
      followsSignal: false,
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
    // Waiting for the writer's word, a pause up to the longest gap is still its rebuild's.
    return rebuild.lastWriteAt + (this.endLine === null ? this.gapMs() : MAX_GAP_MS);
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
      if (performance.now() >= this.deadline(rebuild)) this.finish(rebuild, "quiet");
      else this.arm();
    }, at - performance.now());
  }

  private finish(rebuild: Rebuild, by: "line" | "quiet"): void {
    rebuild.endedBy = by;
    this.current = null;
    this.last = rebuild;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (rebuild.lastWriteAt !== null) {
      this.history.push({ gap: rebuild.widestGap, span: rebuild.lastWriteAt - rebuild.startedAt });
      if (this.history.length > REMEMBERED) this.history.shift();
    }
    // A group that came after the writer's word, in a rebuild that then ended without it: the word came too early.
    if (rebuild.followsSignal && by === "quiet" && this.endLine !== null) {
      this.distrusted.add(this.endLine);
      this.endLine = null;
    }
    rebuild.end();
  }

  /** A late group of the last rebuild: its gap counts. */
  private widen(gap: number): void {
    const last = this.history.at(-1);
    if (last) last.gap = Math.max(last.gap, gap);
  }

  /** Called once a rebuild is over for good (the next one starts): the last line it printed, if the same as the one before's, is the writer's word. */
  private learnEndLine(rebuild: Rebuild): void {
    if (rebuild.endedBy !== "quiet" || rebuild.lastWriteAt === null) return;
    const shape = rebuild.lastLine;
    if (shape !== null && shape === this.candidate && !this.distrusted.has(shape)) this.endLine = shape;
    this.candidate = shape;
  }
}

/** A line with its numbers blanked out: "Total in 12 ms" and "Total in 7 ms" are the same line. */
function shapeOf(line: string): string {
  return line.trim().replace(/\d+/g, "#");
}
