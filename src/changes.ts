/**
 * The main thread's record of the output directory: a counter that moves on every change
 * (pages carry it, so a stale page can be told at once) and a gate that holds HTML
 * responses until the output has been quiet for a moment. The gate is what lets a burst of
 * writes end in one reload: a page requested mid-burst is served after the burst, whole.
 */
export class OutputChanges {
  version = 0;
  private lastChangeAt = Number.NEGATIVE_INFINITY;
  private waiters: Array<() => void> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly quietMs: number,
    private readonly maxWaitMs: number,
  ) {}

  record(): number {
    this.lastChangeAt = performance.now();
    return ++this.version;
  }

  /** Null when the output is already quiet, so the common request path allocates nothing. */
  settled(): Promise<void> | null {
    if (this.quietFor() >= this.quietMs) return null;
    return new Promise<void>((resolve) => {
      const deadline = setTimeout(release, this.maxWaitMs);
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
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.quietFor() < this.quietMs) return this.schedule();
      const waiters = this.waiters;
      this.waiters = [];
      for (const release of waiters) release();
    }, Math.max(1, this.quietMs - this.quietFor()));
  }
}
