import type { GateLimits } from "./http/gate.ts";

/** The waits that depend on how the platform's watcher delivers events. */
interface WatchTiming {
  /** How long a save settles before it is built: the events of one save must all be in. */
  saveSettleMs: number;
  /** How long the output must be quiet before a page is served, and once a burst is under way. */
  quietMs: number;
  burstQuietMs: number;
}

/**
 * Linux (inotify) and Windows (ReadDirectoryChangesW) deliver each event within a millisecond or
 * two of the write, Windows sometimes twice: 10 ms folds one save's events, 20 ms of quiet ends a
 * burst, 60 ms once a writer is deep in one. macOS (FSEvents, as Bun runs it) delivers the first
 * event at once and the rest in batches every 50 ms: a save's second event (the rename after the
 * write) may come 50 ms after its first, and a burst pauses 50 ms between batches. Each wait must
 * outlast one batch interval there, or one save is built twice and one burst reloads twice.
 */
export function watchTiming(platform: NodeJS.Platform): WatchTiming {
  if (platform === "darwin") return { saveSettleMs: 60, quietMs: 70, burstQuietMs: 120 };
  return { saveSettleMs: 10, quietMs: 20, burstQuietMs: 60 };
}

/**
 * How long a page waits for output that never goes quiet, and how long a watcher's flush is
 * awaited without evidence (watchers.ts): a page is served once either runs out, so they are one limit.
 */
export const QUIET_WAIT_LIMIT_MS = 2_000;

/** Every wait of the running app that depends on the platform, computed once at start-up. */
interface Timing {
  /** How long a save settles before it is built. */
  saveSettleMs: number;
  /** When pages are served while the output changes (http/gate.ts). */
  gate: GateLimits;
}

export function platformTiming(platform: NodeJS.Platform): Timing {
  const watch = watchTiming(platform);
  return {
    saveSettleMs: watch.saveSettleMs,
    gate: {
      /** Longer than the gaps inside one burst of writes (a build, a copy), far shorter than a person's next save. */
      quietMs: watch.quietMs,
      burstQuietMs: watch.burstQuietMs,
      burstEvents: 20,
      maxQuietWaitMs: QUIET_WAIT_LIMIT_MS,
      /**
       * Catalog builds of 10-60 s are normal, and a page served mid-build is half-written or stale:
       * a tab that keeps loading until the build ends is what the user wants. Past two minutes a
       * build is more likely stuck than slow, and the last output (which reloads once the build
       * writes) is more use than a spinner.
       */
      maxBuildWaitMs: 120_000,
    },
  };
}
