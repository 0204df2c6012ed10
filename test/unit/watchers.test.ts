import { describe, expect, test } from "bun:test";
import { watcherGroup, type startWatcher } from "../../src/watchers.ts";

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
