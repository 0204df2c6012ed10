import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watchTiming } from "../src/timing.ts";
import { isSiblingEvent, rearmMayLoseOtherEvents, watchesAncestors, watchFollowsMovedDirectories } from "../src/watch/platform.ts";
import { modifiedSince } from "../src/watch/worker-main.ts";

describe("waits chosen per platform from how its watcher delivers events", () => {
  test("on macOS every wait outlasts FSEvents' 50 ms batch interval, so one save builds once and one burst reloads once", () => {
    const mac = watchTiming("darwin");
    expect(mac.saveSettleMs).toBeGreaterThan(50);
    expect(mac.quietMs).toBeGreaterThan(50);
    expect(mac.burstQuietMs).toBeGreaterThan(mac.quietMs);
  });
  test("on Linux and Windows, whose events arrive at once, the waits stay short", () => {
    for (const platform of ["linux", "win32"] as const) {
      expect(watchTiming(platform)).toEqual({ saveSettleMs: 10, quietMs: 20, burstQuietMs: 60 });
    }
  });
});

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

  test("a recheck reports the files modified since the given time, and only those", async () => {
    const root = mkdtempSync(join(tmpdir(), "storytime-recheck-"));
    try {
      mkdirSync(join(root, "components/.git"), { recursive: true });
      writeFileSync(join(root, "components/old.py"), "");
      utimesSync(join(root, "components/old.py"), 1_000, 1_000);
      const since = Date.now() - 5_000;
      writeFileSync(join(root, "components/new.py"), "");
      writeFileSync(join(root, "components/.git/index"), "");
      expect(modifiedSince(root, since)).toEqual([join("components", "new.py")]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
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
