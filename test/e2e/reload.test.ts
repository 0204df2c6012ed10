import { afterAll, afterEach, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, type TestApp } from "../helpers/app.ts";
import { bodyBecomes, ENGINES, inEachEngine, quiet, type Tab } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { tree } from "../helpers/files.ts";
import { captureLogs } from "../helpers/logs.ts";

afterAll(() => Promise.all(ENGINES.map((engine) => engine.close())));
afterEach(cleanup);

const page = (text: string) => `<!doctype html><html><head><title>t</title></head><body><p>${text}</p></body></html>`;

async function catalog() {
  const out = tree({ "index.html": page("first") });
  return { out, app: await startApp({ output: out }) };
}

/** What the tab and the server saw, for a failure message. */
const story = (tab: Tab, app: TestApp) => [...tab.navigations, ...app.logs.lines].join("\n");

/** The tab comes to show `text`, after exactly one reload. */
async function showsAfterOneReload(tab: Tab, app: TestApp, text: string) {
  expect(await bodyBecomes(tab, text)).toBe(true);
  await quiet(tab);
  expect(tab.loads(), story(tab, app)).toBe(2);
}

inEachEngine("reloading a real browser", (engine) => {
  test("an edited page reloads once and shows the new content", async () => {
    const { out, app } = await catalog();
    const tab = await engine.newTab();
    await tab.goto(app.url);
    expect(await tab.text("p")).toBe("first");
    writeFileSync(join(out, "index.html"), page("second"));
    await showsAfterOneReload(tab, app, "second");
  }, 20_000);

  test("500 files written at once cause exactly one reload", async () => {
    const { out, app } = await catalog();
    const tab = await engine.newTab();
    await tab.goto(app.url);
    mkdirSync(join(out, "static"));
    for (let i = 0; i < 499; i++) writeFileSync(join(out, "static", `file-${i}.css`), `.c${i}{}`);
    writeFileSync(join(out, "index.html"), page("after the burst"));
    await showsAfterOneReload(tab, app, "after the burst");
  }, 20_000);

  test("a second write 0-400 ms after a first always ends on the second content (40 trials)", async () => {
    const { out, app } = await catalog();
    const tab = await engine.newTab();
    await tab.goto(app.url);
    const lost: number[] = [];
    for (let trial = 0; trial < 40; trial++) {
      const gap = trial * 10;
      writeFileSync(join(out, "index.html"), page(`trial ${trial} first`));
      if (gap) await Bun.sleep(gap);
      writeFileSync(join(out, "index.html"), page(`trial ${trial} second`));
      if (!(await bodyBecomes(tab, `trial ${trial} second`, 3_000))) lost.push(gap);
    }
    expect(lost).toEqual([]);
  }, 120_000);

  test("after the output dir is deleted and recreated the page still follows edits", async () => {
    const { out, app } = await catalog();
    const tab = await engine.newTab();
    await tab.goto(app.url);
    rmSync(out, { recursive: true });
    mkdirSync(out);
    writeFileSync(join(out, "index.html"), page("rebuilt"));
    expect(await bodyBecomes(tab, "rebuilt")).toBe(true);
    writeFileSync(join(out, "index.html"), page("edited after rebuild"));
    expect(await bodyBecomes(tab, "edited after rebuild")).toBe(true);
  }, 20_000);

  test("a 404 tab turns into the page once it is written", async () => {
    const { out, app } = await catalog();
    const tab = await engine.newTab();
    await tab.goto(`${app.url}later/`);
    expect(await tab.text("h1")).toBe("Not found");
    mkdirSync(join(out, "later"));
    writeFileSync(join(out, "later/index.html"), page("here now"));
    expect(await bodyBecomes(tab, "here now")).toBe(true);
  }, 20_000);

  test("a page left for another site is not counted as a page reloading", async () => {
    const { out, app } = await catalog();
    const tab = await engine.newTab();
    await tab.goto(app.url);
    await tab.goto("about:blank");
    // The page's socket closes as it is left; until the server has seen it, a change still tells it.
    let line = "";
    await eventually(
      async () => {
        const logs = captureLogs();
        writeFileSync(join(out, "probe.html"), String(performance.now()));
        line = await logs.waitFor(/changed; told/);
        return !line.includes("told 1 page");
      },
      { what: () => `the left page's socket to close; the last line: ${line}` },
    );
    expect(line).toBe("storytime: probe.html changed; told 0 pages to reload");
  }, 20_000);
});
