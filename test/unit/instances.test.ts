import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { instancesServing, registerInstance } from "../../src/instances.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { tempDir, tree } from "../helpers/files.ts";
import { captureLogs } from "../helpers/logs.ts";
import { IS_ROOT, POSIX_FS_SKIP, testUnless } from "../helpers/skip.ts";

afterEach(cleanup);

const uid = process.getuid?.() ?? "user";

/** The folder registerInstance keeps its records in under `base`. */
const folderIn = (base: string) => join(base, `storytime-reload-${uid}`);

/** A record name for `pid` under the same output key as the one record already in `folder`. */
function siblingName(folder: string, pid: number): string {
  const [key] = readdirSync(folder)[0]!.split("-");
  return `${key}-${pid}-0123abcd.json`;
}

const NOT_ROOT = IS_ROOT ? null : "only root can give a folder to another user (nobody)";

describe("registerInstance", () => {
  test("a record left by a process that has died is ignored and removed", async () => {
    const base = tempDir();
    const output = tempDir();
    const first = registerInstance(output, "http://127.0.0.1:1/", base);
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    const stale = join(folderIn(base), siblingName(folderIn(base), dead.pid));
    writeFileSync(stale, JSON.stringify({ pid: dead.pid, url: "http://127.0.0.1:2/" }));
    first.release();
    const mine = registerInstance(output, "http://127.0.0.1:3/", base);
    expect(mine.others).toEqual([]);
    expect(existsSync(stale)).toBe(false);
    mine.release();
  });

  test("a record of a live process is reported, and release removes only this server's own", async () => {
    const base = tempDir();
    const output = tempDir();
    const live = Bun.spawn(["sleep", "30"]);
    try {
      const first = registerInstance(output, "http://127.0.0.1:3/", base);
      const other = siblingName(folderIn(base), live.pid);
      writeFileSync(join(folderIn(base), other), JSON.stringify({ pid: live.pid, url: "http://127.0.0.1:4/" }));
      const second = registerInstance(output, "http://127.0.0.1:5/", base);
      expect(second.others).toContainEqual({ pid: live.pid, url: "http://127.0.0.1:4/" });
      expect(second.others).toContainEqual({ pid: process.pid, url: "http://127.0.0.1:3/" });
      second.release();
      first.release();
      expect(readdirSync(folderIn(base))).toEqual([other]);
    } finally {
      live.kill("SIGKILL");
    }
  });

  test("another output is another key", () => {
    const base = tempDir();
    const first = registerInstance(tempDir(), "http://127.0.0.1:3/", base);
    expect(registerInstance(tempDir(), "http://127.0.0.1:4/", base).others).toEqual([]);
    first.release();
  });

  testUnless(POSIX_FS_SKIP)("an output not there yet under a symlinked parent is one output with its real spelling", () => {
    const base = tempDir();
    const project = tempDir();
    mkdirSync(join(project, "real-build"));
    symlinkSync(join(project, "real-build"), join(project, "build"));
    const first = registerInstance(join(project, "build/catalog"), "http://127.0.0.1:3/", base);
    expect(registerInstance(join(project, "real-build/catalog"), "http://127.0.0.1:4/", base).others).toEqual([{ pid: process.pid, url: "http://127.0.0.1:3/" }]);
    first.release();
  });

  test("a temp directory that cannot be written means no warning, not a failure", () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "");
    const result = registerInstance(tempDir(), "http://127.0.0.1:3/", file);
    expect(result.others).toEqual([]);
    expect(() => result.release()).not.toThrow();
  });

  test("the folder is made private and removed when the last server of any output stops", () => {
    const base = tempDir();
    const first = registerInstance(tempDir(), "http://127.0.0.1:3/", base);
    const second = registerInstance(tempDir(), "http://127.0.0.1:4/", base);
    if (process.platform !== "win32") expect(statSync(folderIn(base)).mode & 0o777).toBe(0o700);
    first.release();
    expect(existsSync(folderIn(base))).toBe(true);
    second.release();
    expect(readdirSync(base)).toEqual([]);
  });

  test("records left by killed servers of other outputs are removed too, so the folder goes with the last server", async () => {
    const base = tempDir();
    const first = registerInstance(tempDir(), "http://127.0.0.1:3/", base);
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    writeFileSync(join(folderIn(base), `otherkey-${dead.pid}-0123abcd.json`), JSON.stringify({ pid: dead.pid, url: "http://127.0.0.1:2/" }));
    first.release();
    expect(readdirSync(base)).toEqual([]);
  });

  test("a record a killed server wrote but never renamed into place is removed too; a live server's is not", async () => {
    const base = tempDir();
    const first = registerInstance(tempDir(), "http://127.0.0.1:3/", base);
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    const folder = folderIn(base);
    writeFileSync(join(folder, `otherkey-${dead.pid}-0123abcd.json.tmp`), "{");
    writeFileSync(join(folder, `otherkey-${process.ppid}-0123abcd.json.tmp`), "{");
    first.release();
    expect(readdirSync(folder)).toEqual([`otherkey-${process.ppid}-0123abcd.json.tmp`]);
  });

  test("records whose pid is not a positive whole number, or whose URL is not http, are neither reported nor deleted", () => {
    const base = tempDir();
    const output = tempDir();
    registerInstance(output, "http://127.0.0.1:3/", base);
    const folder = folderIn(base);
    const forged = [
      { pid: 0, url: "http://127.0.0.1:4/" },
      { pid: -1, url: "http://127.0.0.1:4/" },
      { pid: 1.5, url: "http://127.0.0.1:4/" },
      { pid: String(process.pid), url: "http://127.0.0.1:4/" },
      { pid: process.pid, url: "javascript:alert(1)" },
      { pid: process.pid, url: "\x1b[2J\x1b]0;pwned\x07" },
      { pid: process.pid, url: 42 },
    ].map((record, index) => {
      const name = siblingName(folder, 100 + index);
      writeFileSync(join(folder, name), JSON.stringify(record));
      return name;
    });
    writeFileSync(join(folder, siblingName(folder, 200)), "not json");
    expect(registerInstance(output, "http://127.0.0.1:5/", base).others).toEqual([{ pid: process.pid, url: "http://127.0.0.1:3/" }]);
    for (const name of forged) expect(existsSync(join(folder, name))).toBe(true);
  });
});

