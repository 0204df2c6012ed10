import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { ROOT, cleanup, logged, startApp, tempDir, waitForLog } from "../helpers.ts";
import { launchBrowser } from "./browser.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());
afterEach(cleanup);

const STORY = "section/components/button/story-0/";

/** The bundled example catalog, copied so the test can edit its sources. */
async function exampleCatalog(buildEnv = "") {
  const dir = tempDir();
  const input = join(dir, "src/storytime");
  cpSync(join(ROOT, "examples/catalog/src/storytime"), input, { recursive: true });
  const app = await startApp({
    input,
    output: join(dir, "build/catalog"),
    build: `${buildEnv} bun ${join(ROOT, "examples/catalog/build.ts")}`.trim(),
  });
  return { input, app };
}

/** Counts the page's navigations and the status each one got. */
async function watchedTab(url: string) {
  const page = await browser.newPage();
  const statuses: number[] = [];
  page.on("response", (response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) statuses.push(response.status());
  });
  await page.goto(url);
  return { page, statuses };
}

const buttonColor = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.querySelector(".button")!).backgroundColor);

async function colorBecomes(page: Page, expected: string, ms = 10_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await buttonColor(page)) === expected) return true;
    } catch {
      // Mid-navigation.
    }
    await Bun.sleep(20);
  }
  return false;
}

/** Waits until no navigation happened for `ms`: a check that something did not happen. */
async function settle(statuses: number[], ms = 700) {
  let seen = statuses.length;
  for (;;) {
    await Bun.sleep(ms);
    if (statuses.length === seen) return;
    seen = statuses.length;
  }
}

function editCss(input: string) {
  const file = join(input, "components/button/button.css");
  writeFileSync(file, readFileSync(file, "utf8").replace(".button--primary { background: #3451b2;", ".button--primary { background: rgb(200, 30, 30);"));
}

describe("the example catalog in a real browser", () => {
  test("editing a component's CSS rebuilds the catalog and reloads the open page once", async () => {
    const { input, app } = await exampleCatalog();
    const { page, statuses } = await watchedTab(app.url + STORY);
    expect(await buttonColor(page)).toBe("rgb(52, 81, 178)");
    editCss(input);
    expect(await colorBecomes(page, "rgb(200, 30, 30)")).toBe(true);
    await settle(statuses);
    expect(statuses).toEqual([200, 200]);
  });

  test("a slow build that empties the output first still gives one reload onto a complete page", async () => {
    const { input, app } = await exampleCatalog("CATALOG_BUILD_DELAY_MS=400");
    const { page, statuses } = await watchedTab(app.url + STORY);
    editCss(input);
    expect(await colorBecomes(page, "rgb(200, 30, 30)")).toBe(true);
    await settle(statuses);
    expect(statuses).toEqual([200, 200]);
  });

  test("a broken build leaves the page as it was", async () => {
    const { input, app } = await exampleCatalog();
    const { page, statuses } = await watchedTab(app.url + STORY);
    const mark = logged.length;
    writeFileSync(join(input, "components/button/stories.py"), "def this_subject(:\n");
    await waitForLog(/Build failed with exit code 1/, 10_000, mark);
    await settle(statuses);
    expect(statuses).toEqual([200]);
    expect(await page.textContent("h1")).toBe("Button: Primary");
  });
});
