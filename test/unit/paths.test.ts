import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { displayPath, hasDotName, isHtml, isInside } from "../../src/paths.ts";

describe("isInside", () => {
  test("goes by whole segments: a sibling that shares a prefix is outside, a name that starts with two dots is inside", () => {
    const root = resolve("/site/build/catalog");
    expect(isInside(root, root)).toBe(true);
    expect(isInside(join(root, "a/b.html"), root)).toBe(true);
    expect(isInside(join(root, "..notes"), root)).toBe(true);
    expect(isInside(resolve("/site/build/catalog-old/x"), root)).toBe(false);
    expect(isInside(resolve("/site/build"), root)).toBe(false);
  });

  test("works alike on paths relative to one directory, as the watchers report them", () => {
    expect(isInside("section/a/index.html", "section")).toBe(true);
    expect(isInside("section-b/index.html", "section")).toBe(false);
  });
});

describe("displayPath", () => {
  test("inside the working directory a path is shown relative, even one whose name starts with two dots; outside, absolute", () => {
    const cwd = process.cwd();
    expect(displayPath(join(cwd, "build/catalog"))).toBe(join("build", "catalog"));
    expect(displayPath(join(cwd, "..drafts"))).toBe("..drafts");
    expect(displayPath(resolve(cwd, "../elsewhere"))).toBe(resolve(cwd, "../elsewhere"));
    expect(displayPath(cwd)).toBe(cwd);
  });
});

describe("hasDotName", () => {
  test("any step that starts with a dot, with either separator; a dot inside a name is not one", () => {
    for (const path of [".env", ".git/index", "a/.index.html.swp", "a\\.DS_Store", "/.~tmp~/x.html", "..", "a/../b"]) expect(hasDotName(path)).toBe(true);
    for (const path of ["index.html", "a/b.c/d.html", "", "/a/b/"]) expect(hasDotName(path)).toBe(false);
  });
});

describe("isHtml", () => {
  test("goes by the name's ending, in any case", () => {
    for (const path of ["index.html", "a/B.HTM", "x.Html"]) expect(isHtml(path)).toBe(true);
    for (const path of ["style.css", "index.html.bak", "html", "page.xhtml"]) expect(isHtml(path)).toBe(false);
  });
});
