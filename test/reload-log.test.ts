import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeReload, reloadLog } from "../src/reload-log.ts";
import { cleanup, logged, startApp, tempDir, waitForLog, describeUnless, POSIX_SHELL_SKIP } from "./helpers.ts";

describe("describeReload", () => {
  test("one file, one page", () => {
    expect(describeReload(["index.html"], 1)).toBe("index.html changed; told 1 page to reload");
  });

  test("files are counted once however many events they raised", () => {
    expect(describeReload(["a.css", "a.css", "a.css", "b.css"], 2)).toBe("a.css and b.css changed; told 2 pages to reload");
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
    expect(describeReload(burst, 1, new Set(["button.css"]))).toBe(
      "static/components/button.css, index.html, section/components/index.html and 3 more files changed; told 1 page to reload",
    );
    expect(describeReload(burst, 0)).toBe("index.html, section/components/index.html, section/components/button/story-0/index.html and 3 more files changed; told 0 pages to reload");
  });

  test("one more file is 'file', not 'files'", () => {
    expect(describeReload(["a.html", "b.html", "c.html", "d.css"], 1)).toBe("a.html, b.html, c.html and 1 more file changed; told 1 page to reload");
  });

  test.each([["sed1QW9DM"], ["index.html.tmp-8123"], ["index.html~"], [".index.html.swp"], ["4913"], ["page.html.12345"], ["x.css___jb_tmp___"]])(
    "the temp name %s is left out",
    (temp) => {
      expect(describeReload([`section/${temp}`, "section/index.html", `section/${temp}`], 1)).toBe("section/index.html changed; told 1 page to reload");
    },
  );

  test("only the directory itself, or only temp names: the output directory changed", () => {
    expect(describeReload([null], 0)).toBe("The output directory changed; told 0 pages to reload");
    expect(describeReload(["sedAbC123"], 1)).toBe("The output directory changed; told 1 page to reload");
  });

  test("Windows separators", () => {
    expect(describeReload(["static\\components\\button.css", "a\\b\\index.html"], 1, new Set(["button.css"]))).toBe(
      "static\\components\\button.css and a\\b\\index.html changed; told 1 page to reload",
    );
  });
});

describeUnless(POSIX_SHELL_SKIP)("the reload line of a running server", () => {
  afterEach(cleanup);

  test("sed -i on a page names the page, never sed's temp file", async () => {
    const out = tempDir();
    writeFileSync(join(out, "index.html"), "<p>one</p>");
    await startApp({ output: out });
    const mark = logged.length;
    const sed = Bun.spawnSync(["sed", "-i", "s/one/two/", join(out, "index.html")]);
    expect(sed.exitCode).toBe(0);
    const line = await waitForLog(/changed; told/, 5_000, mark);
    expect(line).toBe("storytime: index.html changed; told 0 pages to reload");
  });

  test("directories a build creates are not counted as files", async () => {
    const out = tempDir();
    await startApp({ output: out });
    const mark = logged.length;
    mkdirSync(join(out, "section", "button"), { recursive: true });
    writeFileSync(join(out, "section", "button", "index.html"), "x");
    const line = await waitForLog(/changed; told/, 5_000, mark);
    expect(line).toBe("storytime: section/button/index.html changed; told 0 pages to reload");
  });

  test("after a build, the output of the edited input file is named first", async () => {
    const dir = tempDir();
    const input = join(dir, "in");
    const output = join(dir, "out");
    mkdirSync(join(input, "components"), { recursive: true });
    writeFileSync(join(input, "components", "button.css"), "a{}");
    // Writes pages first and the copied stylesheet last, as a real build may.
    const build = `mkdir -p "$STORYTIME_OUTPUT/static" && for p in a b c d; do echo "$p" > "$STORYTIME_OUTPUT/$p.html"; done && cp "$STORYTIME_INPUT/components/button.css" "$STORYTIME_OUTPUT/static/button.css"`;
    await startApp({ input, output, build });
    const first = logged.length;
    await waitForLog(/Built in/, 5_000, first);
    await waitForLog(/changed; told/, 5_000, first);
    // The start-up build's line may come in two parts on a loaded machine: let it finish.
    for (let lines = -1; lines !== logged.length; ) {
      lines = logged.length;
      await Bun.sleep(300);
    }
    const mark = logged.length;
    writeFileSync(join(input, "components", "button.css"), "a{color:red}");
    const line = await waitForLog(/changed; told/, 5_000, mark);
    expect(line).toStartWith("storytime: static/button.css, a.html, b.html and 2 more files changed");
  });
});

describe("the reload line when the output changes shape under it", () => {
  test("a changed path whose parent became a file by the time the line is written is named, not a crash", async () => {
    const root = tempDir();
    mkdirSync(join(root, "section"));
    const mark = logged.length;
    const reloads = reloadLog(root, 10);
    reloads.changed("section/index.html", 0);
    rmSync(join(root, "section"), { recursive: true });
    writeFileSync(join(root, "section"), "now a file");
    const line = await waitForLog(/changed; told/, 2_000, mark);
    expect(line).toContain("section/index.html");
  });
});
