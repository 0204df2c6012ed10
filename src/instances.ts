import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { isCode } from "./errors.ts";
import { log } from "./terminal/log.ts";
import { realPathOrNearest } from "./paths.ts";

interface OtherInstance {
  pid: number;
  url: string;
}

/** `<output key>-<pid>-<random>.json`: the pid names the process, the suffix tells apart two servers of one process (tests, embedders). */
/** A record's name (its output's key, then its pid), and of the file it is written in first (`.tmp`). */
const RECORD_NAME = /^([0-9a-z]+)-(\d+)-[0-9a-f]{8}\.json(\.tmp)?$/;

/**
 * Records this server as one serving `output`, and returns the others still alive. Records live
 * in one folder per user, outside the output (never served, never deleted by a clean build), one
 * file per server named after the output's real path, so servers come and go independently; the
 * record of a process that was killed is dropped by the next one to look. The folder's name is
 * predictable, so another local user may have made it first: it is used only if it is a real
 * directory of this user that nobody else can write, and never followed, cleaned or trusted
 * otherwise. Best effort: a folder that cannot be used only means no warning.
 */
export function registerInstance(output: string, url: string, base: string = recordsBase()): { others: OtherInstance[]; release(): void } {
  const folder = recordFolder(base);
  const key = outputKey(output);
  const own = join(folder, `${key}-${process.pid}-${crypto.randomUUID().slice(0, 8)}.json`);
  const unrecorded = { others: [], release() {} };
  // Twice: the last server of another output may remove the empty folder between our check and our write.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!openFolder(folder)) return unrecorded;
    const others = liveRecords(folder, key);
    try {
      writeRecord(own, url);
    } catch (error) {
      if (isCode(error, "ENOENT")) continue;
      return { others, release() {} };
    }
    return {
      others,
      release() {
        rmSync(own, { force: true });
        liveRecords(folder, key);
        removeIfEmpty(folder);
      },
    };
  }
  return unrecorded;
}

/** The other servers of `output` that are alive, without recording this one: for a message about a port they hold. */
export function instancesServing(output: string, base: string = recordsBase()): OtherInstance[] {
  const folder = recordFolder(base);
  return isPrivate(folder) ? liveRecords(folder, outputKey(output)) : [];
}

/** $XDG_RUNTIME_DIR when it is this user's own, as the XDG spec requires it to be; otherwise the temp directory. */
function recordsBase(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime && isAbsolute(runtime) && isPrivate(runtime) ? runtime : tmpdir();
}

function recordFolder(base: string): string {
  return join(base, `storytime-reload-${process.getuid?.() ?? "user"}`);
}

/** Keyed by the real path, so `build/catalog` and a symlinked spelling of it, existing yet or not, are one output. */
function outputKey(output: string): string {
  return Bun.hash(realPathOrNearest(output)).toString(36);
}

/** Creates the folder private, or accepts an existing one only if it is private; says why it refuses one that is not. */
function openFolder(folder: string): boolean {
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if (!isCode(error, "EEXIST")) return false;
  }
  let problem: string | null;
  try {
    problem = distrust(folder);
  } catch {
    return false;
  }
  if (problem) {
    log.warn(`${folder} is ${problem}, so no record of this server is kept there and a second server on this output goes unnoticed; remove it if you did not create it.`);
  }
  return problem === null;
}

/** Why `path` cannot hold records, or null when it is a real directory of this user that no other user can write. */
function distrust(path: string): string | null {
  const info = lstatSync(path);
  if (info.isSymbolicLink()) return "a symbolic link, not a directory";
  if (!info.isDirectory()) return "not a directory";
  // Windows has no POSIX owner or mode bits; its temp directory is per user already.
  if (process.platform === "win32") return null;
  if (info.uid !== process.getuid!()) return `owned by another user (uid ${info.uid})`;
  if (info.mode & 0o022) return "writable by other users";
  return null;
}

function isPrivate(path: string): boolean {
  try {
    return distrust(path) === null;
  } catch {
    return false;
  }
}

/**
 * Valid records of `key` whose process is alive. Records of ended processes are removed whatever
 * their output (a killed server leaves its record behind), so the folder empties with its last
 * server; anything else is left alone.
 */
function liveRecords(folder: string, key: string): OtherInstance[] {
  const others: OtherInstance[] = [];
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return others;
  }
  for (const name of names) {
    const [, recordKey, pid, aside] = RECORD_NAME.exec(name) ?? [];
    if (recordKey === undefined) continue;
    const file = join(folder, name);
    // A server killed between writing its record and renaming it into place left this behind.
    if (aside) {
      if (!isAlive(Number(pid))) rmSync(file, { force: true });
      continue;
    }
    const record = readRecord(file);
    if (!record) continue;
    if (!isAlive(record.pid)) rmSync(file, { force: true });
    else if (recordKey === key) others.push(record);
  }
  return others;
}

/** Written aside and renamed, so an instance starting at the same moment never reads half a record. */
function writeRecord(file: string, url: string): void {
  const aside = `${file}.tmp`;
  try {
    writeFileSync(aside, JSON.stringify({ pid: process.pid, url }), { flag: "wx", mode: 0o600 });
    renameSync(aside, file);
  } catch (error) {
    rmSync(aside, { force: true });
    throw error;
  }
}

/** A record is printed and its pid signalled: only a positive pid and an http URL are taken. */
function readRecord(file: string): OtherInstance | null {
  try {
    const { pid, url } = JSON.parse(readFileSync(file, "utf8"));
    if (!Number.isSafeInteger(pid) || pid <= 0 || typeof url !== "string") return null;
    const parsed = URL.parse(url);
    return parsed?.protocol === "http:" ? { pid, url: parsed.href } : null;
  } catch {
    return null;
  }
}

function removeIfEmpty(folder: string): void {
  try {
    rmdirSync(folder);
  } catch {
    // Another server's record is still there: the last one to stop removes the folder.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return isCode(error, "EPERM");
  }
}
