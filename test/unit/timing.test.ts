import { describe, expect, test } from "bun:test";
import { watchTiming } from "../../src/timing.ts";

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
