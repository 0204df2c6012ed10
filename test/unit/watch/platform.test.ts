import { describe, expect, test } from "bun:test";
import { isSiblingEvent, rearmMayLoseOtherEvents, watchesAncestors, watchFollowsMovedDirectories } from "../../../src/watch/platform.ts";

describe("sibling directories reported under the root by FSEvents' prefix match", () => {
  const root = "/work/build/catalog";
  const existing = new Set(["/work/build/catalog", "/work/build/catalog-old", "/work/build/catalog/-draft"]);
  const exists = (path: string) => existing.has(path);
  test("on macOS, build/catalog-old/x (arriving as -old/x) is a sibling's event and is dropped", () => {
    expect(isSiblingEvent("darwin", root, "-old/index.html", exists)).toBe(true);
  });
  test("a real child whose name starts the same way, or any ordinary child, is kept", () => {
    expect(isSiblingEvent("darwin", root, "-draft/index.html", exists)).toBe(false);
    expect(isSiblingEvent("darwin", root, "index.html", exists)).toBe(false);
  });
  test("other platforms never match by prefix, so nothing is dropped there", () => {
    expect(isSiblingEvent("linux", root, "-old/index.html", exists)).toBe(false);
    expect(isSiblingEvent("win32", root, "-old\\index.html", exists)).toBe(false);
  });
});

describe("events another watcher's re-arm may have cost", () => {
  test("only macOS, with one FSEvents stream per process rebuilt on every re-arm, needs a recheck", () => {
    expect(rearmMayLoseOtherEvents("darwin")).toBe(true);
    expect(rearmMayLoseOtherEvents("linux")).toBe(false);
    expect(rearmMayLoseOtherEvents("win32")).toBe(false);
  });
});

describe("no watch on the root's ancestors where an open handle blocks recreating them", () => {
  test("Linux and macOS watch the parent of a missing or symlinked root; Windows relies on the root check", () => {
    expect(watchesAncestors("linux")).toBe(true);
    expect(watchesAncestors("darwin")).toBe(true);
    expect(watchesAncestors("win32")).toBe(false);
  });
});

describe("a directory moved out of the tree, still followed by the watch", () => {
  test("only Linux's inotify watches inodes and goes on reporting it; FSEvents and Windows watch paths", () => {
    expect(watchFollowsMovedDirectories("linux")).toBe(true);
    expect(watchFollowsMovedDirectories("darwin")).toBe(false);
    expect(watchFollowsMovedDirectories("win32")).toBe(false);
  });
});
