import { describe, expect, test } from "bun:test";
import { mustRearm } from "../../../src/watch/root.ts";

describe("the re-arm decision, the same on every platform", () => {
  const dir = { kind: "dir", dev: 1, ino: 10 } as const;
  test("a root that vanished, became a file, became unreadable or is another directory now is re-armed", () => {
    expect(mustRearm(dir, { kind: "missing" })).toBe(true);
    expect(mustRearm(dir, { kind: "not-a-directory" })).toBe(true);
    expect(mustRearm(dir, { kind: "unreadable" })).toBe(true);
    expect(mustRearm(dir, { kind: "dir", dev: 1, ino: 11 })).toBe(true);
    expect(mustRearm(dir, { kind: "dir", dev: 2, ino: 10 })).toBe(true);
  });
  test("the same directory is left alone, and a root still missing is only awaited", () => {
    expect(mustRearm(dir, { ...dir })).toBe(false);
    expect(mustRearm({ kind: "missing" }, { kind: "missing" })).toBe(false);
    expect(mustRearm({ kind: "unreadable" }, { kind: "unreadable" })).toBe(false);
    expect(mustRearm({ kind: "missing" }, dir)).toBe(true);
  });
});
