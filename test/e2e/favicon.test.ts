import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { cpSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { ROOT, cleanup, describeUnless, startApp, tempDir, waitForLog } from "../helpers.ts";
import { CHROMIUM, LAUNCH_TIMEOUT_MS, launchChromium } from "./browser.ts";

afterEach(cleanup);

describeUnless(CHROMIUM.missing)("the example catalog", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, LAUNCH_TIMEOUT_MS);
  afterAll(() => browser?.close());

  test("its pages load with no failed request, favicon included", async () => {
    const dir = tempDir();
    const input = join(dir, "src/storytime");
    cpSync(join(ROOT, "examples/catalog/src/storytime"), input, { recursive: true });
    const app = await startApp({ input, output: join(dir, "build/catalog"), build: `bun ${join(ROOT, "examples/catalog/build.ts")}` });
    await waitForLog(/Built in/, 10_000);
    const failed: string[] = [];
    const icons: string[] = [];
    for (const path of ["", "section/components/button/story-0/"]) {
      // A fresh context each time: no icon cached from the page before.
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on("response", (response) => {
        if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
        if (/favicon/.test(response.url())) icons.push(`${response.status()} ${new URL(response.url()).pathname}`);
      });
      const icon = page.waitForResponse((response) => /favicon/.test(response.url()), { timeout: 5_000 });
      await page.goto(app.url + path);
      // The icon is fetched after the load event: wait for it rather than for time to pass.
      await icon;
      await context.close();
    }
    expect(failed).toEqual([]);
    expect(icons).toEqual(["200 /static/favicon.svg", "200 /static/favicon.svg"]);
  }, 20_000);
});
