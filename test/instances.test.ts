import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { registerInstance } from "../src/instances.ts";
import { cleanup, tempDir } from "./helpers.ts";

afterEach(cleanup);

/** The one folder registerInstance made under `dir`. */
const folderIn = (dir: string) => join(dir, readdirSync(dir)[0]!);

describe("registerInstance", () => {
  test("a record left by a process that has died is ignored and removed", async () => {
    const dir = tempDir();
    const output = tempDir();
    registerInstance(output, "http://127.0.0.1:1/", dir).release();
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    const stale = join(folderIn(dir), `${dead.pid}-stale.json`);
    writeFileSync(stale, JSON.stringify({ pid: dead.pid, url: "http://127.0.0.1:2/" }));
    const mine = registerInstance(output, "http://127.0.0.1:3/", dir);
    expect(mine.others).toEqual([]);
    expect(existsSync(stale)).toBe(false);
    mine.release();
  });

  test("a record of a live process is reported, and release removes only this server's own", async () => {
    const dir = tempDir();
    const output = tempDir();
    const live = Bun.spawn(["sleep", "30"]);
    try {
      const first = registerInstance(output, "http://127.0.0.1:3/", dir);
      const other = join(folderIn(dir), `${live.pid}-other.json`);
      writeFileSync(other, JSON.stringify({ pid: live.pid, url: "http://127.0.0.1:4/" }));
      const second = registerInstance(output, "http://127.0.0.1:5/", dir);
      expect(second.others).toContainEqual({ pid: live.pid, url: "http://127.0.0.1:4/" });
      expect(second.others).toContainEqual({ pid: process.pid, url: "http://127.0.0.1:3/" });
      second.release();
      first.release();
      expect(readdirSync(folderIn(dir))).toEqual([`${live.pid}-other.json`]);
    } finally {
      live.kill("SIGKILL");
    }
  });

  test("another output is another key", () => {
    const dir = tempDir();
    const first = registerInstance(tempDir(), "http://127.0.0.1:3/", dir);
    expect(registerInstance(tempDir(), "http://127.0.0.1:4/", dir).others).toEqual([]);
    first.release();
  });

  test("a temp directory that cannot be written means no warning, not a failure", () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "");
    const result = registerInstance(tempDir(), "http://127.0.0.1:3/", file);
    expect(result.others).toEqual([]);
    expect(() => result.release()).not.toThrow();
  });
});
