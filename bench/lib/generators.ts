import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BENCH } from "./servers.ts";

export type GeneratorName = "Hugo" | "Eleventy" | "Sphinx" | "MkDocs" | "Jekyll";

/**
 * A real static-site generator on a 30-page project in its own default layout (sources at the
 * top, output inside the project where the generator puts it), and the three ways to develop
 * with it: its own server, storytime-reload running its build per save, and storytime-reload
 * running its own watch mode.
 */
export interface Generator {
  name: GeneratorName;
  /** Why it cannot run on this machine, or null. */
  missing: string | null;
  version: string;
  /** The output directory, relative to the project, where the generator writes by default. */
  output: string;
  /** The source file a save rewrites, relative to the project, and the URL of the page it becomes. */
  page: string;
  url: string;
  /** The page source whose rendered page shows `marker` as the text of #marker. */
  source(marker: string): string;
  /** Every file of the project but the saved page, relative to the project. */
  files: Record<string, string>;
  /** The one-shot build, run through the shell in the project directory. */
  build: string;
  /** The generator's own watch mode writing the output, or null when it has none. */
  watch: string | null;
  /** Its own development server on a loopback port, or null when it has none here. */
  serve: ((port: number, spare: number) => string[]) | null;
}

const PAGES = 30;
const ELEVENTY = join(BENCH, "node_modules", ".bin", "eleventy");

const numbered = (make: (i: number) => [string, string]) => Object.fromEntries(Array.from({ length: PAGES - 1 }, (_, i) => make(i + 1)));

const STYLE = "body { font: 16px/1.5 system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; }\n#marker { color: #3553d0; }\n";

/** The first line `--version` prints, or why the program is not there. */
function probe(argv: string[]): { version: string; missing: string | null } {
  const program = argv[0]!;
  if (!program.includes("/") && !Bun.which(program)) return { version: "", missing: `${program} is not on PATH` };
  if (program.includes("/") && !existsSync(program)) return { version: "", missing: `${program} is not installed (bun install in bench/)` };
  const run = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  const text = (run.stdout.toString() + run.stderr.toString()).trim().split("\n")[0] ?? "";
  return run.exitCode === 0 ? { version: text, missing: null } : { version: "", missing: `${argv.join(" ")} failed: ${text}` };
}

function hugo(): Generator {
  const { version, missing } = probe(["hugo", "version"]);
  const layout = (body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title><link rel="stylesheet" href="/style.css"></head>` +
    `<body><nav><a href="/">Home</a></nav><main>${body}</main></body></html>\n`;
  const page = (title: string) => `---\ntitle: "${title}"\n---\n\nA page of the catalog, with a paragraph of **text**.\n`;
  return {
    name: "Hugo",
    missing,
    version: version.match(/v[\d.]+/)?.[0] ?? version,
    output: "public",
    page: "content/pages/page-0.md",
    url: "/pages/page-0/",
    source: page,
    files: {
      "hugo.toml": `baseURL = "/"\ntitle = "Bench"\ndisableKinds = ["RSS", "sitemap", "taxonomy", "term"]\n`,
      "layouts/_default/single.html": layout(`<h1 id="marker">{{ .Title }}</h1>{{ .Content }}`),
      "layouts/_default/list.html": layout(`<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>`),
      "static/style.css": STYLE,
      ...numbered((i) => [`content/pages/page-${i}.md`, page(`Page ${i}`)]),
    },
    // As README recommends: without it, a deleted page's output stays and is still served.
    build: "hugo --cleanDestinationDir --quiet",
    watch: "hugo --watch",
    serve: (port) => ["hugo", "server", "--bind", "127.0.0.1", "--port", `${port}`],
  };
}

function eleventy(): Generator {
  const { version, missing } = probe([ELEVENTY, "--version"]);
  const page = (title: string) => `---\ntitle: "${title}"\nlayout: base.njk\n---\n\nA page of the catalog, with a paragraph of **text**.\n`;
  return {
    name: "Eleventy",
    missing,
    version,
    output: "_site",
    page: "pages/page-0.md",
    url: "/pages/page-0/",
    source: page,
    files: {
      "eleventy.config.cjs": `module.exports = (config) => {\n  config.addPassthroughCopy("css");\n};\n`,
      "_includes/base.njk":
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title><link rel="stylesheet" href="/css/style.css"></head>` +
        `<body><nav><a href="/">Home</a></nav><main><h1 id="marker">{{ title }}</h1>{{ content | safe }}</main></body></html>\n`,
      "index.md": `---\ntitle: Bench\nlayout: base.njk\n---\n\n{% for p in collections.all %}- [{{ p.data.title }}]({{ p.url }})\n{% endfor %}\n`,
      "css/style.css": STYLE,
      ...numbered((i) => [`pages/page-${i}.md`, page(`Page ${i}`)]),
    },
    build: `${ELEVENTY} --quiet`,
    watch: `${ELEVENTY} --watch --quiet`,
    serve: (port) => [ELEVENTY, "--serve", "--quiet", `--port=${port}`],
  };
}

