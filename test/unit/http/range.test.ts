import { describe, expect, test } from "bun:test";
import { requestedRange } from "../../../src/http/range.ts";

const asked = (range: string, size: number, more: Record<string, string> = {}) => requestedRange(new Headers({ range, ...more }), size);

describe("requestedRange", () => {
  test.each([
    ["bytes=0-0", { start: 0, end: 0 }],
    ["bytes=1-2", { start: 1, end: 2 }],
    ["bytes=4-", { start: 4, end: 9 }],
    ["bytes=4-400", { start: 4, end: 9 }],
    ["bytes=-3", { start: 7, end: 9 }],
    ["bytes=-30", { start: 0, end: 9 }],
    ["BYTES= 2-3 ", { start: 2, end: 3 }],
    ["bytes=2-3, 50-60", { start: 2, end: 3 }],
  ])("%s of 10 bytes is one range", (range, expected) => {
    expect(asked(range, 10)).toEqual(expected);
  });

  test.each([["bytes=10-"], ["bytes=10-20"], ["bytes=-0"], ["bytes=10-20, 30-40"], ["bytes=-0, 12-"]])("%s of 10 bytes is unsatisfiable", (range) => {
    expect(asked(range, 10)).toBe("unsatisfiable");
  });

  test("nothing of an empty body can be sent, not even a suffix", () => {
    expect(asked("bytes=0-", 0)).toBe("unsatisfiable");
    expect(asked("bytes=-5", 0)).toBe("unsatisfiable");
  });

  test.each([["items=0-1"], ["bytes=5-2"], ["bytes=a-b"], ["bytes=-"], ["bytes="], ["bytes=0-1,"], ["0-1"]])("%s is malformed or another unit, and ignored: the whole body", (range) => {
    expect(asked(range, 10)).toBeNull();
  });

  test("several satisfiable ranges are answered with the whole body", () => {
    expect(asked("bytes=0-1, 4-5", 10)).toBeNull();
  });

  test("an If-Range sends the whole body: our validators are weak", () => {
    expect(asked("bytes=0-1", 10, { "if-range": 'W/"x"' })).toBeNull();
  });

  test("no Range, no range", () => {
    expect(requestedRange(new Headers(), 10)).toBeNull();
  });
});
