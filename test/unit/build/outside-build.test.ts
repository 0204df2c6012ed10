import { describe, expect, test } from "bun:test";
import { OutsideBuild } from "../../../src/build/outside-build.ts";
import { eventually } from "../../helpers/eventually.ts";
import { captureLogs } from "../../helpers/logs.ts";

/** An OutsideBuild whose busy periods are recorded; a quiet time far above the pauses below, so which rule ends a period is plain. */
function writer({ writerRunsHere = true, quietMs = 200, firstBuildWaitMs = undefined as number | undefined } = {}) {
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
    output: "/site/public",
    firstBuildWaitMs,
  });
  return { outside, periods, last: () => periods.at(-1)! };
}

type Writer = ReturnType<typeof writer>;

async function over(w: Writer): Promise<void> {
  await eventually(() => w.last().over, { ms: 10_000, every: 5, what: "the busy period to be over" });
}

/** One rebuild after a save: a write, a pause, a write, the writer's closing line; resolves once its busy period is over. */
async function rebuild(w: Writer, pauseMs: number, line = "Done in 12 ms") {
  w.outside.saved();
  w.outside.wrote();
  await Bun.sleep(pauseMs);
  w.outside.wrote();
  w.outside.printed(line);
  await over(w);
}

/** Whether a rebuild that prints `line` after its write is over at once, rather than after the quiet time. */
async function endsAtLine(w: Writer, line = "Done in 7 ms"): Promise<boolean> {
  w.outside.saved();
  w.outside.wrote();
  w.outside.printed(line);
  await Bun.sleep(50);
  const ended = w.last().over;
  await over(w);
  return ended;
}

describe("rebuilds by a writer we do not run per save", () => {
  test("without a writer of our own, only a save (or a late group of its rebuild) starts a busy period, not a stray write", async () => {
    const w = writer({ writerRunsHere: false, quietMs: 20 });
    w.outside.wrote();
    expect(w.periods).toHaveLength(0);
    w.outside.saved();
    expect(w.periods).toHaveLength(1);
    w.outside.wrote();
    await over(w);
    await Bun.sleep(50);
    // 50 ms after the rebuild's last write: a later group of the same rebuild.
    w.outside.wrote();
    expect(w.periods).toHaveLength(2);
  }, 15_000);

  test("a save with no write yet holds pages; so does the pause between groups, up to the widest pause seen, with a margin", async () => {
    const w = writer({ quietMs: 20 });
    w.outside.saved();
    await Bun.sleep(100);
    expect(w.last().over).toBe(false);
    await rebuild(w, 120, "");
    expect(w.outside.gapMs()).toBeGreaterThanOrEqual(180);
    expect(w.outside.gapMs()).toBeLessThan(1_000);
  }, 15_000);

  test("an input change once the rebuild writes (the writer's own lock or cache file) does not hold pages for another rebuild", async () => {
    const w = writer({ quietMs: 20 });
    w.outside.saved();
    w.outside.wrote();
    w.outside.saved();
    await Bun.sleep(1_000);
    expect(w.last().over).toBe(true);
    expect(w.periods).toHaveLength(1);
  }, 15_000);

  test("a group that comes after the rebuild was judged over widens the gap for the next", async () => {
    const w = writer({ quietMs: 20 });
    await rebuild(w, 0, "");
    expect(w.outside.gapMs()).toBe(20);
    await Bun.sleep(150);
    w.outside.wrote();
    expect(w.outside.gapMs()).toBeGreaterThanOrEqual(225);
  }, 15_000);

  test("the line that ended a rebuild ends the next one as soon as it is printed, whatever its numbers", async () => {
    const w = writer();
    expect(await endsAtLine(w)).toBe(false);
    expect(await endsAtLine(w, "Done in 31 ms")).toBe(true);
  }, 15_000);

  test("the writer's first build teaches neither how its rebuilds end nor how long they pause", async () => {
    const w = writer({ quietMs: 20 });
    const gap = w.outside.gapMs();
    w.outside.started();
    w.outside.wrote();
    await Bun.sleep(100);
    w.outside.wrote();
    w.outside.printed("Press Ctrl+C to stop");
    await over(w);
    expect(w.outside.gapMs()).toBe(gap);
    expect(await endsAtLine(w, "Press Ctrl+C to stop")).toBe(false);
  }, 15_000);

  test("a line followed by a later group of its rebuild is not learned; one that ended a rebuild and then came too early is never trusted again", async () => {
    const w = writer();
    await rebuild(w, 0, "Writing page 1");
    w.outside.wrote();
    await over(w);
    expect(await endsAtLine(w, "Writing page 2")).toBe(false);

    const v = writer();
    await rebuild(v, 0);
    expect(await endsAtLine(v)).toBe(true);
    // A later group, which the writer does not end with its line: the line came too early.
    v.outside.wrote();
    await over(v);
    await rebuild(v, 0);
    expect(await endsAtLine(v)).toBe(false);
  }, 15_000);
});

describe("the writer's first build", () => {
  const nothingWritten = (lines: string[]) => lines.filter((line) => line.includes("wrote nothing"));

  test("one that writes nothing holds pages until its wait runs out, then is named once, whatever restarts follow", async () => {
    const w = writer({ firstBuildWaitMs: 50 });
    const logs = captureLogs();
    w.outside.started();
    expect(w.periods).toHaveLength(1);
    await over(w);
    expect(nothingWritten(logs.lines)).toEqual([
      "storytime:build: The --watch-build command wrote nothing in /site/public in the 50 ms since it started, so pages no longer wait for it; if it writes somewhere else, pass that directory as --output.",
    ]);
    w.outside.started();
    await over(w);
    expect(nothingWritten(logs.lines)).toHaveLength(1);
  });

  test("one that writes, or whose writer exits first, is not named", async () => {
    const w = writer({ firstBuildWaitMs: 50 });
    const logs = captureLogs();
    w.outside.started();
    w.outside.wrote();
    await over(w);
    w.outside.started();
    w.outside.endNow();
    await over(w);
    await Bun.sleep(100);
    expect(nothingWritten(logs.lines)).toEqual([]);
  });
});
