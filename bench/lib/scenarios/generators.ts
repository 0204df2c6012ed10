import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { Tab } from "../browser.ts";
import { recalibrate, wall } from "../clock.ts";
import { generators, scaffold, type Generator, type GeneratorName } from "../generators.ts";
import { freePort, spawnGroup, waitForListening, type Group } from "../procs.ts";
import { ROOT } from "../servers.ts";
import { rotate } from "./common.ts";

export type GeneratorMode = "own server" | "--build" | "--watch-build";
const MODES: GeneratorMode[] = ["own server", "--build", "--watch-build"];

export interface GeneratorModeResult {
  /** The command line, as run in the project directory; null when the generator has nothing for this mode here. */
  command: string | null;
  note: string;
  /** ms from the save to the new content in the tab: DOMContentLoaded of the load that shows it, or the DOM patch that puts it there. */
  visible: number[];
  /** Per save shown: the page loads from the save until the tab is still, and the DOM patches. */
  loads: number[];
  patches: number[];
  /** Loads after the save that did not show its content yet (stale or blank), summed over the saves. */
  early: number;
  /** Saves the tab never showed within SHOW_MS. */
  lost: number;
}

export interface GeneratorResult {
  name: GeneratorName;
  version: string;
  /** Why it was skipped, or null. */
  missing: string | null;
  modes: Partial<Record<GeneratorMode, GeneratorModeResult>>;
  /** What a save costs under --build before any rebuilding: the generator's `--version`, and its whole build with nothing changed (ms). */
  startup: number[];
  oneShotBuild: number[];
}

/** Longest a generator may take to show a save: sphinx-build takes 1-2 s per save here. */
const SHOW_MS = 8_000;
/** A save is over once the tab has been still this long: longer than the widest gap storytime-reload waits for between a rebuild's groups (1 s). */
const STILL_MS = 1_500;
/** Longest a generator's first full build may take before its page shows (Eleventy and Jekyll start in 2-5 s on 2 busy cores). */
const FIRST_PAGE_MS = 60_000;

/**
 * Each available generator on its own 30-page project, in three copies side by side, one per
 * mode, each with a tab open on the same page; saves alternate between the modes trial by trial.
 * A save rewrites the page's source (a plain write, as most editors do), after a random pause of
 * up to half a second, so no mode keeps the same phase against a generator that polls (Hugo
 * looks for changes every 500 ms).
 */
export async function generatorSaves(browser: Browser, dir: string, trials: number, progress: (message: string) => void): Promise<GeneratorResult[]> {
  const results: GeneratorResult[] = [];
  // BENCH_GENERATORS=Hugo,Eleventy measures only those, while looking into one.
  const only = process.env.BENCH_GENERATORS?.split(",");
  for (const generator of generators().filter((g) => !only || only.includes(g.name))) {
    const result: GeneratorResult = { name: generator.name, version: generator.version, missing: generator.missing, modes: {}, startup: [], oneShotBuild: [] };
    results.push(result);
    if (generator.missing) {
      progress(`${generator.name}: skipped, ${generator.missing}`);
      continue;
    }
    progress(`${generator.name} ${generator.version}: starting its own server, storytime-reload --build and storytime-reload --watch-build`);
    const running: Running[] = [];
    try {
      for (const mode of MODES) {
        const started = await startMode(generator, mode, join(dir, generator.name, mode.replace(/\W+/g, "")), browser);
        result.modes[mode] = started.result;
        if (started.running) running.push(started.running);
      }
      progress(`${generator.name}: ${trials} saves per mode, alternating`);
      for (let trial = 0; trial < trials; trial++) {
        recalibrate();
        for (const r of rotate(running, trial)) await save(generator, r, trial);
      }
    } finally {
      for (const r of running) {
        await r.tab.close();
        await r.group.stop();
      }
    }
    const project = join(dir, generator.name, "build");
    for (let i = 0; i < 3; i++) {
      result.startup.push(timed(versionCommand(generator), project));
      result.oneShotBuild.push(timed(generator.build, project));
    }
  }
  return results;
}

