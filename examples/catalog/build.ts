#!/usr/bin/env bun
/**
 * Builds the example catalog the way `storytime build INPUT OUTPUT` does: empty the output
 * directory (keeping the directory), render index.html, one page per section, subject and
 * story with relative links, and copy the static files (favicon included, so a browser never asks
 * for a missing /favicon.ico) to OUTPUT/static/.
 *
 * It reads the Python sources with a few regular expressions instead of running Python, so
 * the demo needs nothing but Bun. Every source is read and checked before the output is
 * touched: a broken story leaves the last good catalog in place.
 *
 *   bun examples/catalog/build.ts [INPUT] [OUTPUT]   (defaults: $STORYTIME_INPUT, $STORYTIME_OUTPUT)
 *   CATALOG_BUILD_DELAY_MS=500   pause between emptying the output and writing it, as a slow build would
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

interface Story {
  title: string;
  props: Record<string, string>;
}
interface Subject {
  key: string;
  title: string;
  template: string;
  css: string | null;
  stories: Story[];
}

const input = resolve(process.argv[2] ?? process.env.STORYTIME_INPUT ?? "src/storytime");
const output = resolve(process.argv[3] ?? process.env.STORYTIME_OUTPUT ?? "build/catalog");
const delayMs = Number(process.env.CATALOG_BUILD_DELAY_MS ?? 0);

class CatalogError extends Error {}

try {
  const sections = readSections(input);
  emptyDirectory(output);
  if (delayMs > 0) await Bun.sleep(delayMs);
  writeCatalog(sections, output);
  const pages = sections.reduce((n, s) => n + 1 + s.subjects.reduce((m, subject) => m + 1 + subject.stories.length, 0), 1);
  console.log(`wrote ${pages} pages to ${relative(process.cwd(), output) || "."}`);
} catch (error) {
  if (!(error instanceof CatalogError)) throw error;
  console.error(error.message);
  process.exit(1);
}

function readSections(root: string) {
  const sections: Array<{ key: string; subjects: Subject[] }> = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === "static" || entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    const subjects = readdirSync(join(root, entry.name), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith("_") && !d.name.startsWith("."))
      .map((d) => readSubject(join(root, entry.name, d.name)))
      .filter((s): s is Subject => s !== null)
      .sort((a, b) => a.key.localeCompare(b.key));
    if (subjects.length) sections.push({ key: entry.name, subjects });
  }
  return sections.sort((a, b) => a.key.localeCompare(b.key));
}

function readSubject(dir: string): Subject | null {
  const key = basename(dir);
  const storiesFile = join(dir, "stories.py");
  const stories = readIfExists(storiesFile);
  if (stories === null) return null;
  checkBalanced(storiesFile, stories);
  const component = readIfExists(join(dir, `${key}.py`)) ?? "";
  checkBalanced(join(dir, `${key}.py`), component);
  const template = component.match(/^TEMPLATE\s*=\s*'(.*)'\s*$/m)?.[1] ?? "<div>{title}</div>";
  const title = stories.match(/Subject\(\s*title="([^"]*)"/)?.[1] ?? key;
  const storyList = [...stories.matchAll(/Story\(title="([^"]*)"(?:,\s*props=dict\(([^)]*)\))?\)/g)].map((m) => ({
    title: m[1]!,
    props: Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((p) => [p[1]!, p[2]!])),
  }));
  return { key, title, template, css: readIfExists(join(dir, `${key}.css`)) === null ? null : join(dir, `${key}.css`), stories: storyList };
}

/** Stands in for Python's own SyntaxError: the demo's way to show a failing build. */
function checkBalanced(file: string, source: string) {
  let depth = 0;
  for (const [index, line] of source.split("\n").entries()) {
    for (const char of line.replace(/(["'])(?:\\.|(?!\1).)*\1/g, "")) {
      if ("([{".includes(char)) depth++;
      if (")]}".includes(char)) depth--;
      if (depth < 0) throw new CatalogError(`SyntaxError: unmatched bracket in ${relative(process.cwd(), file)}, line ${index + 1}`);
    }
  }
  if (depth !== 0) throw new CatalogError(`SyntaxError: unclosed bracket in ${relative(process.cwd(), file)}`);
}

function emptyDirectory(dir: string) {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}

function writeCatalog(sections: ReturnType<typeof readSections>, out: string) {
  const staticIn = join(input, "static");
  for (const name of readdirIfExists(staticIn)) copy(join(staticIn, name), join(out, "static", name));
  for (const section of sections) {
    for (const subject of section.subjects) {
      if (subject.css) copy(subject.css, join(out, "static", "components", `${subject.key}.css`));
    }
  }

  const nav = (depth: number) =>
    `<nav><a href="${up(depth)}"><img src="${up(depth)}static/logo.png" alt=""> Catalog</a><ul>` +
    sections
      .flatMap((s) => s.subjects.map((subject) => `<li><a href="${up(depth)}section/${s.key}/${subject.key}/">${escape(subject.title)}</a></li>`))
      .join("") +
    `</ul></nav>`;

  page(out, "", 0, "Catalog", nav(0), `<h1>Catalog</h1><p>${sections.length} section(s). Pick a component.</p>`);
  for (const section of sections) {
    const links = section.subjects.map((s) => `<li><a href="${s.key}/">${escape(s.title)}</a></li>`).join("");
    page(out, `section/${section.key}/`, 2, section.key, nav(2), `<h1>${escape(section.key)}</h1><ul>${links}</ul>`);
    for (const subject of section.subjects) {
      const css = subject.css ? `<link rel="stylesheet" href="${up(3)}static/components/${subject.key}.css">` : "";
      const stories = subject.stories.map((s, i) => `<li><a href="story-${i}/">${escape(s.title)}</a></li>`).join("");
      page(out, `section/${section.key}/${subject.key}/`, 3, subject.title, nav(3), `<h1>${escape(subject.title)}</h1><ul>${stories}</ul>`, css);
      subject.stories.forEach((story, i) => {
        const css4 = subject.css ? `<link rel="stylesheet" href="${up(4)}static/components/${subject.key}.css">` : "";
        const rendered = subject.template.replace(/\{(\w+)\}/g, (_, key: string) => escape(story.props[key] ?? ""));
        const body = `<h1>${escape(subject.title)}: ${escape(story.title)}</h1><div class="stage">${rendered}</div>`;
        page(out, `section/${section.key}/${subject.key}/story-${i}/`, 4, `${subject.title}: ${story.title}`, nav(4), body, css4);
      });
    }
  }
}

function page(out: string, path: string, depth: number, title: string, nav: string, main: string, head = "") {
  const html =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>` +
    `<link rel="icon" href="${up(depth)}static/favicon.svg"><link rel="stylesheet" href="${up(depth)}static/site.css">${head}</head>\n` +
    `<body>${nav}<main>${main}</main></body></html>\n`;
  const file = join(out, path, "index.html");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html);
}

function copy(from: string, to: string) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

function up(depth: number): string {
  return "../".repeat(depth);
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function readdirIfExists(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
