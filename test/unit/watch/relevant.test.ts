import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ignoredType, ignoredTypeMessage, isRelevant, RELEVANT_EXTENSIONS } from "../../../src/watch/relevant.ts";
import { ROOT } from "../../helpers/files.ts";

describe("isRelevant", () => {
  test.each([...RELEVANT_EXTENSIONS])("a %s file is relevant", (ext) => {
    expect(isRelevant(`components/button/file${ext}`)).toBe(true);
    expect(isRelevant(`FILE${ext.toUpperCase()}`)).toBe(true);
  });

  test.each([
    "components/__pycache__/stories.cpython-311.pyc",
    "components/__pycache__/x.py",
    "components/stories.pyc",
    ".git/index",
    ".git/objects/ab/cdef.py",
    ".venv/lib/site.py",
    "node_modules/pkg/index.js",
    "components/.stories.py.swp",
    "components/stories.py.swp",
    "components/stories.py.swo",
    "components/stories.py~",
    "components/.#stories.py",
    "components/#stories.py#",
    "components/flycheck_stories.py",
    "components/4913",
    "components/button.css___jb_tmp___",
    "components/button.css.tmp",
    "components/.DS_Store",
    "README",
    "build.sqlite",
  ])("%s is not relevant", (path) => {
    expect(isRelevant(path)).toBe(false);
  });

  test("Windows separators are understood", () => {
    expect(isRelevant("components\\__pycache__\\x.py")).toBe(false);
    expect(isRelevant("components\\button\\button.css")).toBe(true);
  });
});

describe("input types a catalog build reads", () => {
  test.each([".toml", ".yaml", ".yml", ".scss", ".sass", ".less", ".jinja", ".jinja2", ".j2", ".csv", ".ini", ".cfg", ".rst", ".xml", ".tsv", ".ts"])(
    "%s counts",
    (ext) => {
      expect(isRelevant(`components/button/data${ext}`)).toBe(true);
    },
  );
});

describe("what static-site generators read", () => {
  // Templates, markup and data of Hugo, Eleventy, Sphinx, MkDocs, Jekyll, Astro, Zola, Pelican,
  // Docusaurus, and the Nunjucks, Liquid, Handlebars, Pug, EJS, Twig and Go template engines.
  test.each([
    ".njk", ".liquid", ".markdown", ".mdown", ".mkd", ".org", ".html", ".md", ".rst", ".ipynb", ".po", ".bib", ".inc", ".dot",
    ".adoc", ".astro", ".mdx", ".hbs", ".pug", ".ejs", ".twig", ".tmpl", ".gotmpl", ".svelte", ".vue", ".tex", ".sass", ".styl",
    ".rb", ".webc", ".qmd", ".css_t",
  ])("%s counts", (ext) => {
    expect(isRelevant(`content/posts/page${ext}`)).toBe(true);
  });

  test.each([
    "Gemfile", "Gemfile.lock", "Makefile", "Rakefile", "CNAME", "static/_redirects",
    ".eleventy.js", ".eleventyignore", ".env", ".env.production",
    ".vitepress/config.mts", ".vitepress/theme/index.ts", "_posts/2024-01-02-hello.markdown",
  ])("%s counts", (path) => {
    expect(isRelevant(path)).toBe(true);
  });

  // Hugo, Jekyll, Sphinx, Eleventy, Astro, Vite, Docusaurus, VitePress, Quarto: what each writes beside the sources.
  test.each([
    "resources/_gen/images/photo_hu123.jpg",
    "resources/_gen/assets/css/main.css_abc.json",
    ".hugo_build.lock",
    ".jekyll-cache/Jekyll/Cache/x.json",
    ".jekyll-metadata",
    ".sass-cache/abc/main.scssc",
    "_build/doctrees/index.doctree",
    "_build/doctrees/environment.pickle",
    "_build/jupyter_execute/notebook.ipynb",
    ".cache/eleventy-fetch-abc.json",
    ".astro/types.d.ts",
    "node_modules/.vite/deps/react.js",
    ".docusaurus/routes.js",
    ".vitepress/cache/deps/vue.js",
    "_freeze/post/execute-results/html.json",
    "docs/__pycache__/conf.cpython-311.pyc",
    ".DS_Store",
    ".env.swp",
  ])("%s never counts, and is never reported", (path) => {
    expect(isRelevant(path)).toBe(false);
    expect(ignoredType(path)).toBeNull();
  });
});

describe("ignoredType", () => {
  test("a file skipped for its type names its extension", () => {
    expect(ignoredType("components/notes.docx")).toBe(".docx");
    expect(ignoredType("components/DB.SQLITE")).toBe(".sqlite");
  });

  test.each([
    "components/__pycache__/x.cpython-311.pyc",
    ".git/index.lock",
    ".venv/lib/x.so",
    "node_modules/pkg/x.node",
    "components/button.css.swp",
    "components/button.css.tmp-123",
    "components/button.css.12345",
    "components/sedAbC123",
    "components/4913",
    "Makefile",
    "components/button.css",
  ])("%s is not reported: noise, no extension, or relevant", (path) => {
    expect(ignoredType(path)).toBeNull();
  });

  test("the message names the file, the type and where the list is", () => {
    expect(ignoredTypeMessage("data/colors.sqlite")).toBe(
      'data/colors.sqlite changed, but .sqlite files do not trigger a rebuild (README: "What counts as an input change"); other .sqlite changes are skipped silently.',
    );
  });
});

describe("README's list of what counts as an input change", () => {
  const section = readFileSync(join(ROOT, "README.md"), "utf8").split("### What counts as an input change")[1]!.split("\nAny other type")[0]!;
  const [counted, never] = section.split("\nNever:") as [string, string];
  /** The names in backticks of `text`, one per word. */
  const names = (text: string) => [...text.matchAll(/`([^`]+)`/g)].flatMap((match) => match[1]!.split(/\s+/)).filter(Boolean);
  /** A path that stands for a name as README writes it: a folder gets a file, a pattern its blanks filled. */
  const example = (name: string) => (name.endsWith("/") ? `${name}x.css` : name.replaceAll("*", "page").replace("XXXXXX", "a1B2c3"));

  test("every type it lists counts, in any folder", () => {
    const types = counted.split("\n- ").filter((bullet) => !bullet.startsWith("By name")).flatMap(names);
    expect(types.length).toBeGreaterThan(100);
    expect(types.filter((type) => !isRelevant(`components/page${type}`))).toEqual([]);
  });

  test("every name it lists counts, and every file in the folders it lists", () => {
    const byName = names(counted.split("\n- By name:")[1]!).filter((name) => name !== "…");
    expect(byName.map(example).filter((name) => !isRelevant(name))).toEqual([]);
  });

  test("nothing it says never counts does", () => {
    const excluded = names(never).map(example);
    expect(excluded.length).toBeGreaterThan(30);
    expect(excluded.filter((path) => isRelevant(path))).toEqual([]);
  });
});
