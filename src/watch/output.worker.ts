import type { WatchCommand, WatchReport } from "./messages.ts";
import { watchTree } from "./watch-tree.ts";

declare const self: Worker;

const report = (message: WatchReport) => self.postMessage(message);

// Every change in the output counts, whoever wrote it: the build or a person editing HTML by hand.
self.onmessage = ({ data }: MessageEvent<WatchCommand>) => {
  watchTree(data.root, {
    change: (path) => report({ type: "change", path }),
    error: (error) => report({ type: "error", code: error.code, message: error.message }),
  });
  report({ type: "ready" });
};
