import type { WatchCommand, WatchReport } from "./messages.ts";
import { watchTree, type TreeOptions } from "./watch-tree.ts";

declare const self: Worker;

/** The whole life of a watcher worker: wait for its root, watch it, report what `keep` lets through. */
export function runWatchWorker(keep: (path: string | null) => boolean, options: TreeOptions = {}): void {
  const report = (message: WatchReport) => self.postMessage(message);
  self.onmessage = ({ data }: MessageEvent<WatchCommand>) => {
    watchTree(data.root, {
      change: (path) => {
        if (keep(path)) report({ type: "change", path });
      },
      error: (error) => report({ type: "error", code: error.code, message: error.message }),
    }, options);
    report({ type: "ready" });
  };
}
