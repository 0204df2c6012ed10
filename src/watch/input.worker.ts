import type { WatchReport } from "./messages.ts";
import { ignoredType, isRelevant } from "./relevant.ts";
import { runWatchWorker } from "./worker-main.ts";

declare const self: Worker;

/** Extensions already reported as skipped: once each, or a folder of .toml files would flood the log. */
const reported = new Set<string>();

// Filtered here, off the main thread: a `git checkout` or a Python run can touch thousands of
// irrelevant files (__pycache__, .git) and none of them should wake the server.
// Sources linked in from elsewhere are sources too; the output needs no such thing (the server
// refuses to serve what lies outside it).
runWatchWorker(
  (path) => {
    if (path === null || isRelevant(path)) return true;
    const extension = ignoredType(path);
    if (extension && !reported.has(extension)) {
      reported.add(extension);
      self.postMessage({ type: "ignored", path } satisfies WatchReport);
    }
    return false;
  },
  { followLinks: true, isSource: isRelevant },
);
