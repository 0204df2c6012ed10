import { lstat, realpath, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { hasDotName, isInside } from "../paths.ts";

/**
 * A file the resolver allowed: its path, the output's real path, and which file it found there.
 * The path may lead elsewhere by the time it is opened (file-stream.ts checks what it opened).
 */
export interface ResolvedFile {
  path: string;
  realRoot: string;
  dev: number;
  ino: number;
}

/** What a request path means inside the output directory. Anything doubtful is "missing". */
type Resolution =
  | { kind: "file"; file: ResolvedFile }
  | { kind: "redirect"; location: string }
  | { kind: "missing" }
  | { kind: "malformed" };

/**
 * Maps a URL pathname (still percent-encoded) to a regular file inside `root`.
 * Decides early and refuses early: traversal, dotfiles, NUL bytes, backslashes and
 * symlinks that leave the root are all answered as "missing", never followed. The dotfile
 * rule is applied again to the real path that will be opened: a symlink with an innocent
 * name, or a Windows short name (`_ENV~3EE` for `.env`), may lead to a dotfile.
 */
export async function resolveRequestPath(root: string, pathname: string): Promise<Resolution> {
  const segments = pathSegments(pathname);
  if (segments === "malformed") return { kind: "malformed" };
  if (segments === null) return { kind: "missing" };

  let path = segments.length ? join(root, ...segments) : root;
  if (!isInside(path, root)) return { kind: "missing" };

  let info = await statOrNull(path);
  const isDirectory = info?.isDirectory() ?? false;
  // A file has no children: `/page.html/` would make every relative link on it point elsewhere.
  if (!isDirectory && pathname.endsWith("/")) return { kind: "missing" };
  if (isDirectory) {
    if (!pathname.endsWith("/")) return { kind: "redirect", location: directoryUrl(segments) };
    path = join(path, "index.html");
    info = await statOrNull(path);
  }
  if (!info?.isFile()) return { kind: "missing" };
  const file = await allowedFile(root, path);
  return file ? { kind: "file", file } : { kind: "missing" };
}

/** Decoded path segments, null for a path that must not be served, or "malformed" for bad encoding. */
function pathSegments(pathname: string): string[] | null | "malformed" {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return "malformed";
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const segments = decoded.split("/").filter((segment) => segment !== "");
  // A leading dot covers ".", "..", "/.env" and "/.git/": none of them belong to a catalog.
  if (hasDotName(decoded)) return null;
  if (process.platform === "win32" && segments.some((segment) => segment.includes(":"))) return null;
  return segments;
}

/** Built from the decoded segments, so the Location can never name another host ("//evil.example"). */
function directoryUrl(segments: string[]): string {
  return "/" + segments.map(encodeURIComponent).map((s) => s + "/").join("");
}

/** Whether a file at this real path may be served: inside the output's real path, with no step below it a dot name. */
export function servableRealPath(realRoot: string, realPath: string): boolean {
  return isInside(realPath, realRoot) && !hasDotName(relative(realRoot, realPath));
}

/** The file at `path`, if its real path may be served. */
async function allowedFile(root: string, path: string): Promise<ResolvedFile | null> {
  try {
    const [realRoot, realPath] = await Promise.all([realpath(root), realpath(path)]);
    if (!servableRealPath(realRoot, realPath)) return null;
    // Not followed: a real path names no link, unless the path has just been swapped for one.
    const info = await lstat(realPath);
    return info.isFile() ? { path, realRoot, dev: info.dev, ino: info.ino } : null;
  } catch {
    return null;
  }
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}
