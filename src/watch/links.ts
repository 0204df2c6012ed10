import { dirname, basename, join, relative, resolve, sep } from "node:path";
import { existsSync, lstatSync, readlinkSync, realpathSync, statSync, watch, type FSWatcher } from "node:fs";
import { isInside } from "../paths.ts";
import { watchesAncestors } from "./platform.ts";
import { nearestDirectory } from "./root.ts";
import { walkFiles } from "./walk.ts";

/**
 * fs.watch does not follow symlinks inside a watched tree (inotify and FSEvents watch the link,
 * not what it points at), so a source linked in from elsewhere (shared components, a monorepo
 * package, `docs/README.md -> ../README.md`) would never trigger a build. This watches the
 * targets of the links found under `root` that lie outside it, and reports their changes under
 * the link's own path. Each real directory is visited once, so a link cycle ends, and a target
 * reached by two links is watched once. A link that appears, goes, or leads somewhere else is
 * `relinked`: what it brings in changed whatever its name. A broken link is awaited: the target's
 * nearest existing ancestor is watched for the next step towards it, or, where that cannot be, the
 * root check looks for the target. What `excluded` holds (real paths: the output inside an input)
 * is neither walked, followed nor reported.
 */
export function watchLinkTargets(root: string, report: (path: string) => void, relinked: () => void, excluded: (realPath: string) => boolean = () => false) {
  /** By the link's path under the root: what it leads to, and the watch on that. */
  let watches = new Map<string, { target: string; watcher: FSWatcher }>();
  /** By the path of every link that leads out of the root (two may lead to one target): where it leads. */
  let leads = new Map<string, string>();
  /** Where broken links point, outside the root, when no watch awaits it there: for the root check. */
  let unawaited: string[] = [];
  /** By directory: the watch on the nearest existing ancestor of missing targets, and the names there that lead towards them. */
  let ancestors = new Map<string, { steps: Set<string>; watcher: FSWatcher }>();
  let realRoot = root;

  function scan() {
    const found = new Map<string, { target: string; isDir: boolean; path: string }>();
    const leading = new Map<string, string>();
    const broken: string[] = [];
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
          const pointed = pointsAt(path);
          if (pointed && !isInside(pointed, root) && !isInside(pointed, realRoot) && !excluded(pointed)) broken.push(pointed);
          return;
        }
        if (isInside(target, realRoot) || excluded(target)) return;
        const shown = join(shownAs, relative(dir, path));
        leading.set(shown, target);
        if (found.has(target)) return;
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
    return { found, leading, broken };
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

  /** Watches where the broken links' targets would appear (not on Windows: see watchesAncestors). */
  function awaitTargets(targets: string[]) {
    const next = new Map<string, { steps: Set<string>; watcher: FSWatcher }>();
    unawaited = [];
    for (const target of targets) {
      const dir = nearestDirectory(target);
      if (!next.has(dir)) {
        const awaited = ancestors.get(dir) ?? awaitIn(dir);
        if (!awaited) {
          unawaited.push(target);
          continue;
        }
        awaited.steps.clear();
        ancestors.delete(dir);
        next.set(dir, awaited);
      }
      next.get(dir)!.steps.add(relative(dir, target).split(sep)[0]!);
    }
    for (const { watcher } of ancestors.values()) watcher.close();
    ancestors = next;
  }

  function awaitIn(dir: string): { steps: Set<string>; watcher: FSWatcher } | null {
    if (!watchesAncestors(process.platform)) return null;
    const steps = new Set<string>();
    try {
      const watcher = watch(dir, (_event, name) => {
        if (name === null || steps.has(String(name))) rescan();
      });
      watcher.on("error", () => {});
      return { steps, watcher };
    } catch {
      return null;
    }
  }

  /** Brings the watched targets in line with the links that exist now, and tells when that changed what they lead to. */
  function rescan(initial = false): void {
    try {
      realRoot = realpathSync(root);
    } catch {
      return;
    }
    const { found, leading, broken } = scan();
    const next = new Map<string, { target: string; watcher: FSWatcher }>();
    for (const link of found.values()) {
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
    awaitTargets(broken);
    const changed = leading.size !== leads.size || [...leading].some(([path, target]) => leads.get(path) !== target);
    leads = leading;
    if (changed && !initial) relinked();
  }

  rescan(true);
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
      if (isLink || leads.has(path)) rescan();
    },
    /** For the root check: a broken link whose target no watch awaits, and exists now, is followed. */
    recheck(): void {
      if (unawaited.some((target) => existsSync(target))) rescan();
    },
    close(): void {
      for (const { watcher } of [...watches.values(), ...ancestors.values()]) watcher.close();
      watches.clear();
      ancestors.clear();
    },
  };
}

/** Where a broken link's chain of links ends: the first path on it that is no link; null when a link cannot be read. */
function pointsAt(link: string): string | null {
  let path = link;
  try {
    // As many steps as Linux follows before it calls the chain a loop (ELOOP).
    for (let step = 0; step < 40 && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink(); step++) {
      path = resolve(dirname(path), readlinkSync(path));
    }
    return path;
  } catch {
    return null;
  }
}
