import { settlesWithin } from "../promises.ts";
import { log } from "../terminal/log.ts";

export interface GateLimits {
  /** Quiet time after the last change before a page is served. */
  quietMs: number;
  /** Quiet time once a burst is under way (`burstEvents` changes, each within `quietMs` of the last). */
  burstQuietMs: number;
  burstEvents: number;
  /** A page is served after this long even if the output never goes quiet. */
  maxQuietWaitMs: number;
  /** A page waits at most this long for a running build, then gets the output as it stands. */
  maxBuildWaitMs: number;
}

/** A page request the gate may hold: told before a wait that may be long, so the server keeps it open; and whether its client gave up. */
export interface HeldRequest {
  hold(): void;
  signal: AbortSignal;
}

/**
 * How long a page request waits for a missing page to be written, if the output changed just
 * before: a clean build empties the output first and may think for a while before it writes.
 */
const MISSING_PAGE_GRACE_MS = 1_000;

/**
 * The main thread's record of the output directory: a counter that moves on every change
 * (pages carry it, so a stale page can be told at once) and a gate that holds HTML
 * responses while a build runs and until the output has been quiet for a moment. The gate
 * is what lets a burst of writes end in one reload: a page requested mid-burst is served
 * after the burst, whole.
 */
export class OutputChanges {
  version = 0;
  private lastChangeAt = Number.NEGATIVE_INFINITY;
  /** Changes in the current run of changes, each within `quietMs` of the one before. */
  private runLength = 0;
  private buildEndedAt = Number.NEGATIVE_INFINITY;
  private build: Promise<unknown> | null = null;
  private nextChangeWaiters: Array<() => void> = [];
  private readonly changeListeners: Array<() => void> = [];
  /** Resolves once the output watcher has reported every change made before the call. */
  private confirm: (() => Promise<unknown>) | null = null;

  constructor(private readonly limits: GateLimits) {}

  /** The output watcher, once it exists, confirms that quiet output really is quiet. */
  confirmWith(confirm: () => Promise<unknown>): void {
    this.confirm = confirm;
  }

  /** Resolves once the output watcher has reported every change made before the call (at once before it exists). */
  async allReported(): Promise<void> {
    await this.confirm?.();
  }

  /** `listener` runs at every change, once the counter has moved. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  record(): void {
    const now = performance.now();
    this.runLength = now - this.lastChangeAt < this.limits.quietMs ? this.runLength + 1 : 1;
    this.lastChangeAt = now;
    this.version++;
    for (const listener of this.changeListeners) listener();
    // Runs on every output event: no new array unless someone waits.
    if (this.nextChangeWaiters.length) for (const wake of this.nextChangeWaiters.splice(0)) wake();
  }

  /**
   * Pages wait for `build` to settle, and then until the output watcher has reported the build's
   * last write: evidence that its writes are in, not a guessed while.
   */
  holdFor(build: Promise<unknown>): void {
    const held = build.then(() => this.allReported()).finally(() => {
      this.buildEndedAt = performance.now();
      if (this.build === held) this.build = null;
    });
    this.build = held;
  }

  /**
   * Null when a page may be served now; otherwise resolves once it may. A page served because the
   * build outlasted `maxBuildWaitMs` is told in the log: it is served as the output stands.
   */
  pageWait(request: HeldRequest): Promise<void> | null {
    const wait = this.settled();
    if (!wait) return null;
    request.hold();
    return wait.then((inTime) => {
      if (inTime || request.signal.aborted) return;
      log.warn(`A page waited ${this.limits.maxBuildWaitMs / 1000} s for the build and is served as the output stands; it reloads when the build writes.`);
    });
  }

  /**
   * For a page found missing at `since`: resolves true once it is worth looking again. Only while
   * the output changed within MISSING_PAGE_GRACE_MS (a clean build that emptied it, about to write
   * again) and at most that long after `since`: then at its next change, once pages may be served.
   */
  async missingPageMayAppear(request: HeldRequest, since: number): Promise<boolean> {
    if (performance.now() - this.lastChangeAt >= MISSING_PAGE_GRACE_MS) return false;
    const left = since + MISSING_PAGE_GRACE_MS - performance.now();
    if (left <= 0 || !(await this.nextChange(left))) return false;
    await this.pageWait(request);
    return true;
  }

  /** Resolves true at the next change, or false after `ms` without one. */
  private nextChange(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.nextChangeWaiters = this.nextChangeWaiters.filter((waiter) => waiter !== wake);
        resolve(false);
      }, ms);
      this.nextChangeWaiters.push(wake);
    });
  }

  /**
   * Null when pages may be served now, so the common request path allocates nothing; otherwise
   * resolves once they may, with false if the build outlasted `maxBuildWaitMs`.
   */
  settled(): Promise<boolean> | null {
    if (!this.build && this.waitNeeded() <= 0) return null;
    return this.waitUntilSettled();
  }

  /**
   * How much longer pages must wait. A build's end (once the output watcher has reported its last
   * write, see holdFor) says its writes are done, so changes up to it need no further quiet
   * time; any later change is someone else's and does.
   */
  private waitNeeded(): number {
    if (this.lastChangeAt <= this.buildEndedAt) return 0;
    // A writer deep in a burst (a copy, a build outside our control) may stall for longer than one
    // save's quiet time on a busy machine; a single save keeps the short wait.
    const quietMs = this.runLength >= this.limits.burstEvents ? this.limits.burstQuietMs : this.limits.quietMs;
    return quietMs - (performance.now() - this.lastChangeAt);
  }

  private async waitUntilSettled(): Promise<boolean> {
    const buildDeadline = performance.now() + this.limits.maxBuildWaitMs;
    while (this.build) {
      if (!(await settlesWithin(this.build, buildDeadline - performance.now()))) return false;
    }
    const quietDeadline = performance.now() + this.limits.maxQuietWaitMs;
    for (;;) {
      let waited = false;
      for (let wait = this.waitNeeded(); wait > 0; wait = this.waitNeeded()) {
        const left = quietDeadline - performance.now();
        if (left <= 0) return true;
        await Bun.sleep(Math.min(wait, left));
        waited = true;
      }
      // Quiet only says no event arrived lately, not that none is on its way: a watcher thread that
      // stalls on a loaded machine delivers the end of a burst later than any quiet time. The
      // watcher's own confirmation that it has reported everything up to now says so for sure.
      if (!waited || !this.confirm || performance.now() >= quietDeadline) return true;
      const before = this.version;
      if (!(await settlesWithin(this.confirm(), quietDeadline - performance.now()))) return true;
      if (this.version === before) return true;
    }
  }
}
