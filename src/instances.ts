import { mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OtherInstance {
  pid: number;
  url: string;
}

/**
 * Records this server as one serving `output`, and returns the others still alive. The record
 * lives in the OS temp directory, keyed by the output's real path, so it is never served nor
 * deleted by a clean build; one file per server, so servers come and go independently, and
 * the file of a process that was killed is dropped by the next one to look.
 * Best effort: a temp directory that cannot be written only means no warning.
 */
export function registerInstance(output: string, url: string, dir: string = tmpdir()): { others: OtherInstance[]; release(): void } {
  const folder = join(dir, `storytime-reload-${process.getuid?.() ?? "user"}-${Bun.hash(realPath(output)).toString(36)}`);
  // The pid names the process; the suffix tells apart two servers started by one process (tests, embedders).
  const own = join(folder, `${process.pid}-${crypto.randomUUID().slice(0, 8)}.json`);
  const others: OtherInstance[] = [];
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(folder)) {
      if (!name.endsWith(".json")) continue;
      const file = join(folder, name);
      const other = readRecord(file);
      if (other && isAlive(other.pid)) others.push(other);
      else rmSync(file, { force: true });
    }
    // Written aside and renamed, so an instance starting at the same moment never reads half a record and drops it.
    writeFileSync(`${own}.tmp`, JSON.stringify({ pid: process.pid, url }));
    renameSync(`${own}.tmp`, own);
  } catch {
    return { others, release() {} };
  }
  return {
    others,
    release() {
      rmSync(own, { force: true });
    },
  };
}

/** The output may not exist yet: then its path as given is the key, as it will be once created. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function readRecord(file: string): OtherInstance | null {
  try {
    const record = JSON.parse(readFileSync(file, "utf8"));
    return Number.isInteger(record.pid) && typeof record.url === "string" ? record : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
