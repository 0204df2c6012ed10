import { describe, expect, test } from "bun:test";
import { RELEVANT_EXTENSIONS, isRelevant } from "../src/watch/relevant.ts";

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
