import { afterAll, afterEach, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, url } from "../helpers/app.ts";
import { bodyBecomes, ENGINES, inEachEngine, quiet } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { tempDir, tree } from "../helpers/files.ts";
import { captureLogs } from "../helpers/logs.ts";
import { project } from "../helpers/projects.ts";
import { POSIX_SHELL_SKIP } from "../helpers/skip.ts";

afterAll(() => Promise.all(ENGINES.map((engine) => engine.close())));
afterEach(cleanup);

if (POSIX_SHELL_SKIP) console.warn(`skip: leaving a page during a build: ${POSIX_SHELL_SKIP}`);

const page = (title: string, body: string) => `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;

/**
 * Pages A and B, and a build that writes something first (which tells open pages to reload) and
 * the pages only half a second later: a tab that leaves A in between must end on B. The test holds
 * the build before its first write until the tab has started to leave, however slow the browser.
 */
async function slowBuild() {
  const hold = join(tempDir(), "hold");
  const p = project({ "a.html": page("A", `<p>page A</p><a id="to-b" href="b.html">to B</a>`), "b.html": page("B", "<p>page B</p>") });
  const build = [
    `mkdir -p "$STORYTIME_OUTPUT"`,
    `while [ -e "${hold}" ]; do sleep 0.02; done`,
    `date > "$STORYTIME_OUTPUT/s.txt"`,
    `sleep 0.5`,
    `cp "$STORYTIME_INPUT"/*.html "$STORYTIME_OUTPUT"/`,
  ].join("; ");
  const app = await startApp({ input: p.input, output: p.output, build });
  await app.logs.waitFor(/Built in/, 10_000);
  return {
    app,
    /** Edits A and resolves once its build has started and is held (pages now wait for it), with what is logged from then on. */
    async editDuringBuild() {
      const logs = captureLogs();
      writeFileSync(hold, "");
      writeFileSync(join(p.input, "a.html"), page("A", `<p>page A, edited</p><a id="to-b" href="b.html">to B</a>`));
      await logs.waitFor(/Building \(a\.html changed\)/);
      return logs;
    },
    /** Lets the build go on to its first write. */
    release: () => rmSync(hold),
  };
}

inEachEngine("leaving a page while a build runs", (engine) => {
  if (POSIX_SHELL_SKIP) return;

  test("a link clicked during a slow build ends on the page it leads to, loaded once", async () => {
    const { app, editDuringBuild, release } = await slowBuild();
    const tab = await engine.newTab();
    await tab.goto(url(app, "/a.html"));
    const logs = await editDuringBuild();
    await tab.click("#to-b");
    release();
    await logs.waitFor(/Built in/, 10_000);
    expect(await bodyBecomes(tab, "page B", 5_000), tab.navigations.join("\n")).toBe(true);
    await quiet(tab);
    expect(await tab.evaluate(() => location.pathname)).toBe("/b.html");
    expect(tab.navigations.map((line) => line.replace(/^.* /, ""))).toEqual([url(app, "/a.html"), url(app, "/b.html")]);
  }, 30_000);

  test("a URL typed during a slow build ends on that page, loaded once", async () => {
    const { app, editDuringBuild, release } = await slowBuild();
    const tab = await engine.newTab();
    await tab.goto(url(app, "/a.html"));
    const logs = await editDuringBuild();
    const typed = tab.goto(url(app, "/b.html")).then(
      () => null,
      (error: Error) => error.message,
    );
    // Nothing tells when a typed URL's navigation has begun: give it a moment. A browser slower
    // than this could only make the test pass without the fix, never fail with it.
    await Bun.sleep(300);
    release();
    await logs.waitFor(/Built in/, 10_000);
    expect(await bodyBecomes(tab, "page B", 5_000), tab.navigations.join("\n")).toBe(true);
    expect(await typed).toBeNull();
    await quiet(tab);
    expect(tab.navigations.map((line) => line.replace(/^.* /, ""))).toEqual([url(app, "/a.html"), url(app, "/b.html")]);
  }, 30_000);

  test("a page whose navigation never replaced it (answered 204) still reloads for the next change", async () => {
    const asked: string[] = [];
    const elsewhere = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => (asked.push(request.url), new Response(null, { status: 204 })) });
    try {
      const out = tree({ "index.html": page("A", `<p>page A</p><a id="away" href="http://127.0.0.1:${elsewhere.port}/nothing">away</a>`) });
      const app = await startApp({ output: out });
      const tab = await engine.newTab();
      await tab.goto(app.url);
      await tab.click("#away");
      await eventually(() => asked.length, { what: "the click's request to the other server" });
      expect(asked).toHaveLength(1);
      writeFileSync(join(out, "index.html"), page("A", "<p>page A, edited</p>"));
      expect(await bodyBecomes(tab, "page A, edited", 10_000), tab.navigations.join("\n")).toBe(true);
    } finally {
      elsewhere.stop(true);
    }
  }, 30_000);
});
