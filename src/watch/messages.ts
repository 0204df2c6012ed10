/** The main thread tells a watcher worker what to watch; the worker only reports back. */
export interface WatchCommand {
  root: string;
}

export type WatchReport =
  | { type: "ready" }
  /** `path` is relative to the watched root; null means the root itself appeared or vanished. */
  | { type: "change"; path: string | null }
  /** The first change to a file type the input watcher skips (relative path), so the user can be told once. */
  | { type: "ignored"; path: string }
  | { type: "error"; code: string | undefined; message: string };
