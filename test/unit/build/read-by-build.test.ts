import { afterEach, describe, expect, test } from "bun:test";
import { rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ReadByBuild } from "../../../src/build/read-by-build.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { tree } from "../../helpers/files.ts";

afterEach(cleanup);

describe("what a build read of the files that started it", () => {
  test("a late event of a file unchanged since its build started is no change; a new write, a new time or a removal is", () => {
    const file = join(tree({ "page.md": "one" }), "page.md");
    const read = new ReadByBuild();
    expect(read.isNew(file)).toBe(true);
    read.buildStarting();
    expect(read.isNew(file)).toBe(false);
    expect(read.isNew(file)).toBe(false);
    writeFileSync(file, "two, longer");
    expect(read.isNew(file)).toBe(true);
    read.buildStarting();
    utimesSync(file, new Date(2_000_000_000_000), new Date(2_000_000_000_000));
    expect(read.isNew(file)).toBe(true);
    read.buildStarting();
    rmSync(file);
    expect(read.isNew(file)).toBe(true);
  });

  test("the state is taken as the build starts, not at the first event, which may see the file between truncation and write", () => {
    const file = join(tree({ "page.md": "" }), "page.md");
    const read = new ReadByBuild();
    expect(read.isNew(file)).toBe(true);
    writeFileSync(file, "the whole save");
    read.buildStarting();
    expect(read.isNew(file)).toBe(false);
  });

  test("before any build starts, every event counts", () => {
    const file = join(tree({ "page.md": "one" }), "page.md");
    const read = new ReadByBuild();
    expect(read.isNew(file)).toBe(true);
    expect(read.isNew(file)).toBe(true);
  });

  test("on a file system whose clock ticks once a second, a second save of the same size is a change", () => {
    const file = join(tree({ "page.md": "AAAA" }), "page.md");
    // Every time and the size of the first save, as ext3 or FAT report a save in the same second.
    const first = statSync(file, { bigint: true });
    const read = new ReadByBuild(() => first);
    expect(read.isNew(file)).toBe(true);
    read.buildStarting();
    writeFileSync(file, "BBBB");
    expect(read.isNew(file)).toBe(true);
  });

  test("a checkout's worth of files, or bytes past what is read at a build's start, is not recorded: their late events build again", () => {
    const many = tree(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`page-${i}.md`, "x"])));
    const read = new ReadByBuild();
    for (let i = 0; i < 51; i++) read.isNew(join(many, `page-${i}.md`));
    read.buildStarting();
    expect(read.isNew(join(many, "page-0.md"))).toBe(true);

    const big = new Uint8Array(5 * 1024 * 1024);
    const dir = tree({ "a.png": big, "b.png": big });
    read.isNew(join(dir, "a.png"));
    read.isNew(join(dir, "b.png"));
    read.buildStarting();
    expect([read.isNew(join(dir, "a.png")), read.isNew(join(dir, "b.png"))]).toEqual([false, true]);
  });
});
