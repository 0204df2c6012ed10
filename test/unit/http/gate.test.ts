import { describe, expect, test } from "bun:test";
import { OutputChanges } from "../../../src/http/gate.ts";

// Wide margins between the limits, so the checks below depend on which rule applies, not on timing.
const limits = { quietMs: 20, burstQuietMs: 300, burstEvents: 20, maxQuietWaitMs: 2_000, maxBuildWaitMs: 30_000 };

describe("the page gate", () => {
  test("opens right away when nothing changed, and counts every change", () => {
    const changes = new OutputChanges(limits);
    expect(changes.settled()).toBeNull();
    changes.record();
    changes.record();
    expect(changes.version).toBe(2);
  });

  test("a single save holds pages for the short quiet time only", async () => {
    const changes = new OutputChanges(limits);
    changes.record();
    changes.record();
    expect(changes.settled()).not.toBeNull();
    await Bun.sleep(100);
    expect(changes.settled()).toBeNull();
  });

  test("a burst holds pages for the longer quiet time, so a writer that stalls mid-burst is waited for", async () => {
    const changes = new OutputChanges(limits);
    for (let i = 0; i < 30; i++) changes.record();
    await Bun.sleep(100);
    expect(changes.settled()).not.toBeNull();
  });

  test("pages wait for a running build, and the build's own writes need no quiet time after it", async () => {
    const changes = new OutputChanges({ ...limits, quietMs: 1_000 });
    let finish!: () => void;
    changes.holdFor(new Promise<void>((resolve) => (finish = resolve)));
    const waiting = changes.settled();
    expect(waiting).not.toBeNull();
    let served = false;
    void waiting!.then(() => (served = true));
    changes.record();
    await Bun.sleep(50);
    expect(served).toBe(false);
    finish();
    // Well before the 1 s quiet time a stranger's change would need.
    await Promise.race([waiting, Bun.sleep(300)]);
    expect(served).toBe(true);
  });

  test("a change after the build's own writes needs the full quiet time again", async () => {
    const changes = new OutputChanges({ ...limits, quietMs: 1_000 });
    changes.holdFor(Promise.resolve());
    await Bun.sleep(50);
    changes.record();
    expect(changes.settled()).not.toBeNull();
  });
});

describe("the watcher's confirmation that quiet output is quiet", () => {
  test("a change still on its way when the quiet time ends is waited for before the page is served", async () => {
    const changes = new OutputChanges(limits);
    let late = true;
    // The watcher delivers one more event, held up on a loaded machine, when asked to confirm.
    changes.confirmWith(async () => {
      if (late) changes.record();
      late = false;
    });
    changes.record();
    const before = changes.version;
    const waiting = changes.settled();
    expect(waiting).not.toBeNull();
    await waiting;
    expect(changes.version).toBe(before + 1);
    expect(late).toBe(false);
  });

  test("nothing is confirmed when pages had nothing to wait for", () => {
    const changes = new OutputChanges(limits);
    let asked = 0;
    changes.confirmWith(async () => void asked++);
    expect(changes.settled()).toBeNull();
    expect(asked).toBe(0);
  });
});

describe("the limits on how long a page is held", () => {
  /** How a wait ended, or "still held" if it had not within `ms`. */
  const outcome = <T>(wait: Promise<T>, ms: number) => Promise.race([wait, Bun.sleep(ms).then(() => "still held" as const)]);

  test("a build that never ends holds pages until maxBuildWaitMs, then they are served, said to be late", async () => {
    const changes = new OutputChanges({ ...limits, maxBuildWaitMs: 100 });
    changes.holdFor(new Promise(() => {}));
    expect(await outcome(changes.settled()!, 1_000)).toBe(false);
  });

  test("output that never goes quiet is served after maxQuietWaitMs, while the writes go on", async () => {
    const changes = new OutputChanges({ ...limits, maxQuietWaitMs: 200 });
    const writer = setInterval(() => changes.record(), 5);
    try {
      changes.record();
      expect(await outcome(changes.settled()!, 1_500)).toBe(true);
    } finally {
      clearInterval(writer);
    }
  });

  test("a watcher that never confirms holds a page no longer than maxQuietWaitMs", async () => {
    const changes = new OutputChanges({ ...limits, maxQuietWaitMs: 200 });
    changes.confirmWith(() => new Promise(() => {}));
    changes.record();
    expect(await outcome(changes.settled()!, 1_500)).toBe(true);
  });
});
