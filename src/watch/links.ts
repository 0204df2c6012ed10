import { dirname, basename, join, relative } from "node:path";
import { lstatSync, realpathSync, statSync, watch, type FSWatcher } from "node:fs";
import { isInside } from "../real-path.ts";
import { walkFiles } from "./walk.ts";

/**
 * fs.watch does not follow symlinks inside a watched tree (inotify and FSEvents watch the link,
 * not what it points at), so a source linked in from elsewhere (shared components, a monorepo
 * package, `docs/README.md -> ../README.md`) would never trigger a build. This watches the
 * targets of the links found under `root` that lie outside it, and reports their changes under
 * the link's own path. Each real directory is visited once, so a link cycle ends, and a target
 * reached by two links is watched once. Broken links are skipped until a rescan finds them whole.
 * What `excluded` holds (real paths: the output inside an input) is neither walked nor reported.
 */
export function watchLinkTargets(root: string, report: (path: string) => void, excluded: (realPath: string) => boolean = () => false) {
  /** By the link's path under the root: what it leads to, and the watch on that. */
  let watches = new Map<string, { target: string; watcher: FSWatcher }>();
  let realRoot = root;

  function scan(): Map<string, { target: string; isDir: boolean; path: string }> {
    const found = new Map<string, { target: string; isDir: boolean; path: string }>();
    const visited = new Set<string>();
    const walk = (dir: string, shownAs: string) => {
      walkFiles(dir, (path, entry) => {
        if (!entry.isSymbolicLink()) return;
        let target: string;
        let isDir: boolean;
        try {
          target = realpathSync(path);
          isDir = statSync(target).isDirectory();
        } catch {
          return;
        }
        if (isInside(target, realRoot) || found.has(target) || excluded(target)) return;
        const shown = join(shownAs, relative(dir, path));
        found.set(target, { target, isDir, path: shown });
        // A target is walked once, however many links (or a cycle of them) lead to it.
        if (isDir && !visited.has(target)) {
          visited.add(target);
          walk(target, shown);
        }
      }, (sub) => !excluded(sub));
    };
    // From the real root, so that every directory walked is a real path `excluded` can judge.
    walk(realRoot, "");
    return found;
  }

  function watchTarget({ target, isDir, path }: { target: string; isDir: boolean; path: string }): FSWatcher | null {
    try {
      const watcher = isDir
        ? watch(target, { recursive: true }, (_event, name) => {
            if (!name || !excluded(join(target, String(name)))) report(name ? join(path, String(name)) : path);
          })
        : // The file's directory, not the file: an editor's atomic save replaces the file's inode.
          watch(dirname(target), (_event, name) => {
            if (name && String(name) === basename(target)) report(path);
          });
      watcher.on("error", () => {});
      return watcher;
    } catch {
      return null;
    }
  }

  /** Brings the watched targets in line with the links that exist now. */
  function rescan(): void {
    try {
      realRoot = realpathSync(root);
    } catch {
      return;
    }
    const next = new Map<string, { target: string; watcher: FSWatcher }>();
    for (const link of scan().values()) {
      const existing = watches.get(link.path);
      if (existing?.target === link.target) {
        next.set(link.path, existing);
        watches.delete(link.path);
        continue;
      }
      const watcher = watchTarget(link);
      if (watcher) next.set(link.path, { target: link.target, watcher });
    }
    for (const stale of watches.values()) stale.watcher.close();
    watches = next;
  }

  rescan();
  return {
    /** Called for every change in the tree itself: a link that appeared, vanished or was retargeted needs a rescan. */
    changed(path: string): void {
      const full = join(root, path);
      let isLink = false;
      try {
        isLink = lstatSync(full).isSymbolicLink();
      } catch {
        // Gone: it may have been a link we follow.
      }
      if (isLink || watches.has(path)) rescan();
    },
    close(): void {
      for (const { watcher } of watches.values()) watcher.close();
      watches.clear();
    },
  };
}
