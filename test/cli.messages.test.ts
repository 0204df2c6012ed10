import { afterEach, describe, expect, test } from "bun:test";
import { runCommand } from "citty";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { command, usage } from "../src/cli.ts";
import type { App } from "../src/start.ts";
import { cleanup, onCleanup } from "./helpers/cleanup.ts";
import { CLI, tempDir, tree } from "./helpers/files.ts";
import { captureLogs } from "./helpers/logs.ts";
import { launch, run, untimed } from "./helpers/process.ts";
import { testUnless } from "./helpers/skip.ts";

afterEach(cleanup);

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

describe("usage", () => {
  const text = usage();
  const optionLines = text.slice(text.indexOf("Options:\n") + 9, text.indexOf("\n\nExample:")).split("\n");

  test("each option on its own line, left-aligned as README writes it, descriptions in one column", () => {
    const column = optionLines[0]!.indexOf("Directory");
    for (const line of optionLines) expect(line.slice(column - 2, column + 1)).toMatch(/^ {2}\S$/);
    const flags = optionLines.filter((line) => line.slice(0, column).trim()).map((line) => line.slice(0, column).trimEnd());
    for (const flag of flags) expect(flag).toMatch(/^ {2}(-[a-z], | {4})--[a-z]+(-[a-z]+)*( <[a-z]+>)?$/);
    for (const flag of ["-o, --output <dir>", "-i, --input <dir>", "-b, --build <cmd>", "    --watch-build <cmd>", "-p, --port <n>", "    --host <host>", "    --open", "-h, --help", "-v, --version"]) {
      expect(flags).toContain(`  ${flag}`);
    }
  });

  test("fits 80 columns, with no colour and no trailing spaces", () => {
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(text).not.toMatch(ANSI);
    expect(text).not.toMatch(/ +$/m);
  });

  test("names the defaults and ends with an example", () => {
    expect(text).toContain("(default: build/catalog");
    expect(text).toContain("(default: 8080)");
    expect(text).toContain('Example:\n  storytime-reload --input src/storytime --output build/catalog \\\n    --build "storytime build src/storytime build/catalog"\n');
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
    expect((await fetch(second.url)).status).toBe(200);
  });
});
