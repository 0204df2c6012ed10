import { join } from "node:path";
import { StartupError } from "./errors.ts";
import { displayPath } from "./paths.ts";
import { log } from "./terminal/log.ts";
import { QUIET_WAIT_LIMIT_MS } from "./timing.ts";
import type { WatchCommand, WatchReport } from "./watch/messages.ts";
import { rearmMayLoseOtherEvents } from "./watch/platform.ts";
import { ignoredTypeMessage } from "./watch/relevant.ts";
import { ROOT_CHECK_MS } from "./watch/watch-tree.ts";

export type WatcherKind = "output" | "input";

interface Watcher {
  /** Resolves once the worker has its watch in place. */
  ready: Promise<void>;
  /** Resolves true once every change made before the call has been reported, or false after FLUSH_LIMIT_MS. */
  flush(): Promise<boolean>;
  /** Reports every file modified since `sinceMs` (wall clock), for events that may have been lost. */
  recheck(sinceMs: number): void;
  stop(): void;
}

/**
 * A flush is answered by evidence, so this limit only bounds the cases without any: a worker
 * that died, or a watch that stopped without the worker noticing. It must outlast a watcher
 * thread starved on a loaded machine, or a page is served before a build's last events are in,
 * and they reload it.
 */
const FLUSH_LIMIT_MS = QUIET_WAIT_LIMIT_MS;

/**
 * Literal URLs, created in a module at the top of the source tree: that is what lets
 * `bun build --compile` find and embed the workers. A computed path works from source and
 * breaks once shipped.
 */
function createWorker(kind: WatcherKind): Worker {
  const urls: Record<WatcherKind, URL> = {
    output: new URL("./watch/output.worker.ts", import.meta.url),
    input: new URL("./watch/input.worker.ts", import.meta.url),
  };
  return new Worker(urls[kind], { smol: true });
}

/** Deaths within RESTART_WINDOW_MS after which a watcher is given up, as README says. */
const RESTART_LIMIT = 5;
const RESTART_WINDOW_MS = 10_000;

/**
 * Runs one watcher worker and keeps it running: a worker that dies is restarted and logged,
 * never silently gone. Workers hold no state, so a restart loses nothing but the events
 * during the restart, which the restart itself reports as a change.
 */
export function startWatcher(
  kind: WatcherKind,
  root: string,
  onChange: (path: string | null) => void,
  {
    exclude,
    spawnWorker = () => createWorker(kind),
  }: {
    /** A directory under the root never reported (the output inside an input). */
    exclude?: string;
    /** The seam through which tests give the watcher a worker that misbehaves. */
    spawnWorker?: () => Worker;
  } = {},
): Watcher {
  let worker: Worker;
  let stopped = false;
  let restarts: number[] = [];
  let started = false;
  let markReady!: () => void;
  let failToStart!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failToStart = reject;
  });

  let nextFlush = 0;
  const flushes = new Map<number, (confirmed: boolean) => void>();

  function spawn(isRestart: boolean) {
    worker = spawnWorker();
    worker.onmessage = ({ data }: MessageEvent<WatchReport>) => {
      if (data.type === "change") return onChange(data.path);
      if (data.type === "flushed") return flushes.get(data.id)?.(true);
      if (data.type === "ignored") return log.info(ignoredTypeMessage(data.path));
      if (data.type === "unwatchable") return log.warn(unwatchableMessage(kind, root, data.path, data.code));
      if (data.type === "ready") {
        started = true;
        markReady();
        if (isRestart) {
          onChange(null);
          // The markers of flushes asked of the dead worker will never be seen; the change just
          // reported covers whatever they were waiting for.
          for (const answer of [...flushes.values()]) answer(true);
        }
        return;
      }
      log.error(watchErrorMessage(kind, root, data.code, data.message));
    };
    worker.addEventListener("error", (event) => {
      log.error(`The ${kind} watcher failed: ${event.message}`);
    });
    worker.addEventListener("close", () => {
      if (stopped) return;
      // A worker that never started will not start on a retry either: its code is missing or broken.
      if (!started) {
        failToStart(new StartupError(`The ${kind} watcher could not start, so this installation of storytime-reload is broken; reinstall it.`));
        return;
      }
      const now = Date.now();
      restarts = restarts.filter((at) => now - at < RESTART_WINDOW_MS).concat(now);
      if (restarts.length >= RESTART_LIMIT) {
        log.error(`The ${kind} watcher keeps stopping; changes in ${displayPath(root)} are no longer seen. Restart storytime-reload.`);
        return;
      }
      log.warn(`The ${kind} watcher stopped unexpectedly; restarting it.`);
      spawn(true);
    });
    worker.postMessage({ type: "watch", root, exclude } satisfies WatchCommand);
  }

  spawn(false);
  return {
    ready,
    flush() {
      // A stopped watcher reports nothing more: no flush of it is answered, so none is waited for.
      if (stopped) return Promise.resolve(false);
      const id = nextFlush++;
      return new Promise<boolean>((resolve) => {
        const done = (confirmed: boolean) => {
          clearTimeout(timer);
          flushes.delete(id);
          resolve(confirmed);
        };
        const timer = setTimeout(() => done(false), FLUSH_LIMIT_MS);
        flushes.set(id, done);
        worker.postMessage({ type: "flush", id } satisfies WatchCommand);
      });
    },
    recheck(sinceMs) {
      worker.postMessage({ type: "recheck", sinceMs } satisfies WatchCommand);
    },
    stop() {
      stopped = true;
      worker.terminate();
      for (const done of [...flushes.values()]) done(false);
    },
  };
}

