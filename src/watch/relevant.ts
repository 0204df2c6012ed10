/**
 * Which input changes are worth a rebuild: what a catalog build or a static-site generator
 * plausibly reads (Python sources, templates of every common engine, markup and data, config,
 * stylesheets and their preprocessors, scripts) and the static assets a layout copies.
 * Everything else (bytecode, VCS internals, dependencies, generators' caches, editor scratch
 * files) changes often and means nothing to the site.
 *
 * An allow-list, not a deny-list of known junk: with the whole project as the input (`--input .`),
 * the files tools write beside the sources (logs, databases, lock files, caches of tools nobody
 * listed) outnumber the source types nobody listed, and each would start a build, or a loop of
 * them; a source type that is missing is named in the log the first time instead.
 */
export const RELEVANT_EXTENSIONS = new Set([
  // Python and its templates (Storytime, Sphinx, MkDocs, Pelican)
  ".py",
  ".pyi",
  ".html",
  ".htm",
  ".xhtml",
  ".shtml",
  ".jinja",
  ".jinja2",
  ".j2",
  // templates of other engines: Nunjucks, Liquid, Handlebars, Mustache, Pug, EJS, Twig, Go
  // (Hugo), Haml, Slim, ERB (Jekyll, Middleman), WebC (Eleventy), Astro, Svelte, Vue, includes
  ".njk",
  ".nunjucks",
  ".liquid",
  ".hbs",
  ".handlebars",
  ".mustache",
  ".pug",
  ".jade",
  ".ejs",
  ".twig",
  ".tmpl",
  ".tpl",
  ".gotmpl",
  ".gohtml",
  ".haml",
  ".slim",
  ".erb",
  ".webc",
  ".astro",
  ".svelte",
  ".vue",
  ".inc",
  // markup: Markdown and its variants (MDX, Markdoc, R Markdown, Quarto), reStructuredText,
  // AsciiDoc, Org, Textile, notebooks, TeX, Typst
  ".md",
  ".markdown",
  ".mdown",
  ".mkd",
  ".mkdn",
  ".mdwn",
  ".mdtxt",
  ".mdtext",
  ".mdx",
  ".mdoc",
  ".rmd",
  ".qmd",
  ".rst",
  ".adoc",
  ".asciidoc",
  ".org",
  ".textile",
  ".ipynb",
  ".tex",
  ".typ",
  ".txt",
  // data and configuration a build reads, translations (gettext), bibliographies, diagrams
  ".json",
  ".json5",
  ".jsonc",
  ".geojson",
  ".toml",
  ".yaml",
  ".yml",
  ".ini",
  ".cfg",
  ".csv",
  ".tsv",
  ".xml",
  ".xsl",
  ".xslt",
  ".po",
  ".bib",
  ".csl",
  ".dot",
  ".mmd",
  ".puml",
  // styles, including Sphinx theme templates (`basic.css_t`)
  ".css",
  ".css_t",
  ".scss",
  ".sass",
  ".less",
  ".styl",
  ".stylus",
  ".pcss",
  ".postcss",
  // scripts: JavaScript and TypeScript, Jekyll's Ruby plugins, Pandoc's Lua filters
  ".js",
  ".js_t",
  ".mjs",
  ".cjs",
  ".ts",
  ".mts",
  ".cts",
  ".jsx",
  ".tsx",
  ".rb",
  ".lua",
  // static assets
  ".svg",
  ".png",
  ".jpg",
  ".jpeg",
  ".gif",
  ".webp",
  ".avif",
  ".apng",
  ".jxl",
  ".tif",
  ".tiff",
  ".ico",
  ".bmp",
  ".woff",
  ".woff2",
  ".ttf",
  ".otf",
  ".eot",
  ".mp4",
  ".webm",
  ".mov",
  ".m4v",
  ".mp3",
  ".ogg",
  ".wav",
  ".m4a",
  ".vtt",
  ".pdf",
  ".webmanifest",
  ".wasm",
]);

/**
 * Inputs known by their whole name: build files without an extension, files a site copies as
 * they are (GitHub Pages' `CNAME`, Netlify's `_redirects`), and the dotfiles a generator reads
 * as configuration (Eleventy's config and ignore file). Other dotfiles are tools' state
 * (`.hugo_build.lock`, `.jekyll-metadata`) or nobody's business (`.DS_Store`).
 */
const RELEVANT_NAMES = new Set([
  "Gemfile",
  "Gemfile.lock",
  "Makefile",
  "GNUmakefile",
  "makefile",
  "Rakefile",
  "Justfile",
  "CNAME",
  "_redirects",
  "_headers",
  ".eleventy.js",
  ".eleventy.cjs",
  ".eleventyignore",
]);

/** Known by name, or an environment file (`.env`, `.env.local`, `.env.production`: Vite's and those of the generators built on it). */
const isRelevantName = (name: string) => RELEVANT_NAMES.has(name) || /^\.env(\.[\w-]+)?$/.test(name);

/** Dot-directories that hold sources: VitePress's and VuePress's config and theme. Every other one is a tool's (`.git`, `.venv`, `.cache`, `.astro`, `.jekyll-cache`, `.sass-cache`, `.docusaurus`). */
const SOURCE_DOT_DIRECTORIES = new Set([".vitepress", ".vuepress"]);

/**
 * Directories written by builds, installs or interpreters, never by a person, as path segments in
 * a row: Python's and Node's, Hugo's processed resources (`resources/_gen`, rewritten on every
 * build), Sphinx's doctrees and executed notebooks (`_build/doctrees` beside `_build/html`),
 * Quarto's frozen results, and VitePress's dependency cache.
 */
const CACHE_DIRECTORIES = [["__pycache__"], ["node_modules"], ["resources", "_gen"], ["doctrees"], ["jupyter_execute"], ["_freeze"], [".vitepress", "cache"]];

/** `path` is relative to the watched root, with either separator. */
export function isRelevant(path: string): boolean {
  const file = fileOf(path);
  return file !== null && (isRelevantName(file.name) || (file.extension !== null && RELEVANT_EXTENSIONS.has(file.extension)));
}

/**
 * The extension of a file that is skipped only because of its type, or null when it counts or is
 * noise nobody asked about (cache, VCS, dependencies, scratch files, names without an extension,
 * which is how sed and atomic writers name their temp files).
 */
export function ignoredType(path: string): string | null {
  if (isRelevant(path)) return null;
  return fileOf(path)?.extension ?? null;
}

/** What the user reads the first time a file type is skipped, so an edit that does nothing is never a mystery. */
export function ignoredTypeMessage(path: string): string {
  const extension = ignoredType(path) ?? path;
  return `${path} changed, but ${extension} files do not trigger a rebuild (README: "What counts as an input change"); other ${extension} changes are skipped silently.`;
}

/** The name and lower-case extension of a file worth considering at all, or null for noise. */
function fileOf(path: string): { name: string; extension: string | null } | null {
  const segments = path.split(/[\\/]/);
  const name = segments.pop()!;
  if (segments.some((segment) => segment.startsWith(".") && !SOURCE_DOT_DIRECTORIES.has(segment))) return null;
  if (CACHE_DIRECTORIES.some((cache) => segments.some((_, i) => cache.every((part, j) => segments[i + j] === part)))) return null;
  if (isScratchName(name)) return null;
  if (name.startsWith(".") && !isRelevantName(name)) return null;
  const dot = name.lastIndexOf(".");
  return { name, extension: dot > 0 ? name.slice(dot).toLowerCase() : null };
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
