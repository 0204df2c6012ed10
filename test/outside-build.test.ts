import { describe, expect, test } from "bun:test";
import { OutsideBuild } from "../src/outside-build.ts";

/** An OutsideBuild whose busy periods are recorded; a quiet time far above the pauses below, so which rule ends a period is plain. */
function writer({ writerRunsHere = true, quietMs = 200 } = {}) {
  const periods: Array<{ over: boolean }> = [];
  const outside = new OutsideBuild({
    quietMs,
    writerRunsHere,
    onBusy(idle) {
      const period = { over: false };
      periods.push(period);
      void idle.then(() => (period.over = true));
    },
    confirmWrites: () => Promise.resolve(),
  });
  return { outside, periods, last: () => periods.at(-1)! };
}

/** One rebuild after a save: a write, a pause, a write, the writer's closing line; resolves once its busy period is over. */
async function rebuild(w: ReturnType<typeof writer>, pauseMs: number, line = "Done in 12 ms") {
  w.outside.expect();
  w.outside.wrote();
  await Bun.sleep(pauseMs);
  w.outside.wrote();
  w.outside.printed(line);
  while (!w.last().over) await Bun.sleep(5);
}

describe("rebuilds by a writer we do not run per save", () => {
  test("without a writer of our own, only a save (or a late group of its rebuild) starts a busy period, not a stray write", async () => {
    const w = writer({ writerRunsHere: false, quietMs: 20 });
    w.outside.wrote();
    expect(w.periods).toHaveLength(0);
    w.outside.expect();
    expect(w.periods).toHaveLength(1);
    w.outside.wrote();
    while (!w.last().over) await Bun.sleep(5);
    await Bun.sleep(50);
    // 50 ms after the rebuild's last write: a later group of the same rebuild.
    w.outside.wrote();
    expect(w.periods).toHaveLength(2);
  });

  test("a save with no write yet holds pages; so does the pause between groups, up to the widest pause seen, with a margin", async () => {
    const w = writer({ quietMs: 20 });
    w.outside.expect();
    await Bun.sleep(100);
    expect(w.last().over).toBe(false);
    await rebuild(w, 120, "");
    expect(w.outside.gapMs()).toBeGreaterThanOrEqual(180);
    expect(w.outside.gapMs()).toBeLessThan(1_000);
  });

  test("a group that comes after the rebuild was judged over widens the gap for the next", async () => {
    const w = writer({ quietMs: 20 });
    await rebuild(w, 0, "");
    expect(w.outside.gapMs()).toBe(20);
    await Bun.sleep(150);
    w.outside.wrote();
    expect(w.outside.gapMs()).toBeGreaterThanOrEqual(225);
  });

  test("the line that ended two rebuilds in a row ends the next one as soon as it is printed", async () => {
    const w = writer();
    await rebuild(w, 0);
    await rebuild(w, 0);
    w.outside.expect();
    w.outside.wrote();
    w.outside.printed("Done in 7 ms");
    await Bun.sleep(50);
    expect(w.last().over).toBe(true);
  });

  test("a line that came before more writes of its rebuild is never trusted again", async () => {
    const w = writer();
    await rebuild(w, 0);
    await rebuild(w, 0);
    await rebuild(w, 0);
    // Then a later group that the writer does not end with its line: the line came too early.
    w.outside.wrote();
    while (!w.last().over) await Bun.sleep(5);
    for (let i = 0; i < 3; i++) await rebuild(w, 0);
    w.outside.expect();
    w.outside.wrote();
    w.outside.printed("Done in 7 ms");
    await Bun.sleep(50);
    expect(w.last().over).toBe(false);
  });
});
