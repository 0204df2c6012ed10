import { isRelevant } from "./relevant.ts";
import { runWatchWorker } from "./worker-main.ts";

// Filtered here, off the main thread: a `git checkout` or a Python run can touch thousands of
// irrelevant files (__pycache__, .git) and none of them should wake the server.
// Sources linked in from elsewhere are sources too; the output needs no such thing (the server
// refuses to serve what lies outside it).
runWatchWorker((path) => path === null || isRelevant(path), { followLinks: true });
