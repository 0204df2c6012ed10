import { describe, expect, test } from "bun:test";
import { TAIL_LINES } from "../../src/build/output.ts";
import { FIRST_BUILD_WAIT_MS } from "../../src/build/outside-build.ts";
import { STILL_RUNNING_EVERY_MS } from "../../src/build/runner.ts";
import { SELF_TRIGGER_BUILDS } from "../../src/build/self-trigger.ts";
import { MAX_LINE_CHARS } from "../../src/build/shell.ts";
import { HEALTHY_RUN_MS, restartDelayMs } from "../../src/build/watch-build.ts";
import { LOOKUP_TIMEOUT_MS } from "../../src/host.ts";
import { PAGE_CACHE_BYTES } from "../../src/http/pages.ts";
import { platformTiming } from "../../src/timing.ts";

/**
 * The limits README.md quotes, held to the code: tests elsewhere pass their own, shorter values
 * to run fast, so a change to one of these would otherwise leave README untrue and every test green.
 */
describe("the numbers README states", () => {
  test("pages wait for a build up to 2 minutes, and for output that never goes quiet 2 s", () => {
    for (const platform of ["linux", "darwin", "win32"] as const) {
      expect(platformTiming(platform).gate).toMatchObject({ maxBuildWaitMs: 120_000, maxQuietWaitMs: 2_000 });
    }
  });

  test("a long build is said to be still running every 10 s", () => {
    expect(STILL_RUNNING_EVERY_MS).toBe(10_000);
  });

  test("a failed build shows its last 20 lines; a line is cut at 1,000 characters; 5 self-triggered builds are named", () => {
    expect([TAIL_LINES, MAX_LINE_CHARS, SELF_TRIGGER_BUILDS]).toEqual([20, 1_000, 5]);
  });

  test("a --watch-build command is started again after 1 s, then 2, 4, … up to 30 s; one that ran 30 s was healthy; its first build is waited for 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(restartDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect([HEALTHY_RUN_MS, FIRST_BUILD_WAIT_MS]).toEqual([30_000, 30_000]);
  });

  test("a --host name must resolve within 3 s; pages are kept in memory up to 4 MiB", () => {
    expect(LOOKUP_TIMEOUT_MS).toBe(3_000);
    expect(PAGE_CACHE_BYTES).toBe(4 * 1024 * 1024);
  });
});
