import { afterEach, describe, expect, test } from "bun:test";
import { runCommand } from "citty";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { command, usage } from "../src/cli.ts";
import type { App } from "../src/start.ts";
import { cleanup, logged, tempDir, waitForLog } from "./helpers.ts";
import { CLI, launch, run } from "./process.ts";

const running: App[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.stop();
  await cleanup();
});

const ANSI = /\x1b\[/;

/** Runs the exported command in this process, as `main` does, and stops the server it starts. */
async function runArgs(rawArgs: string[]): Promise<App | null> {
  const app = (await runCommand(command, { rawArgs })).result as App | null;
  if (app) running.push(app);
  return app;
}

describe("arguments, in process", () => {
  test.each([
    [["--prot", "8080"], "Unknown option --prot (did you mean --port?); see storytime-reload --help."],
    [["--outptu=x"], "Unknown option --outptu (did you mean --output?); see storytime-reload --help."],
    [["--quiet"], "Unknown option --quiet; see storytime-reload --help."],
    [["-x"], "Unknown option -x; see storytime-reload --help."],
  ])("%j is refused in one sentence that points at --help", async (rawArgs, message) => {
    await expect(runArgs(rawArgs)).rejects.toThrow(message);
  });

  test("a stray word is refused with the option it probably meant", async () => {
    await expect(runArgs(["build/catalog"])).rejects.toThrow('Unexpected argument "build/catalog"; storytime-reload takes options only, for example --output build/catalog.');
  });

  test("--no-open, the negation citty accepts for a boolean, is not an unknown option", async () => {
    expect(await runArgs(["--no-open", "--output", tempDir(), "--port", "0"])).not.toBeNull();
  });

  test("a --host name that does not resolve is one sentence, not Bun's listen error", async () => {
    // A 64-letter label is refused by the resolver itself: no DNS query leaves this machine.
    const host = `${"a".repeat(64)}.example`;
    await expect(runArgs(["--host", host, "--port", "0", "--output", tempDir()])).rejects.toThrow(
      new RegExp(`^Cannot listen on --host ${host}: the name does not resolve; pass .*, or --host 0\\.0\\.0\\.0 for every interface\\.$`),
    );
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
    const mark = logged.length;
    await runArgs(["--output", join(out, "."), "--port", "0"]);
    const line = await waitForLog(/Another storytime-reload/, 1_000, mark);
    expect(line).toContain(`pid ${process.pid}`);
    expect(line).toContain(first!.url);
  });

  test("a server alone on its output is not warned about, and one that stopped is forgotten", async () => {
    const out = tempDir();
    const mark = logged.length;
    const first = await runArgs(["--output", out, "--port", "0"]);
    await first!.stop();
    await runArgs(["--output", out, "--port", "0"]);
    expect(logged.slice(mark).some((line) => line.includes("Another storytime-reload"))).toBe(false);
  });
});

describe("usage", () => {
  test("lists every option, --help and --version included, with no colour when asked for none", async () => {
    const text = await usage(false);
    for (const flag of ["--output", "--input", "--build", "--port", "--host", "--open", "-h, --help", "-v, --version"]) expect(text).toContain(flag);
    expect(text).not.toMatch(ANSI);
    expect(text).not.toMatch(/ +$/m);
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
    expect(help.stdout).toContain("USAGE");
  });

  test("an unknown option: one line on stderr, nothing on stdout, exit 2", async () => {
    const { code, stdout, stderr } = await run(["bun", CLI, "--prot", "8080"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d \[storytime\] ✖ Unknown option --prot \(did you mean --port\?\); see storytime-reload --help\.$/)]);
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
    const out = tempDir();
    mkdirSync(join(out, "x"));
    writeFileSync(join(out, "index.html"), "hi");
    const first = await launch(["bun", CLI, "--output", out, "--port", "0"]);
    const second = await launch(["bun", CLI, "--output", out, "--port", "0"]);
    try {
      await second.waitForOutput(`Another storytime-reload (pid ${first.proc.pid}, ${first.url}) also serves this output`);
      expect(first.output()).not.toContain("Another storytime-reload");
      expect((await fetch(second.url)).status).toBe(200);
    } finally {
      first.proc.kill("SIGKILL");
      second.proc.kill("SIGKILL");
    }
  });
});
