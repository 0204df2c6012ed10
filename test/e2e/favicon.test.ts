import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { CHROMIUM, LAUNCH_TIMEOUT_MS, launchChromium } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { exampleCatalog } from "../helpers/projects.ts";
import { describeUnless } from "../helpers/skip.ts";

afterEach(cleanup);

describeUnless(CHROMIUM.missing)("the example catalog", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, LAUNCH_TIMEOUT_MS);
  afterAll(() => browser?.close());

  test("its pages load with no failed request, favicon included", async () => {
    const { app } = await exampleCatalog();
    await app.logs.waitFor(/Built in/, 10_000);
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
