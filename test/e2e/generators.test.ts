import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bodyBecomes, ENGINES, inEachEngine, quiet } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { CLI, ROOT, tempDir, tree } from "../helpers/files.ts";
import { launch } from "../helpers/process.ts";

afterAll(() => Promise.all(ENGINES.map((engine) => engine.close())));
afterEach(cleanup);

/** An 8x8 PNG, for Hugo's image processing (which writes resources/_gen/images on every build). */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4ISeHFTEMLQkAkL9BAbKfPiIAAAAASUVORK5CYII=", "base64");

interface Generator {
  name: string;
  /** Why this generator's test is skipped here, or null when it can run. */
  missing: string | null;
  /** The build command; `scratch` is a directory outside the site the build may keep its own state in. */
  build: (scratch: string) => string;
  output: string;
  files: Record<string, string | Uint8Array>;
  /** The page that shows every marker, relative to the site's root URL. */
  page: string;
  /** One file of each kind the generator reads, each holding a marker that shows on the page. */
  edits: Array<{ kind: string; file: string; marker: string }>;
  /** A cache the build writes inside the project; it must exist after the builds, and start none. */
  cache: string;
}

const ELEVENTY = join(ROOT, "test/generators/node_modules/@11ty/eleventy/cmd.cjs");

const GENERATORS: Generator[] = [
  {
    name: "Hugo",
    missing: Bun.which("hugo") ? null : "hugo is not installed (sudo apt-get install hugo)",
    // Hugo's file cache defaults to $TMPDIR/hugo_cache, shared by every user of the machine: a test keeps its own.
    build: (scratch) => `hugo --quiet --cacheDir "${scratch}"`,
    output: "public",
    files: {
      "hugo.toml": `title = "Demo"\n`,
      "layouts/_default/baseof.html": `<!doctype html><html><head><title>{{ .Title }}</title>{{ partial "icon.html" . }}</head><body><p>template-1</p>{{ block "main" . }}{{ end }}<p>{{ .Site.Data.site.tagline }}</p></body></html>\n`,
      "layouts/partials/icon.html": `{{ $icon := (resources.Get "img/dot.png").Resize "4x" }}<link rel="icon" href="{{ $icon.RelPermalink }}">\n`,
      "layouts/_default/single.html": `{{ define "main" }}{{ .Content }}{{ end }}\n`,
      "layouts/_default/list.html": `{{ define "main" }}{{ end }}\n`,
      "content/posts/first.md": `---\ntitle: First\n---\ncontent-1\n`,
      "data/site.yaml": `tagline: data-1\n`,
      "assets/img/dot.png": PNG,
    },
    page: "posts/first/",
    edits: [
      { kind: "template", file: "layouts/_default/baseof.html", marker: "template" },
      { kind: "content", file: "content/posts/first.md", marker: "content" },
      { kind: "data", file: "data/site.yaml", marker: "data" },
    ],
    cache: "resources/_gen/images",
  },
  {
    name: "Eleventy",
    missing: !Bun.which("node")
      ? "Node.js is not installed, and Eleventy runs on it"
      : existsSync(ELEVENTY)
        ? null
        : "Eleventy is not installed in test/generators (bun install --cwd test/generators, as .ci/run does)",
    build: () => `node "${ELEVENTY}" --quiet`,
    output: "_site",
    files: {
      // As plugins such as eleventy-fetch and eleventy-img do, the build writes its cache beside the sources.
      ".eleventy.js": `const fs = require("node:fs");\nmodule.exports = (config) => {\n  config.on("eleventy.before", () => {\n    fs.mkdirSync(".cache", { recursive: true });\n    fs.writeFileSync(".cache/eleventy-fetch-demo.json", JSON.stringify({ at: Date.now() }));\n  });\n};\n`,
      "_includes/base.njk": `<!doctype html><html><head><title>{{ title }}</title></head><body><p>template-1</p>{{ content | safe }}<p>{{ site.tagline }}</p></body></html>\n`,
      "index.md": `---\nlayout: base.njk\ntitle: Home\n---\ncontent-1\n`,
      "_data/site.json": `{ "tagline": "data-1" }\n`,
    },
    page: "",
    edits: [
      { kind: "template", file: "_includes/base.njk", marker: "template" },
      { kind: "content", file: "index.md", marker: "content" },
      { kind: "data", file: "_data/site.json", marker: "data" },
    ],
    cache: ".cache/eleventy-fetch-demo.json",
  },
];

for (const generator of GENERATORS) {
  inEachEngine(`${generator.name} on its default layout (--input .)`, (engine) => {
    if (generator.missing) {
      console.warn(`skip: ${generator.name}: ${generator.missing}`);
      test.skip(`(skipped: ${generator.missing})`, () => {});
      return;
    }
    test(`a ${generator.edits.map((edit) => edit.kind).join(", a ")} edit each rebuild once and reload once onto the new content; the cache starts no build`, async () => {
      const dir = tree(generator.files);
      const server = await launch(["bun", CLI, "--input", ".", "--output", generator.output, "--build", generator.build(tempDir()), "--port", "0"], { cwd: dir });
      try {
        await server.waitForOutput(/Built in/, 20_000);
        const tab = await engine.newTab();
        await tab.goto(`${server.url}${generator.page}`);
        for (const { marker } of generator.edits) expect(await tab.text("body")).toContain(`${marker}-1`);
        for (const { file, marker } of generator.edits) {
          const loads = tab.loads();
          writeFileSync(join(dir, file), readFileSync(join(dir, file), "utf8").replace(`${marker}-1`, `${marker}-2`));
          expect(await bodyBecomes(tab, `${marker}-2`, 20_000), `${file}:\n${tab.navigations.join("\n")}\n${server.output()}`).toBe(true);
          await quiet(tab);
          expect(tab.loads() - loads, `${file}:\n${tab.navigations.join("\n")}`).toBe(1);
        }
        expect(existsSync(join(dir, generator.cache))).toBe(true);
        const builds = server.output().split("\n").filter((line) => line.includes("Building"));
        expect(builds.map((line) => line.replace(/^.*Building/, "Building")), server.output()).toEqual([
          "Building",
          ...generator.edits.map(({ file }) => `Building (${file} changed)`),
        ]);
      } finally {
        server.proc.kill();
        await server.proc.exited;
      }
    }, 120_000);
  });
}
