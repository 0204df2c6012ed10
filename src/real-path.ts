import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";

/** The real path of `path`, or of its nearest existing ancestor with the rest appended: a directory may not exist yet. */
export function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPathOf(parent), basename(path));
  }
}

/** Whether `path` is `dir` or lies under it; both absolute, and both real or both as given. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  // `..name` is a name like any other; only `..` itself, as a whole segment, climbs out.
  return !isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`);
}