/** Alabaster, Sphinx's default theme, as `sphinx-quickstart` sets it up with sources and build in one folder. */
function sphinx(): Generator {
  const { version, missing } = probe(["sphinx-build", "--version"]);
  const autobuild = Bun.which("sphinx-autobuild");
  const page = (marker: string) => `Page 0\n======\n\n.. raw:: html\n\n   <p id="marker">${marker}</p>\n\nA page of the catalog, with a paragraph of **text**.\n`;
  return {
    name: "Sphinx",
    missing,
    version: version.replace(/^sphinx-build\s*/, ""),
    output: "_build/html",
    page: "page-0.rst",
    url: "/page-0.html",
    source: page,
    files: {
      "conf.py": `project = "Bench"\nextensions = []\ntemplates_path = ["_templates"]\nexclude_patterns = ["_build"]\nhtml_theme = "alabaster"\nhtml_static_path = ["_static"]\n`,
      "_static/custom.css": STYLE,
      "_templates/.keep": "",
      "index.rst": `Bench\n=====\n\n.. toctree::\n\n${Array.from({ length: PAGES }, (_, i) => `   page-${i}`).join("\n")}\n`,
      ...numbered((i) => [`page-${i}.rst`, `Page ${i}\n${"=".repeat(`Page ${i}`.length)}\n\nA page of the catalog, with a paragraph of **text**.\n`]),
    },
    build: "sphinx-build -M html . _build -q",
    watch: null,
    serve: autobuild ? (port) => ["sphinx-autobuild", ".", "_build/html", "--host", "127.0.0.1", "--port", `${port}`, "-q"] : null,
  };
}

/** MkDocs' own default theme (`mkdocs`), as `mkdocs new` sets it up. */
function mkdocs(): Generator {
  const { version, missing } = probe(["mkdocs", "--version"]);
  const page = (marker: string) => `# Page 0\n\n<p id="marker">${marker}</p>\n\nA page of the catalog, with a paragraph of **text**.\n`;
  return {
    name: "MkDocs",
    missing,
    version: version.match(/version ([\d.]+)/)?.[1] ?? version,
    output: "site",
    page: "docs/page-0.md",
    url: "/page-0/",
    source: page,
    files: {
      "mkdocs.yml": "site_name: Bench\n",
      "docs/index.md": "# Bench\n\nThe catalog.\n",
      "docs/extra.css": STYLE,
      ...numbered((i) => [`docs/page-${i}.md`, `# Page ${i}\n\nA page of the catalog, with a paragraph of **text**.\n`]),
    },
    build: "mkdocs build -q",
    watch: null,
    serve: (port) => ["mkdocs", "serve", "-q", "-a", `127.0.0.1:${port}`],
  };
}

/** Minima, the theme `jekyll new` sets up. */
function jekyll(): Generator {
  const { version, missing } = probe(["jekyll", "--version"]);
  const page = (marker: string) => `---\nlayout: page\ntitle: Page 0\n---\n\n<p id="marker">${marker}</p>\n\nA page of the catalog, with a paragraph of **text**.\n`;
  return {
    name: "Jekyll",
    missing,
    version: version.replace(/^jekyll\s*/, ""),
    output: "_site",
    page: "pages/page-0.md",
    url: "/pages/page-0.html",
    source: page,
    files: {
      "_config.yml": "title: Bench\ntheme: minima\n",
      "index.md": "---\nlayout: home\n---\n",
      ...numbered((i) => [`pages/page-${i}.md`, `---\nlayout: page\ntitle: Page ${i}\n---\n\nA page of the catalog, with a paragraph of **text**.\n`]),
    },
    build: "jekyll build -q",
    // Not -q: its "...done in 0.3 seconds." line is what tells storytime-reload that a rebuild is over.
    watch: "jekyll build --watch",
    serve: (port, spare) => ["jekyll", "serve", "-q", "--livereload", "--livereload-port", `${spare}`, "--host", "127.0.0.1", "--port", `${port}`],
  };
}

export function generators(): Generator[] {
  return [hugo(), eleventy(), sphinx(), mkdocs(), jekyll()];
}

/** Writes the generator's project into `dir`, the saved page showing `marker`. */
export function scaffold(generator: Generator, dir: string, marker: string): void {
  for (const [path, text] of Object.entries({ ...generator.files, [generator.page]: generator.source(marker) })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}
