import { realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";

/**
 * The real path of `path`, or of its nearest existing ancestor with the rest appended: an output
 * that does not exist yet is compared (and keyed) as it will be once created, symlinked parents
 * resolved.
 */
export function realPathOrNearest(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPathOrNearest(parent), basename(path));
  }
}

/** Whether `path` is `dir` or lies under it, segment by segment; both absolute (or both relative to one directory), and both real or both as given. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  // `..name` is a name like any other; only `..` itself, as a whole segment, climbs out.
  return !isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`);
}

/** A path as the user sees it: relative to the working directory when inside it, else absolute. */
export function displayPath(path: string): string {
  const cwd = process.cwd();
  const rel = relative(cwd, path);
  return rel && isInside(path, cwd) ? rel : path;
}

/** Never throws: a path that is missing, below a file (ENOTDIR), past PATH_MAX or in a loop of links is no directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether any step of a relative path is a dot name (`.git/index`, `.index.html.swp`): never served, so never a change to a page. */
export function hasDotName(path: string): boolean {
  return path.split(/[\\/]/).some((segment) => segment.startsWith("."));
}

/** Whether a file is an HTML page by its name: pages get the client, wait for the gate, and rank first in a reload line. */
export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}
