import { log } from "./log.ts";

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
  private build: Promise<void> | null = null;
  private waiters: Array<() => void> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly limits: {
      /** Quiet time after the last change before a page is served. */
      quietMs: number;
      /** A page is served after this long even if the output never goes quiet. */
      maxQuietWaitMs: number;
      /** A page waits at most this long for a running build. */
      maxBuildWaitMs: number;
    },
  ) {}

  record(): number {
    this.lastChangeAt = performance.now();
    return ++this.version;
  }

  /** Pages wait for `build` to settle before they are served. */
  holdFor(build: Promise<void>): void {
    const held = build.finally(() => {
      if (this.build === held) this.build = null;
    });
    this.build = held;
  }

  /** Null when pages may be served now, so the common request path allocates nothing. */
  settled(): Promise<void> | null {
    if (!this.build && this.quietFor() >= this.limits.quietMs) return null;
    return this.waitUntilSettled();
  }

  private async waitUntilSettled(): Promise<void> {
    while (this.build) {
      const build = this.build;
      const finished = await Promise.race([build.then(() => true), Bun.sleep(this.limits.maxBuildWaitMs).then(() => false)]);
      if (!finished) {
        log.warn(`A page waited ${this.limits.maxBuildWaitMs / 1000} s for the build and is served as the output stands.`);
        return;
      }
    }
    if (this.quietFor() >= this.limits.quietMs) return;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(release, this.limits.maxQuietWaitMs);
      function release() {
        clearTimeout(deadline);
        resolve();
      }
      this.waiters.push(release);
      this.schedule();
    });
  }

  private quietFor(): number {
    return performance.now() - this.lastChangeAt;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (this.quietFor() < this.limits.quietMs) return this.schedule();
        const waiters = this.waiters;
        this.waiters = [];
        for (const release of waiters) release();
      },
      Math.max(1, this.limits.quietMs - this.quietFor()),
    );
  }
}