interface Running {
  mode: GeneratorMode;
  project: string;
  group: Group;
  tab: Tab;
  result: GeneratorModeResult;
}

function commandFor(generator: Generator, mode: GeneratorMode, port: number, spare: number): string[] | null {
  const ours = (flag: string, command: string) => [
    process.execPath,
    join(ROOT, "src/cli.ts"),
    "--input",
    ".",
    "--output",
    generator.output,
    flag,
    command,
    "--port",
    `${port}`,
    "--host",
    "127.0.0.1",
  ];
  if (mode === "own server") return generator.serve?.(port, spare) ?? null;
  if (mode === "--build") return ours("--build", generator.build);
  return generator.watch ? ours("--watch-build", generator.watch) : null;
}

async function startMode(generator: Generator, mode: GeneratorMode, project: string, browser: Browser): Promise<{ result: GeneratorModeResult; running: Running | null }> {
  const port = freePort();
  const argv = commandFor(generator, mode, port, freePort());
  const result: GeneratorModeResult = { command: argv && shown(argv), note: "", visible: [], loads: [], patches: [], early: 0, lost: 0 };
  if (!argv) {
    result.note = mode === "--watch-build" ? `${generator.name} has no watch mode` : `no development server of ${generator.name} is installed`;
    return { result, running: null };
  }
  mkdirSync(project, { recursive: true });
  scaffold(generator, project, "initial");
  const group = spawnGroup(argv, { cwd: project });
  try {
    await waitForListening(group, port, FIRST_PAGE_MS);
    const tab = await Tab.open(browser, `http://127.0.0.1:${port}${generator.url}`);
    const deadline = wall() + FIRST_PAGE_MS;
    // The first full build may still run: its page is a 404 or not there yet.
    while (tab.marker() !== "initial") {
      if (wall() > deadline) throw new Error(`the page never showed its initial content:\n${group.output()}`);
      await Bun.sleep(500);
      await tab.reopen();
    }
    await tab.quiet(STILL_MS, wall() + 10_000);
    return { result, running: { mode, project, group, tab, result } };
  } catch (error) {
    await group.stop();
    result.note = `did not start: ${(error as Error).message.split("\n")[0]}`;
    return { result, running: null };
  }
}

async function save(generator: Generator, r: Running, trial: number): Promise<void> {
  await Bun.sleep(Math.random() * 500);
  const marker = `save-${trial}`;
  const from = { loads: r.tab.loads.length, patches: r.tab.patches.length };
  const savedAt = wall();
  writeFileSync(join(r.project, generator.page), generator.source(marker));
  const visible = await r.tab.waitForVisible(marker, from, savedAt + SHOW_MS);
  await r.tab.quiet(STILL_MS, wall() + SHOW_MS);
  if (visible === null) {
    r.result.lost++;
    await r.tab.reopen();
    return;
  }
  const loads = r.tab.loads.slice(from.loads);
  r.result.visible.push(visible - savedAt);
  r.result.loads.push(loads.length);
  r.result.patches.push(r.tab.patches.length - from.patches);
  const firstShown = loads.findIndex((l) => l.marker === marker);
  r.result.early += firstShown === -1 ? 0 : firstShown;
}

function versionCommand(generator: Generator): string {
  return generator.build.split(" ")[0] === "hugo" ? "hugo version" : `${generator.build.split(" ")[0]} --version`;
}

function timed(command: string, cwd: string): number {
  const started = performance.now();
  Bun.spawnSync(["/bin/sh", "-c", command], { cwd, stdout: "ignore", stderr: "ignore" });
  return performance.now() - started;
}

/** The command line as a reader would type it: the bench's own paths cut to the program's name. */
function shown(argv: string[]): string {
  return argv
    .map((arg) => arg.replace(/^.*\/node_modules\/\.bin\/(\S+)/, "$1").replace(/^.*\/src\/cli\.ts$/, "src/cli.ts"))
    .map((arg) => (arg === process.execPath ? "bun" : /\s/.test(arg) ? `"${arg}"` : arg))
    .join(" ");
}
