import { statSync, unlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { excludedDirectory } from "./excluded.ts";
import { FLUSH_MARKER_PREFIX, type WatchCommand, type WatchReport } from "./messages.ts";
import { walkFiles } from "./walk.ts";
import { watchTree, type TreeOptions } from "./watch-tree.ts";

declare const self: Worker;

/** The whole life of a watcher worker: wait for its root, watch it, report what `keep` lets through. */
export function runWatchWorker(keep: (path: string | null) => boolean, options: TreeOptions = {}): void {
  const report = (message: WatchReport) => self.postMessage(message);
  let root = "";
  let excluded: ReturnType<typeof excludedDirectory> | undefined;
  const kept = (path: string | null) => !(path !== null && excluded?.holdsRelative(path)) && keep(path);
  /** Marker names written for a flush and not seen yet, with the flush they answer. */
  const flushes = new Map<string, number>();
  self.onmessage = ({ data }: MessageEvent<WatchCommand>) => {
    if (data.type === "flush") return flush(data.id);
    if (data.type === "recheck") {
      for (const path of modifiedSince(root, data.sinceMs)) if (kept(path)) report({ type: "change", path });
      return;
    }
    root = data.root;
    excluded = data.exclude ? excludedDirectory(root, data.exclude) : undefined;
    // What lies in the excluded directory is no source either: a clean build that removes the
    // output inside the input is not a directory of sources leaving it.
    const isSource = options.isSource;
    watchTree(
      root,
      {
        change: (path) => {
          if (path?.startsWith(FLUSH_MARKER_PREFIX)) {
            const id = flushes.get(path);
            if (id === undefined) return;
            flushes.delete(path);
            return report({ type: "flushed", id });
          }
          if (kept(path)) report({ type: "change", path });
          // A null path may be a re-arm: a marker written while the old watch was dead is never
          // reported, so pending flushes write theirs again into the watch now in place.
          if (path === null) for (const id of [...flushes.values()]) flush(id);
        },
        error: (error) => report({ type: "error", code: error.code, message: error.message }),
        unwatchable: (dir, code) => report({ type: "unwatchable", path: dir, code }),
      },
      { ...options, excluded: excluded?.holds, isSource: isSource && ((path) => !excluded?.holdsRelative(path) && isSource(path)) },
    );
    report({ type: "ready" });
  };

  /**
   * A file system reports changes in the order they happened, so once the event for a marker
   * written now arrives, every change made before it has been reported: evidence, where a fixed
   * wait would only be a guess (and too short on a loaded machine).
   */
  function flush(id: number) {
    const name = `${FLUSH_MARKER_PREFIX}${process.pid}-${id}`;
    const marker = join(root, name);
    flushes.set(name, id);
    try {
      writeFileSync(marker, "");
      unlinkSync(marker);
    } catch {
      // No root to write in (a clean build removed it): nothing of it is left to report.
      flushes.delete(name);
      report({ type: "flushed", id });
    }
  }
}

/** Files under `root` modified at or after `sinceMs`, relative to it; VCS and dependency folders are skipped. */
export function modifiedSince(root: string, sinceMs: number): string[] {
  const found: string[] = [];
  walkFiles(root, (path) => {
    try {
      if (statSync(path).mtimeMs >= sinceMs) found.push(relative(root, path));
    } catch {
      // Gone since the listing.
    }
  });
  return found;
}
