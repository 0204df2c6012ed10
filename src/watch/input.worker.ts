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
    if (path === null || isSource(path)) return true;
    const extension = ignoredType(path);
    if (extension && !reported.has(extension)) {
      reported.add(extension);
      self.postMessage({ type: "ignored", path } satisfies WatchReport);
    }
    return false;
  },
  { followLinks: true, isSource },
);

/** Whether a change to `path` can change what the build makes; also what tells a directory of sources from a cache folder. */
function isSource(path: string): boolean {
  return isRelevant(path);
}
