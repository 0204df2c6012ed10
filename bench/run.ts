/**
 * Side-by-side benchmark of storytime-reload and other live-reload dev servers, in headless
 * Chromium on this machine. `bun run bench` from the repository root; `--quick` (or
 * BENCH_QUICK=1) for fewer trials while iterating. Writes bench/results/latest.json and
 * docs/bench.svg and prints the tables as Markdown. `--generators` runs only the real static-site
 * generators against their own servers, into bench/results/generators.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join, sep } from "node:path";
import type { Browser } from "playwright-core";
import { launchBrowser } from "./lib/browser.ts";
import { killAll } from "./lib/procs.ts";
import { chart, generatorsMarkdown, machineLines, markdown, type BenchResults, type GeneratorBenchResults, type RunInfo } from "./lib/report.ts";
import * as scenario from "./lib/scenarios/index.ts";
import { BENCH, ROOT, contenders, type Contender } from "./lib/servers.ts";
import { compile, entrypoints } from "../scripts/compile.ts";

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const generatorsOnly = process.argv.includes("--generators");

const TRIALS = quick
  ? { startups: 3, idleSeconds: 5, saves: 6, secondSaves: 10, bursts: 1, fanoutRuns: 1, loadSeconds: 2, changes: 10_000, rebuilds: 4, recreates: 1, generatorSaves: 3 }
  : { startups: 9, idleSeconds: 30, saves: 20, secondSaves: 40, bursts: 3, fanoutRuns: 2, loadSeconds: 5, changes: 10_000, rebuilds: 10, recreates: 3, generatorSaves: 10 };

/**
 * The bound is 10 minutes; stop a little before, whatever is still running. The
 * generators take longer: five of them, three modes each, and a save can take seconds to show.
 */
const TIME_LIMIT_MS = (generatorsOnly ? 20 : 9.5) * 60 * 1000;

const startedAt = performance.now();
const work = mkdtempSync(join(tmpdir(), "storytime-bench-"));
let browser: Browser | undefined;

function progress(message: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(0).padStart(4);
  console.error(`[${seconds} s] ${message}`);
}

function abandon(reason: string, code: number): never {
  console.error(`bench: ${reason}; stopping every process it started.`);
  killAll();
  rmSync(work, { recursive: true, force: true });
  process.exit(code);
}

process.once("SIGINT", () => abandon("interrupted", 130));
process.once("SIGTERM", () => abandon("terminated", 143));
process.once("SIGHUP", () => abandon("hung up", 129));
const deadline = setTimeout(() => abandon(`still running after ${TIME_LIMIT_MS / 60_000} minutes`, 1), TIME_LIMIT_MS);

/** The peers (and Eleventy) live in bench/node_modules, never in the tool's own dependencies. */
function ensurePeers(): void {
  if (["vite", "@11ty/eleventy"].every((peer) => existsSync(join(BENCH, "node_modules", peer)))) return;
  progress("installing the peers into bench/node_modules (bun install --frozen-lockfile)");
  const install = Bun.spawnSync([process.execPath, "install", "--frozen-lockfile"], { cwd: BENCH, stdio: ["ignore", "inherit", "inherit"] });
  if (install.exitCode !== 0) abandon("bun install in bench/ failed", 1);
}

function machine(chromium: string): RunInfo["machine"] {
  const osRelease = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? "Linux";
  const node = Bun.spawnSync(["node", "--version"]).stdout.toString().trim().replace(/^v/, "");
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: osRelease,
    kernel: release(),
    bun: Bun.version,
    node,
    chromium,
  };
}

/** Read-only git: which code these numbers belong to. */
function commit(): string {
  const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: ROOT }).stdout.toString().trim();
  const head = git("rev-parse", "--short", "HEAD") || "unknown";
  return git("status", "--porcelain", "--", "src", "client") ? `${head}+dirty` : head;
}

/** When, where and on which code this run measures; its duration and closing load average are filled in at the end. */
function runInfo(browser: Browser): RunInfo {
  return {
    date: new Date().toISOString(),
    commit: commit(),
    mode: quick ? "quick" : "full",
    durationSeconds: 0,
    machine: machine(browser.version()),
    loadAverage: { before: loadavg()[0]!, after: 0 },
  };
}

