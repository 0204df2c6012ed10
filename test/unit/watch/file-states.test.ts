import { afterEach, describe, expect, test } from "bun:test";
import { rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newFileStates } from "../../../src/watch/file-states.ts";
import { fileTimesFinerThanSaveSettle } from "../../../src/watch/platform.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { tree } from "../../helpers/files.ts";

afterEach(cleanup);

describe("a file's state against its last report", () => {
  test("a second event for a file unchanged since its report is no change; a new write, a new time or a removal is", () => {
    const file = join(tree({ "page.md": "one" }), "page.md");
    const isNew = newFileStates();
    expect(isNew(file)).toBe(true);
    expect(isNew(file)).toBe(false);
    writeFileSync(file, "two, longer");
    expect(isNew(file)).toBe(true);
    utimesSync(file, new Date(2_000_000_000_000), new Date(2_000_000_000_000));
    expect(isNew(file)).toBe(true);
    rmSync(file);
    expect(isNew(file)).toBe(true);
    writeFileSync(file, "two, longer");
    expect(isNew(file)).toBe(true);
  });

  test("each file has its own record", () => {
    const dir = tree({ "a.md": "a", "b.md": "b" });
    const isNew = newFileStates();
    expect(isNew(join(dir, "a.md"))).toBe(true);
    expect(isNew(join(dir, "b.md"))).toBe(true);
    expect(isNew(join(dir, "a.md"))).toBe(false);
  });
});

describe("where an unchanged state may be trusted", () => {
  test("not on Windows, whose file clock moves every 15.6 ms, more than its 10 ms save settle", () => {
    expect(fileTimesFinerThanSaveSettle("linux")).toBe(true);
    expect(fileTimesFinerThanSaveSettle("darwin")).toBe(true);
    expect(fileTimesFinerThanSaveSettle("win32")).toBe(false);
  });
});
