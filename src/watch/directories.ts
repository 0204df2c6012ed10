import { dirname, join, relative } from "node:path";
import { isDirectory, isInside, realPathOrNearest } from "../paths.ts";
import { walkFiles } from "./walk.ts";

/**
 * The directories of a tree that hold sources, so that one deleted or moved out is a change: a
 * move reports the directory's name alone (nothing for the files it takes along), and that name
 * is no source by itself. A directory of scratch, cache or dependency files holds none, so a tool
 * that keeps removing such a folder starts nothing.
 */
export function trackSourceDirectories(root: string, isSource: (path: string) => boolean, excluded: (realPath: string) => boolean = () => false) {
  const holding = new Set<string>();
  const hold = (path: string) => {
    for (let dir = dirname(path); dir !== "." && !holding.has(dir); dir = dirname(dir)) holding.add(dir);
  };
  // From the real root, so that `excluded` can judge each directory: the output inside the input
  // (a generator's site, thousands of pages) is not walked at all.
  const realRoot = realPathOrNearest(root);
  walkFiles(
    realRoot,
    (path) => {
      const shown = relative(realRoot, path);
      if (isSource(shown)) hold(shown);
    },
    (dir) => !excluded(dir),
  );

  return {
    /** Called for each path reported in the tree (not through a link); true when it names a directory that held sources and is gone now. */
    left(path: string): boolean {
      if (isSource(path)) {
        hold(path);
        return false;
      }
      if (!holding.has(path) || isDirectory(join(root, path))) return false;
      for (const dir of holding) if (isInside(dir, path)) holding.delete(dir);
      return true;
    },
  };
}
