import { join } from "node:path";
import { isInside, realPathOrNearest } from "../paths.ts";

/**
 * A directory left out of a watch wherever it lies: the output inside an input (a generator's
 * default layout, `--input .` with `_site/` in it), whose changes are the build's own writes.
 * Decided on real paths at each event, not once: the output may not exist yet, be created by the
 * first build, be deleted and recreated by a clean one, or be (or become) a symlink.
 */
export function excludedDirectory(root: string, dir: string) {
  const holds = (realPath: string) => isInside(realPath, realPathOrNearest(dir));
  return {
    /** For a real path (what a followed symlink leads to). */
    holds,
    /** For a path relative to the root as its own watch reports it: that watch follows no links, so the path is real below the root's real path. */
    holdsRelative: (path: string) => holds(join(realPathOrNearest(root), path)),
  };
}
