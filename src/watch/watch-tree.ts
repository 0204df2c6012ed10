import { accessSync, constants, existsSync, lstatSync, realpathSync, statSync, unlinkSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { trackSourceDirectories } from "./directories.ts";
import { FLUSH_MARKER_PREFIX } from "./messages.ts";
import { watchLinkTargets } from "./links.ts";
import { isSiblingEvent, watchesAncestors, watchFollowsMovedDirectories } from "./platform.ts";
import { isCode } from "../errors.ts";
import { isDirectory, isInside } from "../paths.ts";
import { mustRearm, nearestDirectory, rootState, type RootState } from "./root.ts";

interface TreeEvents {
  /**
   * A path relative to the root changed, or null when the tree changed as a whole: the root
   * itself appeared, vanished or was replaced, the watch was armed again, a directory of sources
   * left, or a link now leads elsewhere.
   */
  change(path: string | null): void;
  error(error: NodeJS.ErrnoException): void;
  /** A directory under the root cannot be watched (unreadable, or a path too long); told once, until it changes. */
  unwatchable(dir: string, code: string | undefined): void;
}

export interface TreeOptions {
  /** Also watch what symlinks inside the tree point at (the input: sources linked in from elsewhere). */
  followLinks?: boolean;
  /** Real paths left out of the links followed (the output inside an input). */
  excluded?: (realPath: string) => boolean;
  /** After each re-arm, write a marker file and arm again if its event never comes (the output only: it is ours to write in). */
  probeRearms?: boolean;
  /** Which paths are sources (the input): a directory that held some and leaves the tree is a change, whatever its own name. */
  isSource?: (path: string) => boolean;
}

/**
 * A watch opened on a path just deleted and recreated can come up dead (Bun 1.4.5 keeps one native
 * watcher per path and may hand back the old one: https://github.com/oven-sh/bun/issues/42570),
 * and the root check cannot tell: the path is the new directory. A marker written into it must be
 * reported within this long, or it is armed again. Remove the probe once Bun starts a new watch for
 * a recreated path (https://github.com/oven-sh/bun/pull/39827).
 */
const PROBE_MS = 300;
const PROBE_RETRIES = 5;

/**
 * One stat of the root a second: the check that re-arms the watch when the root was deleted,
 * replaced, swapped (a symlinked root), or unreadable for a while, whatever the platform did or
 * did not report about it.
 */
export const ROOT_CHECK_MS = 1_000;

/**
 * fs.watch on a directory tree that may not exist yet, and may be deleted and recreated,
 * replaced by a file for a moment, made unreadable for a moment, or be a symlink that a build
 * swaps (`ln -sfn gen2 result`). A missing root is awaited by watching its nearest existing
 * ancestor.
 */
export function watchTree(root: string, events: TreeEvents, options: TreeOptions = {}): { close(): void } {
  let armed: RootState = { kind: "missing" };
  let watcher: FSWatcher | undefined;
  /** The path the watch was opened on (the root's real path on macOS), against which errors name directories. */
  let watched: string | undefined;
  /** The directory around the root being watched (or, where that cannot be, only tried) for the root's sake. */
  let around: { dir: string; watcher?: FSWatcher } | undefined;
  let links: ReturnType<typeof watchLinkTargets> | undefined;
  let sources: ReturnType<typeof trackSourceDirectories> | undefined;
  /** Directories under the root the watch had to leave out, relative to it: each is told once, and looked at again when an event names it. */
  const unwatchable = new Set<string>();
  let closed = false;
  /** One message per outage: an unreadable root is retried every second, silently. */
  let errorShown = false;
  let probe: { name: string; timer: ReturnType<typeof setTimeout> } | undefined;
  let probes = 0;
  let probeRetries = 0;

  function disarm() {
    clearTimeout(probe?.timer);
    probe = undefined;
    watcher?.close();
    around?.watcher?.close();
    links?.close();
    watcher = around = links = sources = undefined;
  }

  function reportOnce(error: NodeJS.ErrnoException) {
    if (errorShown) return;
    errorShown = true;
    events.error(error);
  }

  function onEvent(name: string) {
    if (probe?.name === name) {
      clearTimeout(probe.timer);
      probe = undefined;
      probeRetries = 0;
      return;
    }
    events.change(name);
    links?.changed(name);
    if (unwatchable.size) lookAgainAt(name);
  }

  /** An event of the tree itself, not of a link's target. */
  function onTreeEvent(event: string, name: string) {
    if (watchFollowsMovedDirectories(process.platform) && isFromElsewhere(event, name)) return;
    // Armed again at once: on Linux the old watch would go on following the directory where it went.
    if (sources?.left(name)) return arm(true);
    onEvent(name);
  }

  /**
   * An event from a directory moved out of the tree, which inotify goes on watching under its old
   * name: an edit to a file that is not in the tree, or anything in a directory that is not. A
   * file deleted with its directory is dropped too: the directory's own event reports that.
   */
  function isFromElsewhere(event: string, name: string): boolean {
    if (event === "change") return !existsSync(join(root, name));
    const parent = dirname(name);
    return parent !== "." && !isDirectory(join(root, parent));
  }

  /** The directory below the root that an error of the watch names, relative to the root; null for an error of the root itself. */
  function unwatchableUnder(error: NodeJS.ErrnoException): string | null {
    if (!error.path || !watched || !isInside(error.path, watched)) return null;
    return relative(watched, error.path) || null;
  }

  function leaveOut(dir: string, code: string | undefined) {
    if (unwatchable.has(dir)) return;
    unwatchable.add(dir);
    events.unwatchable(dir, code);
  }

  /** After an event naming a directory left out, or one it lies in: gone, it is forgotten; readable now, it is watched. */
  function lookAgainAt(name: string) {
    // A path past PATH_MAX cannot even be asked whether it exists: moved away with the directory named, it is gone.
    const named = existsSync(join(root, name));
    for (const dir of unwatchable) {
      if (!isInside(dir, name)) continue;
      const now = named ? readability(join(root, dir)) : "gone";
      if (now === "unreadable") continue;
      unwatchable.delete(dir);
      if (now === "readable") return arm(true);
    }
  }

  function arm(announce: boolean) {
    if (closed) return;
    // Close first: Bun shares one native watcher per path, and a new watch opened while the
    // old one is still open joins the old, dead one instead of watching the new directory
    // (https://github.com/oven-sh/bun/issues/42570).
    disarm();
    armed = rootState(root);
    if (armed.kind === "dir") {
      try {
        // FSEvents reports real paths (/private/var/…) and Bun 1.4.5 matches them against the
        // watched path by prefix: watching through a symlink there would match nothing (Bun's
        // watcher source; no Bun issue found).
        const path = (watched = process.platform === "darwin" ? realpathSync(root) : root);
        watcher = watch(path, { recursive: true }, (event, name) => {
          if (name && isSiblingEvent(process.platform, path, String(name), existsSync)) return;
          if (name) return onTreeEvent(event, String(name));
          // The root itself was deleted or moved: re-armed (or awaited) and announced once.
          arm(true);
        });
        watcher.on("error", onWatcherError);
        watchSwaps();
        // After the worker says ready: walking a large tree for links would delay start-up (bench/README.md
        // has the cost), and a link is rarely edited then. The same for the walk that finds which
        // directories hold sources.
        const armedWatcher = watcher;
        setTimeout(() => {
          if (closed || watcher !== armedWatcher) return;
          if (options.followLinks) links = watchLinkTargets(root, onEvent, () => events.change(null), options.excluded);
          if (options.isSource) sources = trackSourceDirectories(root, options.isSource, options.excluded);
        }, 0);
        if (announce && options.probeRearms) probeWatch();
        errorShown = false;
      } catch (error) {
        if (!isCode(error, "ENOENT") && !isCode(error, "ENOTDIR")) reportOnce(error as NodeJS.ErrnoException);
        disarm();
        armed = { kind: "missing" };
      }
    } else if (armed.kind === "unreadable") {
      reportOnce(Object.assign(new Error(`permission denied, cannot read ${root}; watching resumes once it is readable`), { code: "EACCES" }));
    }
    if (armed.kind !== "dir") awaitRoot();
    // Announced after the watch is in place: anything written before that is covered by this change.
    if (announce) events.change(null);
  }

  function probeWatch() {
    const name = `${FLUSH_MARKER_PREFIX}probe-${process.pid}-${++probes}`;
    try {
      writeFileSync(join(root, name), "");
      unlinkSync(join(root, name));
    } catch {
      return;
    }
    probe = {
      name,
      timer: setTimeout(() => {
        probe = undefined;
        if (probeRetries++ < PROBE_RETRIES) arm(true);
      }, PROBE_MS),
    };
  }

  function onWatcherError(error: NodeJS.ErrnoException) {
    // Out of watches: the watch stays as far as it got, and the user is told how to raise the limit.
    if (isCode(error, "ENOSPC") || isCode(error, "EMFILE")) return reportOnce(error);
    // One directory the watch could not open: the rest of the tree is watched, and arming
    // again would only meet the same directory (every second, announcing a change each time).
    const dir = unwatchableUnder(error);
    if (dir) return leaveOut(dir, error.code);
    // Windows closes the watcher when its root is deleted (EPERM); anything else is retried by the root check.
    if (mustRearm(armed, rootState(root))) return arm(true);
    reportOnce(error);
    disarm();
    armed = { kind: "missing" };
  }

  /** A symlinked root is swapped by replacing the link: its parent directory sees that at once. */
  function watchSwaps() {
    let isLink = false;
    try {
      isLink = lstatSync(root).isSymbolicLink();
    } catch {}
    if (!isLink) return;
    watchAround(dirname(root), (name) => {
      if (name === basename(root) || name === null) checkRoot();
    });
  }

  function watchAround(dir: string, onName: (name: string | null) => void) {
    around = { dir };
    if (!watchesAncestors(process.platform)) return;
    try {
      around.watcher = watch(dir, (_event, name) => onName(name === null ? null : String(name)));
      around.watcher.on("error", () => {});
    } catch {
      // The root check covers what this watch would have sped up.
    }
  }

  /** Watches the nearest existing ancestor, so the root is armed the moment it (or a step towards it) appears. */
  function awaitRoot() {
    const ancestor = nearestDirectory(dirname(root));
    if (around?.dir === ancestor) return;
    around?.watcher?.close();
    watchAround(ancestor, checkRoot);
    // The root, or the next step towards it, may have appeared before this watch began.
    checkRoot();
  }

  /** Arms the root if it must be; while it is missing, moves the ancestor watch down to the nearest step that exists. */
  function checkRoot() {
    if (closed) return;
    if (mustRearm(armed, rootState(root))) return arm(true);
    if (armed.kind !== "dir") awaitRoot();
    links?.recheck();
  }

  const check = setInterval(checkRoot, ROOT_CHECK_MS);
  arm(false);
  return {
    close() {
      closed = true;
      clearInterval(check);
      disarm();
    },
  };
}

/** Whether a directory the watch left out can be opened now, is still closed to it, or is gone. */
function readability(path: string): "readable" | "unreadable" | "gone" {
  try {
    if (!statSync(path).isDirectory()) return "gone";
    accessSync(path, constants.R_OK | constants.X_OK);
    return "readable";
  } catch (error) {
    return isCode(error, "ENOENT") || isCode(error, "ENOTDIR") ? "gone" : "unreadable";
  }
}
