import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { onCleanup } from "./cleanup.ts";

/** The checkout, whatever directory the tests run from. */
export const ROOT = join(import.meta.dir, "../..");

/** The command line entry, as `bun CLI …` runs it. */
export const CLI = join(ROOT, "src/cli.ts");

/** A script or worker of test/helpers/fixtures, by file name. */
export const fixture = (name: string) => join(import.meta.dir, "fixtures", name);

/** The lines a build or fixture has appended to `file` so far, blank ones left out; none while it does not exist. */
export function fileLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** A fresh directory, removed by `cleanup()`. */
export function tempDir(prefix = "storytime-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Writes `files` (path → content; a path ending in "/" is an empty directory) under `dir`, a fresh
 * temp dir unless given, making the folders between; returns `dir`.
 */
export function tree(files: Record<string, string | Uint8Array>, dir = tempDir()): string {
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith("/")) {
      mkdirSync(join(dir, path), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}
