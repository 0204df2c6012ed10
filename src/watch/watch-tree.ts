import { existsSync, statSync, watch, type FSWatcher } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

export interface TreeEvents {
  /** A path relative to the root changed, or null when the root itself appeared or vanished. */
  change(path: string | null): void;
  error(error: NodeJS.ErrnoException): void;
}

/**
 * fs.watch on a directory tree that may not exist yet and may be deleted and recreated.
 * Bun's recursive watcher reports a vanished root once (no file name) and then stays silent
 * forever, so the root is re-armed; a missing root is awaited by watching its nearest
 * existing ancestor, one level at a time.
 */
export function watchTree(root: string, events: TreeEvents): { close(): void } {
  let watcher: FSWatcher | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  function replace(next: FSWatcher | undefined) {
    clearInterval(poll);
    watcher?.close();
    watcher = next;
  }

  function arm(announce: boolean) {
    if (closed) return;
    // Close first: Bun shares one native watcher per path, and a new watch opened while the
    // old one is still open joins the old, dead one instead of watching the new directory.
    replace(undefined);
    try {
      replace(
        watch(root, { recursive: true }, (_event, name) => {
          if (name) return events.change(String(name));
          events.change(null);
          arm(true);
        }),
      );
      watcher!.on("error", events.error);
      // Announced after the watch is in place: anything written before that is covered by this change.
      if (announce) events.change(null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return awaitRoot();
      events.error(error as NodeJS.ErrnoException);
    }
  }

  function awaitRoot() {
    let ancestor = dirname(root);
    while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
    const next = join(ancestor, relative(ancestor, root).split(sep)[0]!);
    // The ancestor itself may be on its way out too (`rm -rf build` while watching build/ for
    // build/catalog): a watch on a deleted directory never fires again, so climb back up.
    const recheck = () => {
      if (isDirectory(next) || !isDirectory(ancestor)) arm(true);
    };
    try {
      replace(watch(ancestor, recheck));
      watcher!.on("error", () => arm(true));
    } catch {
      replace(undefined);
    }
    // A safety net for events a watch cannot see; one stat a second, only while the root is missing.
    poll = setInterval(recheck, 1_000);
    // The root (or the next step towards it) may have appeared before the watch above began.
    recheck();
  }

  arm(false);
  return {
    close() {
      closed = true;
      replace(undefined);
    },
  };
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
