import { statSync } from "node:fs";
import { join } from "node:path";
import { log } from "./log.ts";
import { isScratchName } from "./watch/relevant.ts";

const NAMES_SHOWN = 3;

const baseName = (path: string) => path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);

/**
 * The line for one burst of output changes: the files a person cares about first (the output
 * of the file they just edited, then pages, shallowest first), counted once each however many
 * events they raised, with editors' and tools' temp names left out. `paths` holds null when
 * the output directory itself appeared or vanished.
 */
export function describeReload(paths: Iterable<string | null>, told: number, edited: ReadonlySet<string> = new Set()): string {
  const files = [...new Set(paths)].filter((path): path is string => path !== null && !isScratchName(baseName(path)));
  const rank = (path: string) => (edited.has(baseName(path)) ? 0 : /\.html?$/i.test(path) ? 1 : 2);
  const depth = (path: string) => path.split(/[\\/]/).length;
  files.sort((a, b) => rank(a) - rank(b) || depth(a) - depth(b) || a.localeCompare(b));
  const pages = `told ${told} page${told === 1 ? "" : "s"} to reload`;
  if (!files.length) return `The output directory changed; ${pages}`;
  const shown = files.slice(0, NAMES_SHOWN);
  const more = files.length - shown.length;
  const names = more
    ? `${shown.join(", ")} and ${more} more file${more === 1 ? "" : "s"}`
    : shown.length === 1
      ? shown[0]
      : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
  return `${names} changed; ${pages}`;
}

/**
 * One line per burst, not per event: a build that writes 500 files is one line, while every
 * event is still broadcast at once. Input edits are noted so their output is named first.
 */
export function reloadLog(root: string, windowMs = 100) {
  const paths = new Set<string | null>();
  const edited = new Set<string>();
  let pages = 0;
  let lastAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // One timer per burst, re-armed only when it fires early: this runs on every watcher event.
  const flush = () => {
    const quietFor = performance.now() - lastAt;
    if (quietFor < windowMs) {
      timer = setTimeout(flush, windowMs - quietFor);
      return;
    }
    timer = undefined;
    // A directory a build creates raises events of its own, but it is not a file anyone changed.
    const files = [...paths].filter((path) => path === null || !isDirectory(join(root, path)));
    log.info(describeReload(files, pages, edited));
    paths.clear();
    edited.clear();
    pages = 0;
  };
  return {
    /** An input file the user changed, relative to the input directory. */
    edited(path: string) {
      edited.add(baseName(path));
    },
    /** An output change, and how many pages were told to reload for it. */
    changed(path: string | null, told: number) {
      lastAt = performance.now();
      pages = Math.max(pages, told);
      paths.add(path);
      timer ??= setTimeout(flush, windowMs);
    },
  };
}

/** Never throws: `throwIfNoEntry: false` still throws ENOTDIR when an ancestor became a file, and this runs in a timer. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}