describe("a record folder someone else made first", () => {
  /** Another project's files, and a record-like JSON among them that is not a live record. */
  function victim() {
    return tree({ "package.json": "{}", "tsconfig.json": "{}" });
  }

  testUnless(POSIX_FS_SKIP)("a symlink in its place is refused: nothing behind it is read, written or deleted", () => {
    const base = tempDir();
    const project = victim();
    symlinkSync(project, folderIn(base));
    const logs = captureLogs();
    const result = registerInstance(tempDir(), "http://127.0.0.1:3/", base);
    result.release();
    expect(result.others).toEqual([]);
    expect(readdirSync(project).sort()).toEqual(["package.json", "tsconfig.json"]);
    expect(logs.lines.join("\n")).toContain(`${folderIn(base)} is a symbolic link, not a directory, so no record of this server is kept there`);
  });

  testUnless(POSIX_FS_SKIP)("a folder other users may write is refused: a record planted there is not reported, the folder not cleaned", () => {
    const base = tempDir();
    const output = tempDir();
    const folder = folderIn(base);
    mkdirSync(folder);
    chmodSync(folder, 0o777);
    const planted = join(folder, "planted.json");
    writeFileSync(planted, JSON.stringify({ pid: process.pid, url: "http://evil.example/" }));
    const logs = captureLogs();
    const result = registerInstance(output, "http://127.0.0.1:3/", base);
    result.release();
    expect(result.others).toEqual([]);
    expect(readdirSync(folder)).toEqual(["planted.json"]);
    expect(instancesServing(output, base)).toEqual([]);
    expect(logs.lines.join("\n")).toContain("is writable by other users");
  });

  testUnless(POSIX_FS_SKIP ?? NOT_ROOT)("a folder owned by another user is refused", () => {
    const base = tempDir();
    const output = tempDir();
    const first = registerInstance(output, "http://127.0.0.1:3/", base);
    // The record of a live server, then the folder handed to nobody: as if nobody had made it and planted the record.
    chownSync(folderIn(base), 65534, 65534);
    const logs = captureLogs();
    const result = registerInstance(output, "http://127.0.0.1:4/", base);
    expect(result.others).toEqual([]);
    expect(readdirSync(folderIn(base))).toHaveLength(1);
    expect(logs.lines.join("\n")).toContain("is owned by another user (uid 65534)");
    first.release();
  });
});

describe("where records are kept", () => {
  testUnless(POSIX_FS_SKIP)("in $XDG_RUNTIME_DIR when it is this user's own, else in the temp directory", () => {
    const saved = { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, TMPDIR: process.env.TMPDIR };
    const [runtime, temp, output] = [tempDir(), tempDir(), tempDir()];
    try {
      process.env.TMPDIR = temp;
      process.env.XDG_RUNTIME_DIR = runtime;
      registerInstance(output, "http://127.0.0.1:3/");
      expect(readdirSync(runtime)).toEqual([`storytime-reload-${uid}`]);
      chmodSync(runtime, 0o777);
      registerInstance(output, "http://127.0.0.1:4/");
      expect(readdirSync(temp)).toEqual([`storytime-reload-${uid}`]);
    } finally {
      Object.assign(process.env, saved);
      for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
    }
  });
});
