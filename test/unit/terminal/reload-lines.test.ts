import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeReload, reloadLog } from "../../../src/terminal/reload-lines.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { eventually } from "../../helpers/eventually.ts";
import { tempDir } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";

afterEach(cleanup);

describe("describeReload", () => {
  test("one file, one page", () => {
    expect(describeReload({ paths: ["index.html"], told: 1 })).toBe("index.html changed; told 1 page to reload");
  });

  test("files are counted once however many events they raised", () => {
    expect(describeReload({ paths: ["a.css", "a.css", "a.css", "b.css"], told: 2 })).toBe("a.css and b.css changed; told 2 pages to reload");
  });

  test("the output of the file the user edited first, then pages shallowest first, then the rest", () => {
    const burst = [
      "static/components/badge.css",
      "static/site.css",
      "section/components/button/story-0/index.html",
      "static/components/button.css",
      "section/components/index.html",
      "index.html",
    ];
    expect(describeReload({ paths: burst, told: 1, edited: new Set(["button.css"]) })).toBe(
      "static/components/button.css, index.html, section/components/index.html and 3 more files changed; told 1 page to reload",
    );
    expect(describeReload({ paths: burst, told: 0 })).toBe("index.html, section/components/index.html, section/components/button/story-0/index.html and 3 more files changed; told 0 pages to reload");
  });

  test("one more file is 'file', not 'files'", () => {
    expect(describeReload({ paths: ["a.html", "b.html", "c.html", "d.css"], told: 1 })).toBe("a.html, b.html, c.html and 1 more file changed; told 1 page to reload");
  });

  test.each([["sed1QW9DM"], ["index.html.tmp-8123"], ["index.html~"], [".index.html.swp"], ["4913"], ["page.html.12345"], ["x.css___jb_tmp___"]])(
    "the temp name %s is left out",
    (temp) => {
      expect(describeReload({ paths: [`section/${temp}`, "section/index.html", `section/${temp}`], told: 1 })).toBe("section/index.html changed; told 1 page to reload");
    },
  );

  test("only the directory itself, or only temp names: the output directory changed", () => {
    expect(describeReload({ paths: [null], told: 0 })).toBe("The output directory changed; told 0 pages to reload");
    expect(describeReload({ paths: ["sedAbC123"], told: 1 })).toBe("The output directory changed; told 1 page to reload");
  });

  test("Windows separators", () => {
    expect(describeReload({ paths: ["static\\components\\button.css", "a\\b\\index.html"], told: 1, edited: new Set(["button.css"]) })).toBe(
      "static\\components\\button.css and a\\b\\index.html changed; told 1 page to reload",
    );
  });
});

describe("the reload line when the output changes shape under it", () => {
  test("a changed path whose parent became a file by the time the line is written is named, not a crash", async () => {
    const root = tempDir();
    mkdirSync(join(root, "section"));
    const logs = captureLogs();
    const reloads = reloadLog(root, 10);
    reloads.changed("section/index.html", 0);
    rmSync(join(root, "section"), { recursive: true });
    writeFileSync(join(root, "section"), "now a file");
    const line = await logs.waitFor(/changed; told/, 2_000);
    expect(line).toContain("section/index.html");
  });
});

describe("the reload line under changes that never pause", () => {
  test("a line is written at least every second or so, naming what changed so far", async () => {
    const root = tempDir();
    const logs = captureLogs();
    const reloads = reloadLog(root);
    let written = 0;
    // A change every 5 ms: never the 100 ms pause that ends a burst.
    const line = await eventually(
      () => {
        const told = logs.lines.find((entry) => entry.includes("changed; told"));
        if (!told) reloads.changed(`page-${written++}.html`, 1);
        return told;
      },
      // README promises one at least every second: 2 s allows for a loaded machine, not for a slower rule.
      { ms: 2_000, every: 5, what: "a line while changes went on" },
    );
    expect(line).toMatch(/^storytime: page-0\.html, page-1\.html, page-10\.html and \d+ more files changed; told 1 page to reload$/);
  });

  test("a line still gathering when the server stops is dropped, not printed after the stop", async () => {
    const logs = captureLogs();
    const reloads = reloadLog(tempDir(), 10);
    reloads.changed("index.html", 0);
    reloads.stop();
    reloads.changed("later.html", 0);
    expect(await logs.waitFor(/later\.html changed/, 1_000)).not.toContain("index.html");
  });

  test("a burst of 30,000 names keeps a bounded number, and says no more than it knows", async () => {
    const logs = captureLogs();
    const reloads = reloadLog(tempDir(), 10);
    for (let i = 0; i < 30_000; i++) reloads.changed(`section/page-${String(i).padStart(5, "0")}.html`, 0);
    const line = await logs.waitFor(/changed; told/, 2_000);
    // Names past the kept ones are only counted ("over"), and paths past the stat limit may be directories ("paths").
    expect(line).toBe("storytime: section/page-00000.html, section/page-00001.html, section/page-00002.html and over 9997 more paths changed; told 0 pages to reload");
  });

  test("past the stat limit, paths are named without telling directories apart", () => {
    const paths = Array.from({ length: 300 }, (_, i) => `p${String(i).padStart(3, "0")}.css`);
    const statted: string[] = [];
    const line = describeReload({ paths, told: 0, isDirectory: (path) => (statted.push(path), false) });
    expect(line).toBe("p000.css, p001.css, p002.css and 297 more paths changed; told 0 pages to reload");
    expect(statted).toHaveLength(200);
  });
});
