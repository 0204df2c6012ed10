import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startWatcher } from "../../../src/watchers.ts";
import { cleanup, onCleanup } from "../../helpers/cleanup.ts";
import { fixture, tempDir } from "../../helpers/files.ts";
import { POSIX_FS_SKIP, testUnless } from "../../helpers/skip.ts";

afterEach(cleanup);

function watchOutput(dir: string, spawnWorker?: () => Worker) {
  const changes: Array<string | null> = [];
  const watcher = startWatcher("output", dir, (path) => changes.push(path), { spawnWorker });
  onCleanup(() => watcher.stop());
  return { watcher, changes };
}

describe("a flush of the output watcher", () => {
  test("waits for a watcher thread that reports late, so no change made before it arrives after it", async () => {
    const dir = join(tempDir(), "out");
    mkdirSync(dir);
    const { watcher, changes } = watchOutput(dir, () => new Worker(fixture("stalled-reports.worker.ts")));
    await watcher.ready;
    writeFileSync(join(dir, "index.html"), "built");
    expect(await watcher.flush()).toBe(true);
    expect(changes).toContain("index.html");
  });

  // Windows refuses to rename a directory that a watch holds open.
  testUnless(POSIX_FS_SKIP)("is answered by evidence after the root is replaced behind the watch's back", async () => {
    const parent = tempDir();
    const dir = join(parent, "out");
    mkdirSync(dir);
    const { watcher, changes } = watchOutput(dir);
    await watcher.ready;
    // Moved away, not deleted: the old watch follows the moved directory, so a marker written
    // before the re-arm lands unwatched. Whether the worker re-arms first is a race: six rounds.
    for (let round = 0; round < 6; round++) {
      renameSync(dir, join(parent, `old-${round}`));
      mkdirSync(dir);
      expect(await watcher.flush()).toBe(true);
    }
    expect(changes).toContain(null);
  });
});
