/** The main thread tells a watcher worker what to watch; the worker only reports back. */
export interface WatchCommand {
  root: string;
}

export type WatchReport =
  | { type: "ready" }
  /** `path` is relative to the watched root; null means the root itself appeared or vanished. */
  | { type: "change"; path: string | null }
  | { type: "error"; code: string | undefined; message: string };
