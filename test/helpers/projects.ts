import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startApp } from "./app.ts";
import { eventually } from "./eventually.ts";
import { fileLines, fixture, ROOT, tempDir, tree } from "./files.ts";

/**
 * A small catalog's output, served: a whole page, a fragment in a folder, another folder's page,
 * and assets of each kind.
 */
export async function servedCatalog() {
  const out = tree({
    "index.html": "<html><head><title>Catalog</title></head><body>home</body></html>",
    "section/button/index.html": "<p>button fragment</p>",
    "static/site.css": "body { color: red }",
    "static/app.js": "console.log(1)",
    "static/logo.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    "foo/index.html": "<p>foo</p>",
    "foo/style.css": "a{}",
  });
  return { out, app: await startApp({ output: out }) };
}

/**
 * A project as users have one: its sources under `src/` (path → content), a build script
 * `build.sh` that gets STORYTIME_INPUT and STORYTIME_OUTPUT, and `out/` for the output, not
 * there until a build writes it.
 */
export function project(sources: Record<string, string>, script = "") {
  const dir = tree({ ...Object.fromEntries(Object.entries(sources).map(([path, content]) => [join("src", path), content])), "src/": "", "build.sh": script });
  return { dir, input: join(dir, "src"), output: join(dir, "out"), build: `sh ${join(dir, "build.sh")}` };
}

/**
 * A project whose build records each run (its pid, the env it got) and copies story.py to the
 * output's index.html after an optional pause.
 */
export function recordingProject(pauseSeconds = 0) {
  const runs = join(tempDir(), "runs.log");
  const p = project(
    { "story.py": "initial" },
    [
      `echo "start $$ $STORYTIME_INPUT $STORYTIME_OUTPUT" >> "${runs}"`,
      `sleep ${pauseSeconds} & echo "child $!" >> "${runs}"; wait`,
      `mkdir -p "$STORYTIME_OUTPUT" && cp "$STORYTIME_INPUT/story.py" "$STORYTIME_OUTPUT/index.html"`,
      `echo "end $$" >> "${runs}"`,
    ].join("\n"),
  );
  const lines = (kind: string) =>
    fileLines(runs).filter((line) => line.startsWith(kind + " "));
  const waitForRuns = (kind: "start" | "end", count: number, ms = 10_000) =>
    eventually(() => lines(kind).length >= count, { ms, what: () => `${count} build ${kind}s; saw ${lines(kind).length}` });
  return { ...p, lines, waitForRuns };
}

/**
 * A project whose sources a generator's watch mode in miniature (fixtures/fake-generator.ts, its
 * settings in `env`) turns into the output, for --watch-build; `starts()` lists the pid of each of
 * its starts and of the child it keeps.
 */
export function fakeGeneratorProject(env: Record<string, string> = {}) {
  const p = project({ "page.txt": "initial" });
  const runs = join(p.dir, "runs");
  const assignments = Object.entries({ RUNS: runs, ...env }).map(([name, value]) => `${name}='${value}'`);
  const watchBuild = `${assignments.join(" ")} "${process.execPath}" "${fixture("fake-generator.ts")}"`;
  const starts = () =>
    fileLines(runs).map((line) => line.split(" ").map(Number) as [number, number]);
  return { ...p, watchBuild, starts };
}

/**
 * The example catalog as committed, never the working tree (README invites users to edit
 * examples/catalog, and the suite must still pass after they do), served and built by the app.
 */
export async function exampleCatalog(buildEnv = "") {
  const dir = tempDir();
  const archive = Bun.spawnSync(["git", "archive", "--format=tar", "HEAD", "examples/catalog"], { cwd: ROOT });
  if (archive.exitCode !== 0) throw new Error(`git archive of examples/catalog failed: ${archive.stderr.toString().trim()}`);
  const untar = Bun.spawnSync(["tar", "-x", "-C", dir], { stdin: archive.stdout });
  if (untar.exitCode !== 0) throw new Error(`tar failed: ${untar.stderr.toString().trim()}`);
  const example = join(dir, "examples/catalog");
  const input = join(example, "src/storytime");
  const app = await startApp({ input, output: join(example, "build"), build: `${buildEnv} bun ${join(example, "build.ts")}`.trim() });
  return { input, app };
}

/**
 * A build command that starts a child of its own and waits; `pids()` resolves with the build's
 * pid and its child's once both run: for checks that the build's whole process group is ended.
 */
export function sleeperBuild() {
  const file = join(tempDir(), "pids");
  const pids = () =>
    eventually(() => existsSync(file) && readFileSync(file, "utf8").trim(), { what: "the build and its child to start" }).then(
      (text) => text.split(" ").map(Number) as [number, number],
    );
  return { command: `"${process.execPath}" "${fixture("sleeper.ts")}" "${file}"`, pids };
}
