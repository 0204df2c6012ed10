/**
 * The main thread tells a watcher worker what to watch, then may ask it to flush: to report
 * every change made before the request, then say "flushed" with the same id.
 */
export type WatchCommand =
  /** `exclude`: a directory never reported, wherever it lies (the output, inside an input). */
  | { type: "watch"; root: string; exclude?: string }
  | { type: "flush"; id: number }
  /** Report every file modified since `sinceMs` (wall clock): events may have been lost meanwhile. */
  | { type: "recheck"; sinceMs: number };

/** Names of the marker files a flush writes and removes at once; never reported as changes. */
export const FLUSH_MARKER_PREFIX = ".storytime-flush-";

export type WatchReport =
  | { type: "ready" }
  /** `path` is relative to the watched root; null means the root itself appeared or vanished. */
  | { type: "change"; path: string | null }
  /** The first change to a file type the input watcher skips (relative path), so the user can be told once. */
  | { type: "ignored"; path: string }
  | { type: "error"; code: string | undefined; message: string }
  /** A directory (relative path) the watch had to leave out; the rest is watched. */
  | { type: "unwatchable"; path: string; code: string | undefined }
  | { type: "flushed"; id: number };
