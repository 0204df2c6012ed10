import { afterEach, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fetchPageUntil, startApp } from "../../helpers/app.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { eventually } from "../../helpers/eventually.ts";
import { CLI, fileLines, tempDir } from "../../helpers/files.ts";
import { alive, launch } from "../../helpers/process.ts";
import { project, recordingProject } from "../../helpers/projects.ts";
import { describeUnless, POSIX_SHELL_SKIP } from "../../helpers/skip.ts";

afterEach(cleanup);

describeUnless(POSIX_SHELL_SKIP)("builds that leave processes behind", () => {
  test("a build ending in a background helper ends with its shell; the helper is stopped before the next build and at exit", async () => {
    const log = join(tempDir(), "runs.log");
    const p = project(
      { "story.py": "initial" },
      [
        `echo "start $$" >> "${log}"`,
        `mkdir -p "$STORYTIME_OUTPUT" && cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`,
        // Holds stdout and stderr open for a minute, as `tool --watch &` would.
        `sleep 60 & echo "helper $!" >> "${log}"`,
      ].join("\n"),
    );
    const app = await startApp({ input: p.input, output: p.output, build: p.build });
    await app.logs.waitFor(/Built in/);
    expect(await (await fetch(app.url)).text()).toStartWith("initial");
    await app.logs.waitFor(/left background processes running/, 2_000);

    const first = Number(fileLines(log).find((l) => l.startsWith("helper"))!.split(" ")[1]);
    expect(alive(first)).toBe(true);
    writeFileSync(join(p.input, "story.py"), "second");
    await eventually(() => fileLines(log).filter((l) => l.startsWith("helper")).length === 2, { what: "a second build" });
    await eventually(() => !alive(first), { ms: 2_000, what: "the first helper to be stopped" });
    await fetchPageUntil(app, (page) => page.startsWith("second"));

    const second = Number(fileLines(log).filter((l) => l.startsWith("helper"))[1]!.split(" ")[1]);
    await app.stop();
    await eventually(() => !alive(second), { ms: 2_000, what: "the helper to be stopped at exit" });
  }, 20_000);
});

describeUnless(POSIX_SHELL_SKIP)("build processes", () => {
  test("a build that cannot even start (its working directory is gone) is logged, and the server lives on", async () => {
    const p = recordingProject();
    const cwd = join(p.dir, "cwd");
    mkdirSync(cwd);
    const server = await launch(["bun", CLI, "--input", p.input, "--output", p.output, "--build", p.build, "--port", "0"], { cwd });
    await p.waitForRuns("end", 1);
    rmSync(cwd, { recursive: true });
    writeFileSync(join(p.input, "story.py"), "after cwd vanished");
    await server.waitForOutput("Could not start the build");
    expect((await fetch(server.url)).status).toBe(200);
  });
});
