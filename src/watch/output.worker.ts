import { hasDotName } from "../paths.ts";
import { runWatchWorker } from "./worker-main.ts";

// Every change in the output counts, whoever wrote it: the build or a person editing HTML by hand.
// But the server refuses every path with a dot name in it (`.git/index`, vim's `.index.html.swp`,
// `.DS_Store`, rsync's `.~tmp~/`), so a change to one cannot change what a page shows.
runWatchWorker((path) => path === null || !hasDotName(path), { probeRearms: true });
