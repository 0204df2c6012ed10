import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TAIL_LINES } from "../../../src/build/output.ts";
import { type BuildConfig, BuildRunner } from "../../../src/build/runner.ts";
import { MAX_LINE_CHARS } from "../../../src/build/shell.ts";
import { startApp } from "../../helpers/app.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { CLI, fixture, tempDir, tree } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";
import { launch } from "../../helpers/process.ts";
import { project } from "../../helpers/projects.ts";
import { describeUnless, POSIX_SHELL_SKIP } from "../../helpers/skip.ts";

afterEach(cleanup);

/** Runs one build to its end and returns what it logged, without the "storytime:build: " tag. */
async function runBuild(command: string, config: Partial<BuildConfig> = {}): Promise<string[]> {
  const dir = tempDir();
  const logs = captureLogs();
  let idle: Promise<void> | undefined;
  const runner = new BuildRunner({ command, input: dir, output: dir, saveSettleMs: 10, onBusy: (done) => (idle = done), ...config });
  try {
    runner.startNow();
    await idle;
    return logs.lines.map((line) => line.replace(/^storytime:build: /, ""));
  } finally {
    await runner.stop();
  }
}

/** A shell loop printing `count` numbered lines ("line 0" …) to stdout. */
const lines = (count: number, text = "line") => `i=0; while [ $i -lt ${count} ]; do echo "${text} $i"; i=$((i+1)); done`;

