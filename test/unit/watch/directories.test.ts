import { afterEach, describe, expect, test } from "bun:test";
import { realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isInside } from "../../../src/paths.ts";
import { trackSourceDirectories } from "../../../src/watch/directories.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { tree } from "../../helpers/files.ts";

afterEach(cleanup);

describe("the directories that hold sources", () => {
  test("are found without walking the output inside the input, and one removed is a change", () => {
    const dir = tree({ "src/page.md": "x", "_site/index.html": "x", "_site/posts/first.html": "x" });
    const site = realpathSync(join(dir, "_site"));
    const asked: string[] = [];
    const sources = trackSourceDirectories(dir, (path) => (asked.push(path), path.endsWith(".md")), (real) => isInside(real, site));
    expect(asked).toEqual([join("src", "page.md")]);
    rmSync(join(dir, "src"), { recursive: true });
    expect(sources.left("src")).toBe(true);
  });
});
