import { describe, expect, test } from "bun:test";
import { startWatcher, unwatchableMessage, watcherGroup, watchLimitRemedy } from "../../src/watchers.ts";

/** Watchers that start no worker: `report(i, path)` makes the i-th report a change, `rechecks` lists who was asked to look again. */
function fakeWatchers() {
  const reporters: Array<(path: string | null) => void> = [];
  const rechecks: number[] = [];
  const watch: typeof startWatcher = (_kind, _root, onChange) => {
    const index = reporters.push(onChange) - 1;
    return { ready: Promise.resolve(), flush: async () => true, recheck: () => void rechecks.push(index), stop() {} };
  };
  return { watch, rechecks, report: (index: number, path: string | null) => reporters[index]!(path) };
}

describe("the watchers of one app", () => {
  test("on macOS, one watcher's re-arm makes every other look for what it may have missed, before the change is handled", () => {
    const { watch, rechecks, report } = fakeWatchers();
    const group = watcherGroup(watch, "darwin");
    const seen: Array<string | null> = [];
    for (const kind of ["output", "input", "input"] as const) group.watch(kind, `/${kind}`, (path) => seen.push(`${path} after ${rechecks.length} rechecks`));
    report(1, null);
    expect(rechecks.sort()).toEqual([0, 2]);
    expect(seen).toEqual(["null after 2 rechecks"]);
    report(0, "index.html");
    expect(rechecks).toHaveLength(2);
  });

  test("elsewhere each watch is independent: a re-arm asks nothing of the others", () => {
    for (const platform of ["linux", "win32"] as const) {
      const { watch, rechecks, report } = fakeWatchers();
      const group = watcherGroup(watch, platform);
      group.watch("output", "/out", () => {});
      group.watch("input", "/in", () => {});
      report(0, null);
      expect(rechecks).toEqual([]);
    }
  });
});

describe("the watch-limit hint, per platform", () => {
  test("Linux names the inotify sysctl for watches, and the open-file or instance limit for EMFILE", () => {
    expect(watchLimitRemedy("ENOSPC", "linux")).toContain("sysctl fs.inotify.max_user_watches=");
    expect(watchLimitRemedy("EMFILE", "linux")).toContain("ulimit -n");
  });
  test("macOS and Windows never name Linux's sysctl; other errors get no limit hint", () => {
    for (const platform of ["darwin", "win32"] as const) {
      for (const code of ["ENOSPC", "EMFILE"]) {
        expect(watchLimitRemedy(code, platform)).not.toContain("inotify");
      }
    }
    expect(watchLimitRemedy("EMFILE", "darwin")).toContain("ulimit -n");
    expect(watchLimitRemedy("EMFILE", "win32")).toContain("handles");
    expect(watchLimitRemedy("EACCES", "linux")).toBeNull();
  });
});

describe("a directory left out of the watch, as told", () => {
  test("unreadable (Bun reports EACCES as EPERM): the full path, the reason and how to fix it", () => {
    for (const code of ["EACCES", "EPERM"]) {
      const told = unwatchableMessage("output", "/site/out", "locked", code);
      expect(told).toStartWith("/site/out/locked is not watched: permission denied");
      expect(told).toContain("the rest of the output directory is watched");
      expect(told).toContain("chmod u+rx");
    }
  });
  test("nested too deep: the path cut to its start, with its length; any other reason named", () => {
    const deep = Array.from({ length: 17 }, () => "y".repeat(250)).join("/");
    const told = unwatchableMessage("input", "/src", deep, "ENAMETOOLONG");
    expect(told).toStartWith(`/src/${"y".repeat(100)}`);
    expect(told).toContain(`(${deep.length + 5} characters)`);
    expect(told).toContain("longer than the system allows");
    expect(told.length).toBeLessThan(500);
    expect(unwatchableMessage("input", "/src", "odd", "EIO")).toContain("/src/odd is not watched (EIO)");
  });
});