describeUnless(POSIX_SHELL_SKIP)("a failed build", () => {
  test("1,000 lines and then its error: the error and the last lines are shown after the fold, with what was left out counted and how to see it", async () => {
    const log = await runBuild(`${lines(1000)}; echo "Traceback: stories.py line 3" >&2; exit 1`);
    const failure = log.findIndex((line) => line.startsWith("Build failed with exit code 1"));
    expect(failure).toBeGreaterThan(0);
    const shown = log.slice(0, failure);
    expect(shown).toContain("Traceback: stories.py line 3");
    expect(shown).toContain("line 999");
    expect(shown.filter((line) => line.startsWith("line ")).length).toBeGreaterThanOrEqual(TAIL_LINES - 1);
    // stdout and stderr are two pipes read side by side, so the error may arrive among the last lines
    // or before them; either way every line is shown or counted, once.
    const counted = shown.map((line) => Number(/^\((\d+) (?:earlier )?lines? of build output not shown(?:; --verbose shows them as they come, 200 a second at most)?\)$/.exec(line)?.[1] ?? 0));
    expect(counted.reduce((sum, n) => sum + n, 0) + shown.filter((line) => line.startsWith("line ")).length).toBe(1000);
    expect(shown.length).toBeLessThan(TAIL_LINES + 5);
    expect(shown.find((line) => line.includes("not shown"))).toEndWith("earlier lines of build output not shown; --verbose shows them as they come, 200 a second at most)");
  });

  test("its earlier stderr lines are shown too, each gap counted", async () => {
    const log = await runBuild(`echo "warning: early" >&2; ${lines(500)}; echo "error: late" >&2; ${lines(30, "after")}; exit 2`);
    const shown = log.slice(1, log.findIndex((line) => line.startsWith("Build failed")));
    // Lines are shown in the order they arrived, and stdout and stderr are two pipes read side by side.
    for (const line of ["warning: early", "error: late", "after 11", "after 29"]) expect(shown).toContain(line);
    expect(shown.filter((line) => line.endsWith("of build output not shown)")).length).toBeGreaterThanOrEqual(1);
    expect(shown.length).toBeLessThan(TAIL_LINES + 6);
  });

  test("of 150 lines on stderr among 500 on stdout, the last 100 and the last 20 lines are shown, as README says", async () => {
    const log = await runBuild(`i=1; while [ $i -le 150 ]; do echo "err $i" >&2; i=$((i+1)); done; ${lines(500)}; exit 1`);
    const shown = log.slice(0, log.findIndex((line) => line.startsWith("Build failed")));
    expect(shown.filter((line) => line.startsWith("err "))).toEqual(Array.from({ length: 100 }, (_, i) => `err ${i + 51}`));
    expect(shown.filter((line) => line.startsWith("line "))).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 480}`));
  });

  test("a command that is not found says to check --build", async () => {
    const log = await runBuild("pyhton3-storytime-test build.py");
    expect(log.some((line) => line.includes("pyhton3-storytime-test"))).toBe(true);
    expect(log.at(-1)).toMatch(/^Build failed with exit code 127 after .* \(command not found: check --build\); still serving the output as the build left it$/);
  });

  test("a command that starts with - is still a command, not an option of sh", async () => {
    const log = await runBuild("-storytime-test-command");
    expect(log.at(-1)).toContain("exit code 127");
    // The shell's own complaint: "not found", or "Permission denied" when PATH holds a directory this user cannot read.
    expect(log.some((line) => line.includes("-storytime-test-command:"))).toBe(true);
  });

  test("with --verbose every line was shown as it came: nothing is shown twice", async () => {
    const log = await runBuild(`${lines(30)}; echo "the error" >&2; exit 1`, { verbose: true });
    expect(log.filter((line) => line === "the error")).toHaveLength(1);
    expect(log.filter((line) => line.startsWith("line "))).toHaveLength(30);
    expect(log.at(-1)).toContain("(its output is above)");
  });
});

describeUnless(POSIX_SHELL_SKIP)("a successful build", () => {
  test("is folded to its start, its last line and its time; the fold is explained once", async () => {
    const p = project(
      { "page.md": "one" },
      `mkdir -p "$STORYTIME_OUTPUT" && cp "$STORYTIME_INPUT/page.md" "$STORYTIME_OUTPUT/index.html"; ${lines(36, "Writing page")}; echo "Wrote 36 files in 0.05 seconds"`,
    );
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    await app.logs.waitFor(/Built in/);
    const start = [...app.logs.lines];
    const edit = captureLogs();
    writeFileSync(join(p.input, "page.md"), "two");
    await edit.waitFor(/Built in/);
    const build = (lines: string[]) => lines.filter((line) => line.startsWith("storytime:build: "));
    expect(app.logs.lines.some((line) => line.startsWith("storytime:build: Writing page"))).toBe(false);
    expect(build(start)).toEqual([
      "storytime:build: Building",
      expect.stringMatching(/^storytime:build: Built in \d+ ms: Wrote 36 files in 0\.05 seconds$/),
      "storytime:build: (36 more lines of build output folded; a failed build shows its last lines, and --verbose shows them as they come, 200 a second at most)",
    ]);
    expect(build(edit.lines)).toEqual(["storytime:build: Building (page.md changed)", expect.stringMatching(/^storytime:build: Built in \d+ ms: Wrote 36 files/)]);
  });

  test("the build's own output is passed through as the build wrote it", async () => {
    const dir = tempDir();
    const server = await launch(["bun", CLI, "--input", tempDir(), "--output", join(dir, "out"), "--port", "0", "--build", `printf 'step\\n\\033[32mall green\\033[39m\\n'`], { cwd: dir });
    await server.waitForOutput("Built in");
    expect(server.output()).toMatch(/Built in \d+ ms: \x1b\[32mall green\x1b\[39m\n/);
  });

  test("with --verbose, 200 lines a second are shown as they come and the rest counted, as README says", async () => {
    const log = await runBuild(`seq 1000 | sed 's/^/line /'`, { verbose: true });
    expect(log.filter((line) => line.startsWith("line "))).toHaveLength(200);
    expect(log).toContain("(800 more lines of build output not shown)");
  });

  test("a line the build repeats is shown each time, as it wrote it", async () => {
    const log = await runBuild(`for i in 1 2 3 4 5 6 7 8 9 10; do echo compiling...; done`, { verbose: true });
    expect(log.filter((line) => line === "compiling...")).toHaveLength(10);
  });

  test("with --verbose every line is shown, and the last is not repeated", async () => {
    const log = await runBuild(`${lines(36)}`, { verbose: true });
    expect(log.filter((line) => line.startsWith("line "))).toHaveLength(36);
    expect(log.at(-1)).toMatch(/^Built in \d+ ms$/);
  });

  test("one 100 MB line with no line break is read in linear time, shown cut, and claims no background process", async () => {
    const log = await runBuild(`head -c 100000000 /dev/zero | tr '\\0' x`);
    const built = log.find((line) => line.startsWith("Built in"))!;
    expect(built).toEndWith(`: ${"x".repeat(MAX_LINE_CHARS)}… (${100_000_000 - MAX_LINE_CHARS} more characters)`);
    expect(log.some((line) => line.includes("background processes"))).toBe(false);
  }, 20_000);

  test("pipes held open by a process outside the build's group are no background process of the build", async () => {
    // Its own session: the build's group is empty once the shell exits, though the pipes are not closed.
    const detached = `"${process.execPath}" -e 'Bun.spawn(["sleep", "2"], { detached: true, stdio: ["ignore", "inherit", "inherit"] }).unref()'`;
    const log = await runBuild(`${detached}; echo done`);
    expect(log.find((line) => line.startsWith("Built in"))).toEndWith(": done");
    expect(log.some((line) => line.includes("background processes"))).toBe(false);
  });

  test("a build whose background helper really runs is said to have left it", async () => {
    const log = await runBuild("sleep 5 & echo started");
    expect(log.some((line) => line.includes("left background processes running"))).toBe(true);
  });
});

describeUnless(POSIX_SHELL_SKIP)("a long build", () => {
  test("past the pages' limit, the still-running line no longer says that pages wait for it", async () => {
    const log = await runBuild("sleep 0.5", { stillRunningEveryMs: 150, pagesWaitMs: 250 });
    const still = log.filter((line) => line.startsWith("still running after"));
    expect(still[0]).toMatch(/^still running after \d+ ms; pages wait for it$/);
    expect(still.at(-1)).toMatch(/^still running after \d+ ms; pages wait for it 250 ms at most, then get the output as it stands$/);
  });
});

describe("builds that misbehave", () => {
  test("a build that floods its output, shown with --verbose, does not stall the server", async () => {
    const dir = tree({ "out/site.css": "body{}" });
    const out = join(dir, "out");
    const server = await launch(["bun", CLI, "--input", tempDir(), "--output", out, "--port", "0", "--verbose", "--build", `"${process.execPath}" "${fixture("flood.ts")}"`], { cwd: dir });
    await server.waitForOutput("a line of build output");
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      expect((await fetch(`${server.url}site.css`)).status).toBe(200);
      latencies.push(performance.now() - started);
    }
    expect(server.output()).not.toContain("Built in");
    await server.waitForOutput(/more lines of build output not shown/);
    expect(Math.max(...latencies)).toBeLessThan(500);
  });
});
