import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ignoredType, ignoredTypeMessage, isRelevant } from "../src/watch/relevant.ts";
import { startApp } from "./helpers/app.ts";
import { cleanup } from "./helpers/cleanup.ts";
import { tempDir } from "./helpers/files.ts";
import { captureLogs } from "./helpers/logs.ts";

afterEach(cleanup);

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

describe("the input watcher", () => {
  test("says once per extension that a change was skipped for its type, and nothing for temp files", async () => {
    const input = tempDir();
    await startApp({ input, output: tempDir() });
    const logs = captureLogs();
    writeFileSync(join(input, "a.docx"), "1");
    writeFileSync(join(input, "sedXy12Ab"), "1");
    writeFileSync(join(input, "b.docx"), "1");
    writeFileSync(join(input, "a.sqlite"), "1");
    // A relevant file last: once its change is logged, the ones before it have been through the worker.
    writeFileSync(join(input, "styles.scss"), "1");
    await logs.waitFor(/styles\.scss changed/);
    const lines = logs.lines;
    expect(lines.filter((line) => line.includes("do not trigger a rebuild"))).toEqual([
      `storytime: ${ignoredTypeMessage("a.docx")}`,
      `storytime: ${ignoredTypeMessage("a.sqlite")}`,
    ]);
    expect(lines.join("\n")).not.toContain("sedXy12Ab");
  });
});
