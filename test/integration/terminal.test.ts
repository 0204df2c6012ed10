import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp } from "../helpers/app.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { CLI, tempDir, tree } from "../helpers/files.ts";
import { captureLogs } from "../helpers/logs.ts";
import { launch } from "../helpers/process.ts";
import { project } from "../helpers/projects.ts";
import { describeUnless, POSIX_FS_SKIP, POSIX_SHELL_SKIP } from "../helpers/skip.ts";
import { TestSocket } from "../helpers/socket.ts";

afterEach(cleanup);

const clock = () => new Date().toTimeString().slice(0, 8);

describeUnless(POSIX_FS_SKIP)("what reaches the terminal", () => {
  test("file names are escaped wherever they are printed; every line is one line, with its time", async () => {
    const dir = tree({ "in/story.py": "x", "out/": "" });
    const input = join(dir, "in");
    const output = join(dir, "out");
    const before = clock();
    const server = await launch(["bun", CLI, "--input", input, "--output", output, "--port", "0", "--build", "echo built"], { cwd: dir });
    await server.waitForOutput("Built in");
    const socket = await TestSocket.open(server);
    writeFileSync(join(output, "evil\x1b[2J\x1b]0;pwned\x07.html"), "x");
    writeFileSync(join(output, "x\n[storytime] ✔ Built in 3 ms\n.html"), "x");
    await socket.waitFor(2);
    await server.waitForOutput("told 1 page to reload");
    writeFileSync(join(input, "new\nline.py"), "x");
    await server.waitForOutput(/Building \(new.*changed\)/);
    writeFileSync(join(input, "notes\x1b[2J.sqlite"), "x");
    await server.waitForOutput("do not trigger a rebuild");
    await server.waitForOutput(/Built in[\s\S]*Built in/);
    const text = server.output();
    expect(text).toContain("evil\\x1b[2J\\x1b]0;pwned\\x07.html");
    expect(text).toContain("x\\n[storytime] ✔ Built in 3 ms\\n.html");
    expect(text).toContain("Building (new\\nline.py changed)");
    expect(text).toContain("notes\\x1b[2J.sqlite changed, but .sqlite files do not trigger a rebuild");
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    const lines = text.trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d \[storytime(:build)?\] /);
    // The local time of day, as a user reads it off a clock (unless the test ran across midnight).
    const [first, after] = [lines[0]!.slice(0, 8), clock()];
    if (before <= after) expect(first >= before && first <= after).toBe(true);
  });
});

describeUnless(POSIX_SHELL_SKIP)("the reload line of a running server", () => {
  test("sed -i on a page names the page, never sed's temp file", async () => {
    const out = tree({ "index.html": "<p>one</p>" });
    await startApp({ output: out });
    const logs = captureLogs();
    const sed = Bun.spawnSync(["sed", "-i", "s/one/two/", join(out, "index.html")]);
    expect(sed.exitCode).toBe(0);
    const line = await logs.waitFor(/changed; told/);
    expect(line).toBe("storytime: index.html changed; told 0 pages to reload");
  });

  test("directories a build creates are not counted as files", async () => {
    const out = tempDir();
    await startApp({ output: out });
    const logs = captureLogs();
    mkdirSync(join(out, "section", "button"), { recursive: true });
    writeFileSync(join(out, "section", "button", "index.html"), "x");
    const line = await logs.waitFor(/changed; told/);
    expect(line).toBe("storytime: section/button/index.html changed; told 0 pages to reload");
  });

  test("after a build, the output of the edited input file is named first", async () => {
    // Writes pages first and the copied stylesheet last, as a real build may.
    const p = project(
      { "components/button.css": "a{}" },
      `mkdir -p "$STORYTIME_OUTPUT/static" && for p in a b c d; do echo "$p" > "$STORYTIME_OUTPUT/$p.html"; done && cp "$STORYTIME_INPUT/components/button.css" "$STORYTIME_OUTPUT/static/button.css"`,
    );
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    await app.logs.waitFor(/Built in/);
    await app.logs.waitFor(/changed; told/);
    // The start-up build's line may come in two parts on a loaded machine: let it finish.
    await eventually(async () => {
      const before = app.logs.lines.length;
      await Bun.sleep(300);
      return before === app.logs.lines.length;
    }, { what: "the start-up build's lines to be over" });
    const logs = captureLogs();
    writeFileSync(join(p.input, "components", "button.css"), "a{color:red}");
    const line = await logs.waitFor(/changed; told/);
    expect(line).toStartWith("storytime: static/button.css, a.html, b.html and 2 more files changed");
  });
});

describe("pages that were already reloading", () => {
  test("a tab that closed its socket to reload for one change is counted for the next, not told again", async () => {
    const out = tempDir();
    const app = await startApp({ output: out });
    const tab = await TestSocket.open(app);
    const first = captureLogs();
    writeFileSync(join(out, "a.html"), "1");
    await tab.waitFor(1);
    // What the client does on a reload message: close its socket with the reload code, then reload the page.
    await tab.close();
    expect(await first.waitFor(/changed; told/)).toBe("storytime: a.html changed; told 1 page to reload");
    const second = captureLogs();
    writeFileSync(join(out, "b.html"), "2");
    expect(await second.waitFor(/changed; told/)).toBe("storytime: b.html changed; told 0 pages to reload; 1 page was already reloading");
    // The reloaded page connects: it is no longer counted as reloading.
    await TestSocket.open(app);
    const third = captureLogs();
    writeFileSync(join(out, "c.html"), "3");
    expect(await third.waitFor(/changed; told/)).toBe("storytime: c.html changed; told 1 page to reload");
  });

  test("a tab closed, or a page left for another site, is not counted as reloading", async () => {
    const out = tempDir();
    const app = await startApp({ output: out });
    // A page leaving closes its socket with no code (1005 at the server); a browser closing a tab sends 1001.
    await (await TestSocket.open(app)).close(null);
    const logs = captureLogs();
    writeFileSync(join(out, "a.html"), "1");
    expect(await logs.waitFor(/changed; told/)).toBe("storytime: a.html changed; told 0 pages to reload");
  });
});
