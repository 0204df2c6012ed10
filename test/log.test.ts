import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { printable } from "../src/terminal/printable.ts";
import { cleanup } from "./helpers/cleanup.ts";
import { CLI, tree } from "./helpers/files.ts";
import { launch } from "./helpers/process.ts";
import { describeUnless, POSIX_FS_SKIP } from "./helpers/skip.ts";
import { TestSocket } from "./helpers/socket.ts";

afterEach(cleanup);

const clock = () => new Date().toTimeString().slice(0, 8);

describe("printable", () => {
  test("control characters are escaped, so a name cannot act on the terminal or start a line", () => {
    expect(printable("evil\x1b[2J\x1b]0;pwned\x07.html")).toBe("evil\\x1b[2J\\x1b]0;pwned\\x07.html");
    expect(printable("a\nb\rc\td\0e\x7f")).toBe("a\\nb\\rc\\td\\x00e\\x7f");
    // C1 controls: \x9b is a one-byte CSI to some terminals.
    expect(printable("\u009b2J")).toBe("\\x9b2J");
    // Marks that reorder the text after them, making one name read as another.
    expect(printable("\u202eimth.exe")).toBe("\\u202eimth.exe");
  });

  test("everything else is kept as it is, backslashes of Windows paths included", () => {
    for (const text of ["ünïcödé ✓ 漢字 🙂", "static\\components\\button.css", "a b/c.html"]) expect(printable(text)).toBe(text);
  });
});

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
