import { afterAll, afterEach, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, cleanup, logged, startApp, tempDir, waitForLog } from "../helpers.ts";
import { ENGINES, inEachEngine, type Tab } from "./browser.ts";

afterAll(() => Promise.all(ENGINES.map((engine) => engine.close())));
afterEach(cleanup);

const STORY = "section/components/button/story-0/";
const EDITED = "rgb(200, 30, 30)";

/**
 * The example catalog as committed, never the working tree: README invites users to edit
 * examples/catalog, and the suite must still pass after they do.
 */
async function exampleCatalog(buildEnv = "") {
  const dir = tempDir();
  const archive = Bun.spawnSync(["git", "archive", "--format=tar", "HEAD", "examples/catalog"], { cwd: ROOT });
  if (archive.exitCode !== 0) throw new Error(`git archive of examples/catalog failed: ${archive.stderr.toString().trim()}`);
  const untar = Bun.spawnSync(["tar", "-x", "-C", dir], { stdin: archive.stdout });
  if (untar.exitCode !== 0) throw new Error(`tar failed: ${untar.stderr.toString().trim()}`);
  const example = join(dir, "examples/catalog");
  const input = join(example, "src/storytime");
  const app = await startApp({
    input,
    output: join(example, "build"),
    build: `${buildEnv} bun ${join(example, "build.ts")}`.trim(),
  });
  return { input, app };
}

const buttonColor = (tab: Tab) => tab.evaluate(() => getComputedStyle(document.querySelector(".button")!).backgroundColor);

async function colorBecomes(tab: Tab, expected: string, ms = 10_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await buttonColor(tab)) === expected) return true;
    } catch {
      // Mid-navigation.
    }
    await Bun.sleep(20);
  }
  return false;
}

/** Waits until no navigation happened for `ms`: a check that something did not happen. */
async function settle(tab: Tab, ms = 700) {
  let seen = tab.statuses.length;
  for (;;) {
    await Bun.sleep(ms);
    if (tab.statuses.length === seen) return;
    seen = tab.statuses.length;
  }
}

/** What the tab and the server saw, for a failure message. */
const story = (tab: Tab, mark: number) => [...tab.navigations, ...logged.slice(mark)].join("\n");

/** A later rule of equal weight wins the cascade, so this holds whatever colour the committed CSS has. */
const editCss = (input: string) => appendFileSync(join(input, "components/button/button.css"), `\n.button--primary { background: ${EDITED}; }\n`);

inEachEngine("the example catalog", (engine) => {
  test("editing a component's CSS rebuilds the catalog and reloads the open page once", async () => {
    const mark = logged.length;
    const { input, app } = await exampleCatalog();
    const tab = await engine.newTab();
    await tab.goto(app.url + STORY);
    expect(await buttonColor(tab)).not.toBe(EDITED);
    editCss(input);
    expect(await colorBecomes(tab, EDITED)).toBe(true);
    await settle(tab);
    expect(tab.statuses, story(tab, mark)).toEqual([200, 200]);
  }, 30_000);

  test("a slow build that empties the output first still gives one reload onto a complete page", async () => {
    const mark = logged.length;
    const { input, app } = await exampleCatalog("CATALOG_BUILD_DELAY_MS=400");
    const tab = await engine.newTab();
    await tab.goto(app.url + STORY);
    editCss(input);
    expect(await colorBecomes(tab, EDITED)).toBe(true);
    await settle(tab);
    expect(tab.statuses, story(tab, mark)).toEqual([200, 200]);
  }, 30_000);

  test("a broken build leaves the page as it was", async () => {
    const mark = logged.length;
    const { input, app } = await exampleCatalog();
    const tab = await engine.newTab();
    await tab.goto(app.url + STORY);
    writeFileSync(join(input, "components/button/stories.py"), "def this_subject(:\n");
    await waitForLog(/Build failed with exit code 1/, 10_000, mark);
    await settle(tab);
    expect(tab.statuses, story(tab, mark)).toEqual([200]);
    expect(await tab.text("h1")).toBe("Button: Primary");
  }, 30_000);
});
