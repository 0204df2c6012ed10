import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { cleanup } from "./helpers/cleanup.ts";
import { CLI, tempDir, tree } from "./helpers/files.ts";
import { launch, run } from "./helpers/process.ts";
import { TestSocket } from "./helpers/socket.ts";

afterEach(cleanup);

const oneLine = (text: string) => text.trim().split("\n").filter((line) => line.trim()).length === 1;

describe("command line", () => {
  test("--version prints the package version", async () => {
    const { code, stdout } = await run(["bun", CLI, "--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.version);
  });

  test("--help lists every option with its default", async () => {
    const { code, stdout } = await run(["bun", CLI, "--help"]);
    expect(code).toBe(0);
    for (const flag of ["--output", "--input", "--build", "--port", "--host", "--open"]) expect(stdout).toContain(flag);
    expect(stdout).toContain("8080");
    expect(stdout).toContain("127.0.0.1");
  });

  test.each([["abc"], ["65536"], ["-1"], ["80.5"]])("--port=%s is one line and exit 2", async (port) => {
    const { code, stdout, stderr } = await run(["bun", CLI, `--port=${port}`, "--output", tempDir()]);
    expect(code).toBe(2);
    expect(stderr + stdout).toContain("--port must be a whole number from 0 to 65535");
    expect(oneLine(stderr + stdout)).toBe(true);
  });

  test("--port -1 (with a space) is explained as a bad port, not an unknown option", async () => {
    const { code, all } = await run(["bun", CLI, "--port", "-1", "--output", tempDir()]);
    expect(code).toBe(2);
    expect(all).toContain('--port must be a whole number from 0 to 65535, not "-1"');
  });

  test("an option given without a value is refused rather than taken as the current directory", async () => {
    const { code, all } = await run(["bun", CLI, "--port", "0", "--output"]);
    expect(code).toBe(2);
    expect(all).toContain("--output needs a value");
    expect(oneLine(all)).toBe(true);
  });

  test("an explicit --input that does not exist is one line and exit 2", async () => {
    const { code, all } = await run(["bun", CLI, "--input", join(tempDir(), "nope"), "--port", "0"]);
    expect(code).toBe(2);
    expect(all).toContain("does not exist");
    expect(all.trim().split("\n").filter(Boolean)).toHaveLength(1);
  });

  test("an input inside the output (a clean build would delete it) is refused", async () => {
    const output = tree({ "src/": "" });
    const { code, all } = await run(["bun", CLI, "--input", join(output, "src"), "--output", output, "--port", "0"]);
    expect(code).toBe(2);
    expect(all).toContain("is inside --output");
    expect(oneLine(all)).toBe(true);
  });

  test("--build with no input directory is one line and exit 2, naming the directory looked for", async () => {
    const dir = tempDir();
    const { code, all } = await run(["bun", CLI, "--output", join(dir, "out"), "--build", "make", "--port", "0"], { cwd: dir });
    expect(code).toBe(2);
    expect(all).toContain(`the default --input ${join(dir, "src/storytime")} does not exist`);
    expect(oneLine(all)).toBe(true);
  });

  test("--input given several times watches each, whichever form each takes", async () => {
    const dir = tree({ "content/": "", "layouts/": "", "data/": "" });
    const server = await launch(["bun", CLI, "--input", "content", "--input=layouts", "-i", "data", "--output", "out", "--build", "true", "--port", "0"], { cwd: dir });
    await server.waitForOutput(/Watching content, layouts, data: a change runs `true`/);
    for (const file of [join("layouts", "base.html"), join("content", "post.md"), join("data", "site.yaml")]) {
      writeFileSync(join(dir, file), "x");
      await server.waitForOutput(`Building (${file} changed)`);
    }
  });

  test("an output path that is a file is one line and exit 2", async () => {
    const file = join(tempDir(), "catalog.html");
    writeFileSync(file, "x");
    const { code, all } = await run(["bun", CLI, "--output", file, "--port", "0"]);
    expect(code).toBe(2);
    expect(all).toContain("is a file, not a directory");
    expect(oneLine(all)).toBe(true);
  });

  test("a port in use names the port and --port, exit 2, no stack trace", async () => {
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    try {
      const { code, all } = await run(["bun", CLI, "--port", String(blocker.port), "--output", tempDir()]);
      expect(code).toBe(2);
      expect(all).toContain(`Port ${blocker.port}`);
      expect(all).toContain("pass --port 0 for any free port");
      expect(all).not.toContain("    at ");
      expect(oneLine(all)).toBe(true);
    } finally {
      blocker.stop(true);
    }
  });

  test("serves, reloads, and on Ctrl-C exits with 130 and its sockets closed", async () => {
    const out = tree({ "sub/": "" });
    const server = await launch(["bun", CLI, "--output", out, "--port", "0"]);
    expect(server.url).toStartWith("http://127.0.0.1:");
    const page = await (await fetch(server.url)).text();
    expect(page).toContain("Not found");
    const client = await TestSocket.open(server);
    const closed = new Promise<void>((resolve) => client.socket.addEventListener("close", () => resolve()));
    writeFileSync(join(out, "index.html"), "<h1>hi</h1>");
    await client.waitFor(1);
    await server.waitForOutput(/index\.html changed.*; told 1 page to reload/);
    server.proc.kill("SIGINT");
    expect(await server.proc.exited).toBe(130);
    await closed;
  });
});
