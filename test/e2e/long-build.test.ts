import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { cleanup, logged, startApp, tempDir } from "../helpers.ts";
import { launchBrowser } from "./browser.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());
afterEach(cleanup);

// Longer than Bun.serve's 10 s idle timeout, which used to drop the held request first.
const BUILD_SECONDS = 12;

test(
  `a page requested during a ${BUILD_SECONDS} s build is held until the build writes it, in curl and in Chromium`,
  async () => {
    const dir = tempDir();
    const input = join(dir, "src");
    const output = join(dir, "out");
    Bun.spawnSync(["mkdir", "-p", input]);
    writeFileSync(join(input, "story.py"), "");
    writeFileSync(
      join(dir, "build.sh"),
      `sleep ${BUILD_SECONDS}; mkdir -p "$STORYTIME_OUTPUT"; echo "<!doctype html><title>t</title><p>built</p>" > "$STORYTIME_OUTPUT/index.html"`,
    );
    const mark = logged.length;
    const app = await startApp({ input, output, build: `sh ${join(dir, "build.sh")}` });
    const tab = await browser.newPage();
    const [plain, shown] = await Promise.all([
      fetch(app.url).then(async (response) => ({ status: response.status, text: await response.text() })),
      tab.goto(app.url, { timeout: (BUILD_SECONDS + 10) * 1000 }).then(async (response) => ({
        status: response?.status(),
        text: await tab.textContent("p"),
      })),
    ]);
    expect(plain.status).toBe(200);
    expect(plain.text).toContain("<p>built</p>");
    expect(shown).toEqual({ status: 200, text: "built" });
    expect(logged.slice(mark).some((line) => line.includes("served as the output stands"))).toBe(false);
  },
  (BUILD_SECONDS + 20) * 1000,
);
