import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";
import { isCode } from "../errors.ts";
import { isDirectory } from "../paths.ts";

/** What the watched root is right now, judged by the path (a symlinked root counts as its current target). */
export type RootState =
  | { kind: "dir"; dev: number; ino: number }
  | { kind: "missing" }
  | { kind: "not-a-directory" }
  | { kind: "unreadable" };

export function rootState(root: string): RootState {
  let info;
  try {
    info = statSync(root, { throwIfNoEntry: false });
  } catch (error) {
    // An ancestor that became a file (ENOTDIR) or a loop of links means the same as "not there".
    return isCode(error, "EACCES") ? { kind: "unreadable" } : { kind: "missing" };
  }
  if (!info) return { kind: "missing" };
  if (!info.isDirectory()) return { kind: "not-a-directory" };
  try {
    accessSync(root, constants.R_OK | constants.X_OK);
  } catch {
    return { kind: "unreadable" };
  }
  return { kind: "dir", dev: info.dev, ino: info.ino };
}

/**
 * Whether a watch armed on `armed` must be armed again, on every platform alike: Linux reports
 * a deleted root once and then nothing, macOS drops events about the root itself, and Windows
 * closes the watcher with an error. The root's identity (device and inode of what the path
 * points at now) is what all three leave behind, and what a swapped symlink changes.
 */
export function mustRearm(armed: RootState, now: RootState): boolean {
  if (armed.kind !== "dir") return now.kind === "dir";
  return now.kind !== "dir" || now.dev !== armed.dev || now.ino !== armed.ino;
}

/** The path itself if it is a directory, else its nearest ancestor that is: where a missing path will appear. */
export function nearestDirectory(path: string): string {
  while (!isDirectory(path) && dirname(path) !== path) path = dirname(path);
  return path;
}
