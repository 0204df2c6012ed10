import { afterEach, describe, expect, test } from "bun:test";
import { runCommand } from "citty";
import { lookup } from "node:dns/promises";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { command } from "../../src/cli.ts";
import type { App } from "../../src/start.ts";
import { cleanup, onCleanup } from "../helpers/cleanup.ts";
import { CLI, tempDir, tree } from "../helpers/files.ts";
import { captureLogs } from "../helpers/logs.ts";
import { asNobody, launch, nobodySkipReason, run, untimed } from "../helpers/process.ts";
import { testUnless } from "../helpers/skip.ts";
import { TestSocket } from "../helpers/socket.ts";

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

  test("--watch-build and --build together are one line and exit 2", async () => {
    const { code, all } = await run(["bun", CLI, "--watch-build", "hugo --watch", "--build", "hugo", "--port", "0"], { cwd: tempDir() });
    expect(code).toBe(2);
    expect(all.trim().split("\n")).toEqual([expect.stringContaining("--build and --watch-build both rebuild the output; pass one")]);
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

const ANSI = /\x1b\[/;

/** Many machines name themselves in /etc/hosts as 127.0.0.1 or 127.0.1.1; others resolve to a network address. */
const ownAddresses = await lookup(hostname(), { all: true }).then((found) => found.map((entry) => entry.address), () => []);

const LOOPBACK_NAME_SKIP =
  ownAddresses.length && ownAddresses.every((address) => address.startsWith("127.") || address === "::1")
    ? null
    : `this machine's name (${hostname()}) resolves to ${ownAddresses.join(", ") || "nothing"}, not to loopback only`;

/** Runs the exported command in this process, as `main` does, and stops the server it starts. */
async function runArgs(rawArgs: string[]): Promise<App | null> {
  const app = (await runCommand(command, { rawArgs })).result as App | null;
  if (app) onCleanup(app.stop);
  return app;
}

describe("arguments, in process", () => {
  test.each([
    [["--prot", "8080"], "Unknown option --prot (did you mean --port?); see storytime-reload --help."],
    [["--outptu=x"], "Unknown option --outptu (did you mean --output?); see storytime-reload --help."],
    [["--color"], "Unknown option --color; see storytime-reload --help."],
    [["-x"], "Unknown option -x; see storytime-reload --help."],
    [["-port", "9000"], "Unknown option -port (did you mean --port?); see storytime-reload --help."],
    [["-output=x"], "Unknown option -output (did you mean --output?); see storytime-reload --help."],
    [["-o=public"], "-o=public: write -o public or --output=public; see storytime-reload --help."],
    [["-p=8090"], "-p=8090: write -p 8090 or --port=8090; see storytime-reload --help."],
  ])("%j is refused in one sentence that points at --help", async (rawArgs, message) => {
    await expect(runArgs(rawArgs)).rejects.toThrow(message);
  });

  test.each([
    [["--build", "python3", "build.py"], 'Unexpected argument "build.py"; quote the command: --build "python3 build.py".'],
    [["-b", "storytime", "build", "src", "out", "--port", "0"], 'Unexpected argument "build"; quote the command: --build "storytime build src out".'],
    [["--build=python3", "build.py"], 'Unexpected argument "build.py"; quote the command: --build "python3 build.py".'],
    [["--output", "my", "catalog"], 'Unexpected argument "catalog"; quote a path with spaces: --output "my catalog".'],
    [["help"], 'Unexpected argument "help"; did you mean --help?'],
    [["9000"], 'Unexpected argument "9000"; did you mean --port 9000?'],
    [["build/catalog"], 'Unexpected argument "build/catalog"; did you mean --output build/catalog?'],
    [["serve"], 'Unexpected argument "serve"; storytime-reload takes options only (see storytime-reload --help).'],
    [["--open", "x"], 'Unexpected argument "x"; storytime-reload takes options only (see storytime-reload --help).'],
    [["--build", "--port", "0"], "--build needs a value before --port; see storytime-reload --help."],
  ])("the stray word in %j is named with what was probably meant", async (rawArgs, message) => {
    await expect(runArgs(rawArgs)).rejects.toThrow(message);
  });

  test("-o, -i, -b and -p stand for --output, --input, --build and --port", async () => {
    const out = tempDir();
    const input = tempDir();
    const logs = captureLogs();
    const app = await runArgs(["-o", out, "-i", input, "-b", "true", "-p", "0"]);
    expect(app!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // Paths are shown relative to the current directory when inside it: their unique names are what count.
    expect(logs.lines.join("\n")).toMatch(new RegExp(`Serving \\S*${basename(out)} at ${app!.url}`));
    expect(logs.lines.join("\n")).toMatch(new RegExp(`Watching \\S*${basename(input)}: a change runs \`true\``));
  });

  test("a value attached to a short flag may hold an = of its own", async () => {
    const logs = captureLogs();
    const app = await runArgs(["-o", tempDir(), "-i", tempDir(), "-becho --base=/x", "-p", "0"]);
    expect(app).not.toBeNull();
    expect(logs.lines.join("\n")).toContain("a change runs `echo --base=/x`");
  });

  test("--no-open, the negation citty accepts for a boolean, is not an unknown option", async () => {
    expect(await runArgs(["--no-open", "--output", tempDir(), "--port", "0"])).not.toBeNull();
  });

  test("a --host name that does not resolve is one sentence, not Bun's listen error", async () => {
    // A 64-letter label is refused by the resolver itself: no DNS query leaves this machine.
    const host = `${"a".repeat(64)}.example`;
    await expect(runArgs(["--host", host, "--port", "0", "--output", tempDir()])).rejects.toThrow(
      new RegExp(`^Cannot listen on --host ${host}: the name does not resolve; pass --host 127\\.0\\.0\\.1 \\(this machine only\\).*, or --host 0\\.0\\.0\\.0 \\(every interface\\)\\.$`),
    );
  });

  test("--host with a port is told to put the port in --port", async () => {
    await expect(runArgs(["--host", "127.0.0.1:8080", "--output", tempDir()])).rejects.toThrow(
      "--host 127.0.0.1:8080 includes a port; put the port in --port: --host 127.0.0.1 --port 8080.",
    );
  });

  testUnless(LOOPBACK_NAME_SKIP)("--host with this machine's name, which resolves to loopback here, is not warned about as reachable from the network", async () => {
    const logs = captureLogs();
    const app = await runArgs(["--host", hostname(), "--port", "0", "--output", tempDir()]);
    expect(app!.url).toBe(`http://${hostname()}:${app!.port}/`);
    expect((await fetch(app!.url)).status).toBe(404);
    expect(logs.lines.join("\n")).not.toContain("reachable from the network");
  });

  test("a valid command line starts the server and resolves with it", async () => {
    const out = tempDir();
    const app = await runArgs(["--output", out, "--port", "0"]);
    expect(app!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(app!.url)).text()).toContain("Not found");
  });

  test("a second server on the same output is told about the first, with its pid and URL", async () => {
    const out = tempDir();
    const first = await runArgs(["--output", out, "--port", "0"]);
    const logs = captureLogs();
    await runArgs(["--output", join(out, "."), "--port", "0"]);
    const line = await logs.waitFor(/Another storytime-reload/, 1_000);
    expect(line).toContain(`pid ${process.pid}`);
    expect(line).toContain(first!.url);
  });

  test("a server alone on its output is not warned about, and one that stopped is forgotten", async () => {
    const out = tempDir();
    const logs = captureLogs();
    const first = await runArgs(["--output", out, "--port", "0"]);
    await first!.stop();
    await runArgs(["--output", out, "--port", "0"]);
    expect(logs.lines.some((line) => line.includes("Another storytime-reload"))).toBe(false);
  });
});

describe("as a process: streams and exit codes", () => {
  test("--help into a pipe has no colour codes, even without NO_COLOR", async () => {
    const env = { NO_COLOR: "", CI: "", TEST: "", TERM: "xterm-256color", FORCE_COLOR: "" };
    const { code, stdout, stderr } = await run(["bun", CLI, "--help"], { env });
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("--version");
    expect(stdout).not.toMatch(ANSI);
  });

  test("-v prints the version and -h the usage, exit 0", async () => {
    expect((await run(["bun", CLI, "-v"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await run(["bun", CLI, "-h"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith("storytime-reload 0.1.0\n");
    expect(help.stdout).toContain("Usage: storytime-reload [options]");
  });

  test("an unknown option: one line on stderr, nothing on stdout, exit 2", async () => {
    const { code, stdout, stderr } = await run(["bun", CLI, "--prot", "8080"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(untimed(stderr.trim()).split("\n")).toEqual(["[storytime] ✖ Unknown option --prot (did you mean --port?); see storytime-reload --help."]);
  });

  test.each([
    [["--build", "python3", "build.py"], 'Unexpected argument "build.py"; quote the command: --build "python3 build.py".'],
    [["-port", "9000"], "Unknown option -port (did you mean --port?); see storytime-reload --help."],
    [["help"], 'Unexpected argument "help"; did you mean --help?'],
    [["build/catalog"], 'Unexpected argument "build/catalog"; did you mean --output build/catalog?'],
    [["--host", "127.0.0.1:8080", "--port", "0"], "--host 127.0.0.1:8080 includes a port; put the port in --port: --host 127.0.0.1 --port 8080."],
  ])("%j: one line on stderr, exit 2", async (rawArgs, message) => {
    const { code, stdout, stderr } = await run(["bun", CLI, ...rawArgs]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(untimed(stderr.trim()).split("\n")).toEqual([`[storytime] ✖ ${message}`]);
  });

  test.each([["999.1.1.1"], ["300.0.0.1"]])("--host %s is one line naming the host, exit 2, no stack", async (host) => {
    const { code, stdout, stderr } = await run(["bun", CLI, "--host", host, "--port", "0", "--output", tempDir()]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain(`--host ${host} is not a valid IPv4 address`);
    expect(stderr).toContain("--host 127.0.0.1");
  });

  test("two servers on one output: the second warns once, on stderr, and both keep serving", async () => {
    const out = tree({ "x/": "", "index.html": "hi" });
    const first = await launch(["bun", CLI, "--output", out, "--port", "0"]);
    const second = await launch(["bun", CLI, "--output", out, "--port", "0"]);
    await second.waitForOutput(`Another storytime-reload (pid ${first.proc.pid}, ${first.url}) also serves this output`);
    expect(first.output()).not.toContain("Another storytime-reload");
    expect(second.output().split("Another storytime-reload")).toHaveLength(2);
    expect((await fetch(first.url)).status).toBe(200);
    expect((await fetch(second.url)).status).toBe(200);
  });
});

const NOBODY_SKIP = nobodySkipReason();

describe("command line faults", () => {
  testUnless(NOBODY_SKIP)("an unreadable --output is one line naming the permission problem, exit 2", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o700 });
    const { code, all } = await run(asNobody(["bun", CLI, "--output", locked, "--port", "0"]), { cwd: dir });
    expect(code).toBe(2);
    expect(all).toContain("permission denied");
    expect(all.trim().split("\n").filter(Boolean)).toHaveLength(1);
  });
});
