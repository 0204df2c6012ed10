import { readdirSync, type Dirent } from "node:fs";
import { join } from "node:path";

/**
 * Calls `visit` for every entry under `dir` that is not a directory (files and symlinks alike),
 * descending into every directory but dot-directories and node_modules, which change often and
 * hold neither a catalog's sources nor its pages, and those `descend` refuses. Unreadable
 * directories are skipped.
 */
export function walkFiles(dir: string, visit: (path: string, entry: Dirent) => void, descend: (dir: string) => boolean = () => true): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (!entry.isDirectory()) visit(path, entry);
    else if (!entry.name.startsWith(".") && entry.name !== "node_modules" && descend(path)) walkFiles(path, visit, descend);
  }
}