async function main(): Promise<BenchResults> {
  ensurePeers();
  const list = contenders();
  browser = await launchBrowser();
  const results: BenchResults = {
    ...runInfo(browser),
    contenders: list.map((c) => ({ name: c.name, version: c.version, command: c.shown })),
    startup: {},
    startupExecutable: { listening: [], firstPage: [] },
    startupBundle: { listening: [], firstPage: [] },
    idle: {},
    idleReferences: {},
    churn: {},
    saves: { plain: {}, atomic: {} },
    secondSave: {},
    burst: {},
    fanout: {},
    load: {},
    recreate: {},
    rebuild: null,
  };

  progress("compiling the single executable and bundling the source, whose start-ups are measured beside the source's");
  // Our contender with `bun src/cli.ts` swapped for another way of running the same CLI.
  const runAs = (...program: string[]): Contender => ({ ...list[0]!, command: (port) => [...program, ...list[0]!.command(port).slice(2)] });
  const built = [
    { name: "executable", contender: runAs(await compile(join(work, "executable", "storytime-reload"))), into: results.startupExecutable },
    { name: "bundle", contender: runAs(process.execPath, await bundle(join(work, "bundle"))), into: results.startupBundle },
  ];
  for (let run = 0; run < TRIALS.startups; run++) {
    progress(`start-up, round ${run + 1} of ${TRIALS.startups}`);
    for (const c of scenario.rotate(list, run)) {
      const { listening, firstPage } = await scenario.measureStartup(c, join(work, `startup-${run}`, c.name));
      const entry = (results.startup[c.name] ??= { listening: [], firstPage: [] });
      entry.listening.push(listening);
      entry.firstPage.push(firstPage);
    }
    for (const { name, contender, into } of built) {
      const { listening, firstPage } = await scenario.measureStartup(contender, join(work, `startup-${run}`, name));
      into.listening.push(listening);
      into.firstPage.push(firstPage);
    }
  }

  progress("starting every server with a tab open on it");
  const entries: scenario.Entry[] = [];
  for (const c of list) entries.push(await scenario.startEntry(c, join(work, c.name), browser));
  const byName = <T>(map: Map<string, T>) => Object.fromEntries(map) as Partial<Record<(typeof list)[number]["name"], T>>;

  try {
    await Bun.sleep(2_000);
    progress(`idle: ${TRIALS.idleSeconds} s, all servers at once`);
    const idle = await scenario.measureIdle(entries, TRIALS.idleSeconds, join(work, "idle"));
    results.idle = byName(idle.servers);
    results.idleReferences = idle.references;

    for (const e of entries) {
      progress(`${TRIALS.changes} changes: ${e.contender.name}`);
      results.churn[e.contender.name] = await scenario.churn(e, TRIALS.changes);
    }

    progress(`plain writes: ${TRIALS.saves} per server, alternating`);
    results.saves.plain = byName(await scenario.saves(entries, "plain", TRIALS.saves));
    progress(`atomic saves: ${TRIALS.saves} per server, alternating`);
    results.saves.atomic = byName(await scenario.saves(entries, "atomic", TRIALS.saves));

    progress(`second write 0-400 ms after a first: ${TRIALS.secondSaves} per server, alternating`);
    results.secondSave = byName(await scenario.secondSave(entries, TRIALS.secondSaves));

    progress(`500-file bursts: ${TRIALS.bursts} per server`);
    results.burst = byName(await scenario.bursts(entries, TRIALS.bursts));

    for (const e of entries) {
      progress(`100 and 500 sockets: ${e.contender.name}`);
      results.fanout[e.contender.name] = {
        "100": await scenario.fanout(e, 100, TRIALS.fanoutRuns),
        "500": await scenario.fanout(e, 500, TRIALS.fanoutRuns),
      };
    }

    for (const e of entries) {
      progress(`HTML pages per second: ${e.contender.name}, ${TRIALS.loadSeconds} s`);
      results.load[e.contender.name] = await scenario.load(e, TRIALS.loadSeconds);
    }

    progress(`input edit → rebuild → reload: ${TRIALS.rebuilds} rebuilds`);
    results.rebuild = await scenario.rebuilds(browser, join(work, "rebuild"), TRIALS.rebuilds);

    // Last: a server that loses track of its deleted directory is no use for anything after.
    progress(`output directory deleted and recreated: ${TRIALS.recreates} per server`);
    results.recreate = byName(await scenario.recreate(entries, TRIALS.recreates));
  } finally {
    for (const e of entries) await e.group.stop();
  }
  return results;
}

/**
 * The CLI and its workers as one minified JavaScript file each, no bytecode: what start-up from
 * source would be with no TypeScript modules to load. Named .ts because the CLI starts its
 * workers by their source names, which only --compile rewrites; JavaScript is valid TypeScript.
 */
async function bundle(outdir: string): Promise<string> {
  const result = await Bun.build({ entrypoints: entrypoints(), outdir, target: "bun", format: "esm", minify: true, naming: "[dir]/[name].ts" });
  const entry = result.outputs.find((o) => o.kind === "entry-point" && o.path.endsWith(`${sep}bin.ts`));
  if (!entry) throw new Error("the bundle has no bin.ts");
  return entry.path;
}

/** The generators scenario alone: each generator's own server against storytime-reload running it two ways. */
async function generatorsMain(): Promise<GeneratorBenchResults> {
  ensurePeers();
  browser = await launchBrowser();
  return {
    ...runInfo(browser),
    generators: await scenario.generatorSaves(browser, join(work, "generators"), TRIALS.generatorSaves, progress),
  };
}

function finish<T extends RunInfo>(results: T, file: string): T {
  results.durationSeconds = Math.round((performance.now() - startedAt) / 1000);
  results.loadAverage.after = loadavg()[0]!;
  mkdirSync(join(BENCH, "results"), { recursive: true });
  writeFileSync(join(BENCH, "results", file), JSON.stringify(results, null, 2) + "\n");
  return results;
}

try {
  if (generatorsOnly) {
    const results = finish(await generatorsMain(), "generators.json");
    console.log(`${generatorsMarkdown(results)}\n\n${machineLines(results).join("; ")}\n`);
    progress("wrote bench/results/generators.json");
  } else {
    const results = finish(await main(), "latest.json");
    mkdirSync(join(ROOT, "docs"), { recursive: true });
    writeFileSync(join(ROOT, "docs", "bench.svg"), chart(results));
    console.log(`${markdown(results)}\n\n${machineLines(results).join("; ")}\n`);
    progress("wrote bench/results/latest.json and docs/bench.svg");
  }
} finally {
  clearTimeout(deadline);
  await browser?.close();
  killAll();
  rmSync(work, { recursive: true, force: true });
}
