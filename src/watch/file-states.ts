import { statSync } from "node:fs";

/** Enough for every file of any save or build; a checkout of a huge tree only starts the record over. */
const KEPT_STATES = 10_000;

/**
 * Whether a file is in a state not reported before. One write can reach us as several events
 * (Bun reports the truncation and the write of a save apart when its watcher thread falls
 * behind), and on a loaded machine the later ones arrive after the save has settled and its build
 * has started: that would build again for nothing. A file whose identity, size and times are
 * those of its last report has not changed since, and the build that report started reads it
 * after the save settles, later than any write in the same tick of the file system's clock
 * (`fileTimesFinerThanSaveSettle`). A file that is gone is always a change.
 */
export function newFileStates(): (path: string) => boolean {
  const reported = new Map<string, string>();
  return (path) => {
    let state: string;
    try {
      const info = statSync(path, { bigint: true });
      state = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    } catch {
      reported.delete(path);
      return true;
    }
    if (reported.get(path) === state) return false;
    if (reported.size >= KEPT_STATES) reported.clear();
    reported.set(path, state);
    return true;
  };
}
