import { join } from "node:path";

/**
 * Bun 1.4.5's FSEvents watcher matches event paths against the watched directory by prefix alone
 * and then cuts the prefix off, so with `build/catalog` watched, a write to `build/catalog-old/x`
 * arrives as `-old/x`. Such a name is a sibling's when the root with the name glued on (no
 * separator) exists and the name inside the root does not. Other platforms never do this. Read in
 * Bun's watcher source, no Bun issue found (libuv had the same bug:
 * https://github.com/libuv/libuv/pull/1649); remove once Bun checks for the separator.
 */
export function isSiblingEvent(platform: NodeJS.Platform, root: string, name: string, exists: (path: string) => boolean): boolean {
  if (platform !== "darwin") return false;
  const first = name.split("/")[0]!;
  return exists(root + first) && !exists(join(root, first));
}

/**
 * Bun 1.4.5 runs one FSEvents stream for the whole process and rebuilds it whenever any watch opens
 * or closes, and events that happen meanwhile are lost (read in Bun's watcher source, no Bun issue
 * found). So on macOS, when one watcher re-arms (a clean build recreating the output), the others
 * must look for what they may have missed. Elsewhere each watch is independent. Remove once Bun
 * keeps the events of that moment.
 */
export function rearmMayLoseOtherEvents(platform: NodeJS.Platform): boolean {
  return platform === "darwin";
}

/**
 * Whether the root's parent or nearest ancestor may be watched (to see a swap or a missing root
 * appear at once). Not on Windows: a watch holds an open directory handle, a directory deleted
 * while a handle is open stays "delete pending", and recreating it fails with access denied
 * until the handle closes (https://github.com/paulmillr/chokidar/issues/643,
 * https://github.com/nodejs/node/issues/18805), so a clean build's `rmdir` + `mkdir` of that
 * directory would fail. There the root watcher's error and the once-a-second root check decide
 * instead.
 */
export function watchesAncestors(platform: NodeJS.Platform): boolean {
  return platform !== "win32";
}

/**
 * Whether a watch goes on following a directory moved out of the watched tree. inotify watches
 * inodes, so Bun keeps reporting edits made in a moved-out directory, under its old name inside
 * the tree (and under the name of a directory made there since). FSEvents and
 * ReadDirectoryChangesW watch paths: what leaves the tree is no longer reported.
 */
export function watchFollowsMovedDirectories(platform: NodeJS.Platform): boolean {
  return platform === "linux";
}
