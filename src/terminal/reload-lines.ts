import { join } from "node:path";
import { isDirectory, isHtml } from "../paths.ts";
import { log, plural } from "./log.ts";
import { isScratchName } from "../watch/relevant.ts";

const NAMES_SHOWN = 3;
/** By either separator, whatever the platform: the lines are the same for a Windows path seen in a test on Linux. */
const baseName = (path: string) => path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
/** Under changes that never pause, a line is still written this often, so the log never goes silent. */
const LINE_AT_LEAST_EVERY_MS = 1_000;
/** Distinct paths kept for one line: past it, further changes are only counted, so memory stays bounded. */
const PATHS_KEPT = 10_000;
/**
 * Directories are told from files by a stat on the main thread, most relevant paths first, for at
 * most this many paths per line: a burst of 90,000 names must not stall the server with 90,000 stats.
 */
const STATS_PER_LINE = 200;


interface Burst {
  /** What the output watcher reported; null when the output directory itself appeared or vanished. */
  paths: Iterable<string | null>;
  /** The most pages told to reload by any change of the burst. */
  told: number;
  /** Pages that, as the burst began, had closed their socket to reload for an earlier change and not yet connected again. */
  reloading?: number;
  /** Names of input files the user changed: their output is named first. */
  edited?: ReadonlySet<string>;
  /** Changes past PATHS_KEPT, neither named nor told apart. */
  uncounted?: number;
  /** Whether a changed path is a directory, which is left out: a build creates them, but nobody edited one. */
  isDirectory?: (path: string) => boolean;
}

/**
 * The line for one burst of output changes: the files a person cares about first (the output
 * of the file they just edited, then pages, shallowest first), counted once each however many
 * events they raised, with editors' and tools' temp names left out.
 */
export function describeReload({ paths, told, reloading = 0, edited = new Set(), uncounted = 0, isDirectory = () => false }: Burst): string {
  const candidates = [...new Set(paths)].filter((path): path is string => path !== null && !isScratchName(baseName(path)));
  const rank = (path: string) => (edited.has(baseName(path)) ? 0 : isHtml(path) ? 1 : 2);
  const depth = (path: string) => path.split(/[\\/]/).length;
  candidates.sort((a, b) => rank(a) - rank(b) || depth(a) - depth(b) || a.localeCompare(b));
  const shown: string[] = [];
  let more = 0;
  let unchecked = 0;
  for (const [index, path] of candidates.entries()) {
    if (index >= STATS_PER_LINE) unchecked++;
    else if (isDirectory(path)) continue;
    if (shown.length < NAMES_SHOWN) shown.push(path);
    else more++;
  }
  const pages = `told ${plural(told, "page")} to reload${reloading ? `; ${plural(reloading, "page")} ${reloading === 1 ? "was" : "were"} already reloading` : ""}`;
  if (!shown.length) return `The output directory changed; ${pages}`;
  // Paths past the stat limit may be directories, and changes past PATHS_KEPT may repeat a name: say no more than is known.
  const what = unchecked || uncounted ? "path" : "file";
  const names = more || uncounted
    ? `${shown.join(", ")} and ${uncounted ? "over " : ""}${plural(more, `more ${what}`)}`
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
  let uncounted = 0;
  let told = 0;
  let reloading = 0;
  let reloadingAtStart = 0;
  let firstAt = 0;
  let lastAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // One timer per burst, re-armed only when it fires early: this runs on every watcher event.
  const flush = () => {
    const now = performance.now();
    const wait = Math.min(windowMs - (now - lastAt), LINE_AT_LEAST_EVERY_MS - (now - firstAt));
    if (wait > 0) {
      timer = setTimeout(flush, wait);
      return;
    }
    timer = undefined;
    log.info(describeReload({ paths, told, reloading: reloadingAtStart, edited, uncounted, isDirectory: (path) => isDirectory(join(root, path)) }));
    startOver();
  };
  const startOver = () => {
    paths.clear();
    edited.clear();
    uncounted = 0;
    told = 0;
  };
  return {
    /** An input file the user changed, relative to the input directory. */
    edited(path: string) {
      if (edited.size < PATHS_KEPT) edited.add(baseName(path));
    },
    /** An output change, and how many pages were told to reload for it. */
    changed(path: string | null, toldNow: number) {
      lastAt = performance.now();
      if (!timer) {
        firstAt = lastAt;
        reloadingAtStart = reloading;
        timer = setTimeout(flush, windowMs);
      }
      told = Math.max(told, toldNow);
      if (paths.size < PATHS_KEPT || paths.has(path)) paths.add(path);
      else uncounted++;
    },
    /** The server stopped: a line still gathering is dropped, not printed after the stop. */
    stop() {
      clearTimeout(timer);
      timer = undefined;
      startOver();
    },
    /** A page closed its socket to reload: with the code the client uses only then. */
    pageReloading() {
      reloading++;
    },
    /** A page connected: most often one that was reloading. */
    pageConnected() {
      reloading = Math.max(0, reloading - 1);
    },
  };
}