/**
 * The watchers of one app, started and stopped together. On macOS Bun runs one FSEvents stream
 * for the whole process and rebuilds it whenever a watch opens or closes, losing the events of
 * that moment (watch/platform.ts): so when one watcher re-arms (it reports a null path), the
 * others report what changed meanwhile. `watch` is the seam through which tests make a watcher
 * fail or lag, `platform` the one through which they play macOS.
 */
export function watcherGroup(watch: typeof startWatcher = startWatcher, platform: NodeJS.Platform = process.platform) {
  const members: Watcher[] = [];
  const othersMayHaveMissed = (rearmed: number) => {
    if (!rearmMayLoseOtherEvents(platform)) return;
    for (const [index, other] of members.entries()) if (index !== rearmed) other.recheck(Date.now() - ROOT_CHECK_MS);
  };
  return {
    watch(kind: WatcherKind, root: string, onChange: (path: string | null) => void, options?: { exclude?: string }): Watcher {
      const index = members.length;
      const watcher = watch(
        kind,
        root,
        (path) => {
          if (path === null) othersMayHaveMissed(index);
          onChange(path);
        },
        options,
      );
      members.push(watcher);
      return watcher;
    },
    /** Resolves once every watcher has its watch in place; rejects if one cannot start. */
    async ready(): Promise<void> {
      await Promise.all(members.map((watcher) => watcher.ready));
    },
    stop(): void {
      for (const watcher of members) watcher.stop();
    },
  };
}

function watchErrorMessage(kind: WatcherKind, root: string, code: string | undefined, message: string): string {
  const limit = watchLimitRemedy(code, process.platform);
  if (limit) return `Cannot watch ${displayPath(root)}: ${limit}`;
  return `Cannot watch the ${kind} directory ${displayPath(root)}: ${message}`;
}

/** Longer paths are cut: a directory too deep to watch has a path of over 4,096 characters. */
const PATH_SHOWN = 160;

/** A directory the watch had to leave out: which, what that costs, and how to have it watched. */
export function unwatchableMessage(kind: WatcherKind, root: string, dir: string, code: string | undefined): string {
  const path = displayPath(join(root, dir));
  const shown = path.length > PATH_SHOWN ? `${path.slice(0, PATH_SHOWN)}… (${path.length} characters)` : path;
  const cost = `changes inside it are not seen (the rest of the ${kind} directory is watched)`;
  if (code === "ENAMETOOLONG") return `${shown} is not watched: its path is longer than the system allows, so ${cost}. Move it up or shorten its name.`;
  if (code === "EACCES" || code === "EPERM") {
    return `${shown} is not watched: permission denied, so ${cost}. Make it readable (\`chmod u+rx\`, or \`sudo chown -R "$USER"\` if another user made it) or remove it.`;
  }
  return `${shown} is not watched (${code ?? "an unknown error"}), so ${cost}.`;
}

/**
 * What to do when the system runs out of what a watch needs, which differs by platform: Linux
 * counts inotify watches (one per directory) and instances, macOS's FSEvents has no such limit but
 * each watch holds file descriptors, and Windows holds one handle per watched tree.
 */
export function watchLimitRemedy(code: string | undefined, platform: NodeJS.Platform): string | null {
  if (code !== "ENOSPC" && code !== "EMFILE" && code !== "ENFILE") return null;
  if (platform === "linux") {
    return code === "ENOSPC"
      ? "the system limit on inotify watches is reached. Raise it with `sudo sysctl fs.inotify.max_user_watches=524288` (persist it in /etc/sysctl.conf) and restart."
      : "the limit on open files or inotify instances is reached. Raise it with `ulimit -n 65536` in this shell, or `sudo sysctl fs.inotify.max_user_instances=1024`, and restart.";
  }
  if (platform === "darwin") {
    return "the limit on open files is reached (macOS watches need file descriptors, not a watch quota). Raise it with `ulimit -n 65536` in this shell and restart.";
  }
  if (platform === "win32") {
    return "Windows ran out of handles for file watching. Close other programs that watch many files (editors, sync tools, other dev servers) and restart.";
  }
  return "the system limit on file watches or open files is reached. Raise the open-file limit (`ulimit -n 65536`) and restart.";
}
