import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CHROMIUM_LOOKUP, FIREFOX_LOOKUP, locate } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { tempDir } from "../helpers/files.ts";
import { run } from "../helpers/process.ts";

afterEach(cleanup);

/** A directory holding an executable file for each name, to stand for PATH. */
function binDir(...names: string[]): string {
  const dir = tempDir();
  for (const name of names) {
    writeFileSync(join(dir, name), "#!/bin/sh\n");
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe("where a browser is looked for", () => {
  test("the names distributions give Chromium are found on PATH", () => {
    for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
      const dir = binDir(name);
      expect(locate(CHROMIUM_LOOKUP, { PATH: dir })).toEqual({ path: join(dir, name), missing: null });
    }
  });

  test("CHROMIUM_PATH, then CHROME_PATH, is the only place looked when set", () => {
    const onPath = binDir("chromium");
    const chosen = join(binDir("my-chrome"), "my-chrome");
    expect(locate(CHROMIUM_LOOKUP, { PATH: onPath, CHROMIUM_PATH: chosen }).path).toBe(chosen);
    expect(locate(CHROMIUM_LOOKUP, { PATH: onPath, CHROME_PATH: chosen }).path).toBe(chosen);
    expect(locate(CHROMIUM_LOOKUP, { PATH: onPath, CHROMIUM_PATH: "/nowhere/chromium", CHROME_PATH: chosen })).toEqual({
      path: null,
      missing: "CHROMIUM_PATH=/nowhere/chromium is not a file: point it at Chromium's binary, or unset it",
    });
  });

  test("a variable naming a directory is not taken for the browser", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "firefox"));
    expect(locate(FIREFOX_LOOKUP, { FIREFOX_PATH: join(dir, "firefox") }).missing).toContain("is not a file");
  });

  test("nothing found: the reason names what was looked for and how to fix it", () => {
    expect(locate(FIREFOX_LOOKUP, { PATH: tempDir() }).missing).toBe(
      "Firefox is not installed (no firefox-esr, firefox on PATH, no /Applications/Firefox.app/Contents/MacOS/firefox): install it (sudo apt-get install firefox-esr) or set FIREFOX_PATH",
    );
  });
});

describe("without the browsers", () => {
  test("every browser test is skipped with its reason, none fails", async () => {
    const files = readdirSync(import.meta.dir)
      .filter((name) => name.endsWith(".test.ts") && name !== "browser.test.ts")
      .map((name) => join(import.meta.dir, name));
    const env = { CHROMIUM_PATH: "/nowhere/chromium", FIREFOX_PATH: "/nowhere/firefox" };
    const { code, all } = await run(["bun", "test", ...files], { env, timeoutMs: 30_000 });
    expect(code, all).toBe(0);
    expect(all).toMatch(/^ 0 pass$/m);
    expect(all).toMatch(/^ 0 fail$/m);
    const cases = all.split("\n").filter((line) => /^\((skip|pass|fail)\)/.test(line));
    expect(cases.length).toBeGreaterThan(files.length);
    for (const line of cases) expect(line).toMatch(/^\(skip\) .*\(skipped: (CHROMIUM_PATH=\/nowhere\/chromium|FIREFOX_PATH=\/nowhere\/firefox) is not a file/);
    for (const file of files) expect(all).toContain(file.slice(file.lastIndexOf("/") + 1));
  }, 30_000);
});
