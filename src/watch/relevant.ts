/**
 * Which input changes are worth a rebuild: what a catalog build plausibly reads (Python
 * sources, templates, data and config files, stylesheets and their preprocessors, scripts)
 * and the static assets its layout copies. Everything else (bytecode, VCS internals,
 * dependencies, editor scratch files) changes often and means nothing to the catalog.
 */
export const RELEVANT_EXTENSIONS = new Set([
  // Python and its templates
  ".py",
  ".pyi",
  ".html",
  ".htm",
  ".jinja",
  ".jinja2",
  ".j2",
  // data and configuration a build reads
  ".json",
  ".toml",
  ".yaml",
  ".yml",
  ".ini",
  ".cfg",
  ".csv",
  ".tsv",
  ".xml",
  ".txt",
  ".md",
  ".rst",
  // styles and scripts
  ".css",
  ".scss",
  ".sass",
  ".less",
  ".js",
  ".mjs",
  ".cjs",
  ".ts",
  ".jsx",
  ".tsx",
  // static assets
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
]);

const IGNORED_DIRECTORIES = new Set(["__pycache__", "node_modules"]);

/** `path` is relative to the watched root, with either separator. */
export function isRelevant(path: string): boolean {
  const extension = extensionOf(path);
  return extension !== null && RELEVANT_EXTENSIONS.has(extension);
}

/**
 * The extension of a file that is skipped only because of its type, or null when it counts or is
 * noise nobody asked about (cache, VCS, dependencies, scratch files, names without an extension,
 * which is how sed and atomic writers name their temp files).
 */
export function ignoredType(path: string): string | null {
  const extension = extensionOf(path);
  return extension !== null && !RELEVANT_EXTENSIONS.has(extension) ? extension : null;
}

/** What the user reads the first time a file type is skipped, so an edit that does nothing is never a mystery. */
export function ignoredTypeMessage(path: string): string {
  const extension = ignoredType(path) ?? path;
  return `${path} changed, but ${extension} files do not trigger a rebuild (README: "What counts as an input change"); other ${extension} changes are skipped silently.`;
}

/** The lower-case extension of a file worth considering at all, or null for noise. */
function extensionOf(path: string): string | null {
  const segments = path.split(/[\\/]/);
  const name = segments[segments.length - 1]!;
  if (segments.some((segment) => segment.startsWith(".") || IGNORED_DIRECTORIES.has(segment))) return null;
  if (isScratchName(name)) return null;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : null;
}

/**
 * Swap, backup, lock, probe and temp files written by editors and tools on their way to a real
 * file: vim, emacs (and Flycheck's `flycheck_name.py` copies, written and deleted on every
 * check), JetBrains IDEs, `sed -i` (sedXXXXXX), atomic writers (`name.tmp-123`, `name.12345`),
 * downloads. Shared with the output's reload log, which leaves them out too.
 */
export function isScratchName(name: string): boolean {
  return (
    name === "4913" ||
    name.endsWith("~") ||
    /\.sw[a-p]$/i.test(name) ||
    (name.startsWith("#") && name.endsWith("#")) ||
    name.startsWith(".#") ||
    name.startsWith("flycheck_") ||
    /___jb_(tmp|old)___$/.test(name) ||
    /\.(tmp|bak|orig|crdownload|crswap|part)$/i.test(name) ||
    /\.tmp-[^/\\]*$/i.test(name) ||
    /\.\d+$/.test(name) ||
    /^sed[A-Za-z0-9]{6}$/.test(name)
  );
}
