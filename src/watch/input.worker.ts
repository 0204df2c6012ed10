import { isRelevant } from "./relevant.ts";
import { runWatchWorker } from "./worker-main.ts";

// Filtered here, off the main thread: a `git checkout` or a Python run can touch thousands of
// irrelevant files (__pycache__, .git) and none of them should wake the server.
runWatchWorker((path) => path === null || isRelevant(path));
