import { afterAll, afterEach, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestApp } from "../helpers/app.ts";
import { ENGINES, inEachEngine, quiet, type Tab, tabComesTo } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { exampleCatalog } from "../helpers/projects.ts";

afterAll(() => Promise.all(ENGINES.map((engine) => engine.close())));
afterEach(cleanup);

const STORY = "section/components/button/story-0/";
const EDITED = "rgb(200, 30, 30)";

const buttonColor = (tab: Tab) => tab.evaluate(() => getComputedStyle(document.querySelector(".button")!).backgroundColor);

const colorBecomes = (tab: Tab, expected: string) => tabComesTo(() => buttonColor(tab), (color) => color === expected, 10_000, `the button to be ${expected}`);

/** What the tab and the server saw, for a failure message. */
const story = (tab: Tab, app: TestApp) => [...tab.navigations, ...app.logs.lines].join("\n");

/** A later rule of equal weight wins the cascade, so this holds whatever colour the committed CSS has. */
const editCss = (input: string) => appendFileSync(join(input, "components/button/button.css"), `\n.button--primary { background: ${EDITED}; }\n`);

/** Edits the component's CSS; the open tab must show it after one reload, onto a complete page. */
async function editReloadsOnce(tab: Tab, input: string, app: TestApp) {
  editCss(input);
  expect(await colorBecomes(tab, EDITED)).toBe(true);
  await quiet(tab, 700);
  expect(tab.statuses, story(tab, app)).toEqual([200, 200]);
}

inEachEngine("the example catalog", (engine) => {
  test("editing a component's CSS rebuilds the catalog and reloads the open page once", async () => {
    const { input, app } = await exampleCatalog();
    const tab = await engine.newTab();
    await tab.goto(app.url + STORY);
    expect(await buttonColor(tab)).not.toBe(EDITED);
    await editReloadsOnce(tab, input, app);
  }, 30_000);

  test("a slow build that empties the output first still gives one reload onto a complete page", async () => {
    const { input, app } = await exampleCatalog("CATALOG_BUILD_DELAY_MS=400");
    const tab = await engine.newTab();
    await tab.goto(app.url + STORY);
    await editReloadsOnce(tab, input, app);
  }, 30_000);

  test("a broken build leaves the page as it was", async () => {
    const { input, app } = await exampleCatalog();
    const tab = await engine.newTab();
    await tab.goto(app.url + STORY);
    writeFileSync(join(input, "components/button/stories.py"), "def this_subject(:\n");
    await app.logs.waitFor(/Build failed with exit code 1/, 10_000);
    await quiet(tab, 700);
    expect(tab.statuses, story(tab, app)).toEqual([200]);
    expect(await tab.text("h1")).toBe("Button: Primary");
  }, 30_000);
});
