/**
 * Which input changes are worth a rebuild: a catalog's Python sources and the static assets
 * its layout copies. Everything else (bytecode, VCS internals, dependencies, editor scratch
 * files) changes often and means nothing to the catalog.
 */
export const RELEVANT_EXTENSIONS = new Set([
  ".py",
  ".css",
  ".js",
  ".mjs",
  ".cjs",
  ".html",
  ".htm",
  ".json",
  ".svg",
  ".png",
  ".jpg",
  ".jpeg",
  ".gif",
  ".webp",
  ".avif",
  ".ico",
  ".bmp",
  ".woff",
  ".woff2",
  ".ttf",
  ".otf",
  ".eot",
  ".mp4",
  ".webm",
  ".txt",
  ".md",
]);

const IGNORED_DIRECTORIES = new Set(["__pycache__", "node_modules"]);

/** `path` is relative to the watched root, with either separator. */
export function isRelevant(path: string): boolean {
  const segments = path.split(/[\\/]/);
  const name = segments[segments.length - 1]!;
  if (segments.some((segment) => segment.startsWith(".") || IGNORED_DIRECTORIES.has(segment))) return false;
  if (isEditorScratch(name)) return false;
  const dot = name.lastIndexOf(".");
  return dot > 0 && RELEVANT_EXTENSIONS.has(name.slice(dot).toLowerCase());
}

/** Swap, backup, lock and probe files written by vim, emacs, JetBrains IDEs and others. */
function isEditorScratch(name: string): boolean {
  return (
    name === "4913" ||
    name.endsWith("~") ||
    /\.sw[a-p]$/i.test(name) ||
    (name.startsWith("#") && name.endsWith("#")) ||
    /___jb_(tmp|old)___$/.test(name) ||
    /\.(tmp|bak|orig|crdownload)$/i.test(name)
  );
}
