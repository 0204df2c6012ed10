import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { Tab } from "./browser.ts";
import { recalibrate, wall } from "./clock.ts";
import type { FanoutResult } from "./fanout.ts";
import { storyPage } from "./fixture.ts";
import { freePort, groupUsage, spawnGroup, waitForListening, type Group } from "./procs.ts";
import { BENCH, ROOT, node, type Contender } from "./servers.ts";

/** One server, started once on its own copy of the page, with one tab open on it. */
export interface Entry {
  contender: Contender;
  site: string;
  port: number;
  url: string;
  group: Group;
  tab: Tab;
}

/** How long the tab must stay still after a save before the next one: sockets reconnect, late reloads land. */
const SETTLE_MS = 200;
/** Longest any server may take to show a save; browser-sync's 500 ms debounce fits three times over. */
const SHOW_MS = 1_500;

/** Each trial starts with the next server, so no server always goes first after a pause. */
export function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return items.slice(k).concat(items.slice(0, k));
}

function indexOf(site: string): string {
  return join(site, "index.html");
}

function savePlain(site: string, marker: string): void {
  writeFileSync(indexOf(site), storyPage(marker));
}

/** As editors and write-file-atomic do: a temporary file beside the target, renamed over it. */
function saveAtomic(site: string, marker: string): void {
  const temporary = `${indexOf(site)}.tmp-${process.pid}`;
  writeFileSync(temporary, storyPage(marker));
  renameSync(temporary, indexOf(site));
}

function prepareSite(dir: string): string {
  const site = join(dir, "site");
  mkdirSync(site, { recursive: true });
  savePlain(site, "initial");
  return site;
}

function healthy(group: Group): boolean {
  return group.proc.exitCode === null && group.proc.signalCode === null;
}

// --- start-up ---------------------------------------------------------------------------------

export interface StartupResult {
  /** ms from spawn to the first accepted TCP connection. */
  listening: number[];
  /** ms from spawn to the first 200 answer for the page. */
  firstPage: number[];
}

export async function measureStartup(contender: Contender, dir: string): Promise<{ listening: number; firstPage: number }> {
  prepareSite(dir);
  const port = freePort();
  const spawnedAt = performance.now();
  const group = spawnGroup(contender.command(port), { cwd: dir });
  try {
    await waitForListening(group, port);
    const listening = performance.now() - spawnedAt;
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { accept: "text/html" } }).catch(() => null);
      await response?.arrayBuffer();
      if (response?.status === 200) break;
      if (performance.now() - spawnedAt > 20_000) throw new Error(`${contender.name} never served the page:\n${group.output()}`);
      await Bun.sleep(2);
    }
    return { listening, firstPage: performance.now() - spawnedAt };
  } finally {
    await group.stop();
  }
}

export async function startEntry(contender: Contender, dir: string, browser: Browser): Promise<Entry> {
  const site = prepareSite(dir);
  const port = freePort();
  const group = spawnGroup(contender.command(port), { cwd: dir });
  await waitForListening(group, port);
  const url = `http://127.0.0.1:${port}/`;
  const tab = await Tab.open(browser, url);
  return { contender, site, port, url, group, tab };
}

// --- idle and memory --------------------------------------------------------------------------

export interface IdleResult {
  seconds: number;
  cpuMs: number;
  rssBytes: number;
  processes: number;
}

/** All servers idle together, each with its tab open: a quiet afternoon with the catalog on screen. */
export async function measureIdle(entries: Entry[], seconds: number): Promise<Map<string, IdleResult>> {
  const before = new Map(entries.map((e) => [e.contender.name, groupUsage(e.group.pid)]));
  await Bun.sleep(seconds * 1000);
  const results = new Map<string, IdleResult>();
  for (const e of entries) {
    const now = groupUsage(e.group.pid);
    results.set(e.contender.name, {
      seconds,
      cpuMs: now.cpuMs - before.get(e.contender.name)!.cpuMs,
      rssBytes: now.rss,
      processes: now.processes,
    });
  }
  return results;
}

export interface ChurnResult {
  changes: number;
  rssBefore: number;
  rssAfter: number;
  /** The server was still running afterwards. */
  alive: boolean;
}

/**
 * Many small saves across 100 files, in rounds with a pause between them so that watchers see
 * separate events rather than one coalesced burst. No tab is connected: this is about the
 * server's own bookkeeping, not about 10,000 page loads.
 */
export async function churn(entry: Entry, changes: number): Promise<ChurnResult> {
  await entry.tab.blank();
  const folder = join(entry.site, "churn");
  mkdirSync(folder, { recursive: true });
  await Bun.sleep(500);
  const rssBefore = groupUsage(entry.group.pid).rss;
  const files = 100;
  for (let round = 0; round < changes / files; round++) {
    for (let f = 0; f < files; f++) writeFileSync(join(folder, `c${f}.html`), `<p>round ${round}</p>\n`);
    await Bun.sleep(5);
  }
  // Lets the server drain the events still queued, as it would once the editor goes quiet.
  await Bun.sleep(2_000);
  const result = { changes, rssBefore, rssAfter: groupUsage(entry.group.pid).rss, alive: healthy(entry.group) };
  if (result.alive) await entry.tab.reopen();
  return result;
}

// --- save to reload ---------------------------------------------------------------------------

export interface SaveResult {
  /** ms from the save to navigation start of the page that shows it. */
  start: number[];
  /** ms from the save to DOMContentLoaded of that page. */
  ready: number[];
  /** Saves the tab never showed within SHOW_MS. */
  missed: number;
  /** Page loads per save beyond the one that showed it (reloads too early, or twice). */
  extraLoads: number;
}

export async function saves(entries: Entry[], kind: "plain" | "atomic", trials: number): Promise<Map<string, SaveResult>> {
  const save = kind === "plain" ? savePlain : saveAtomic;
  const results = new Map<string, SaveResult>(entries.map((e) => [e.contender.name, { start: [], ready: [], missed: 0, extraLoads: 0 }]));
  for (let trial = 0; trial < trials; trial++) {
    recalibrate();
    for (const e of rotate(entries, trial)) {
      const result = results.get(e.contender.name)!;
      const marker = `${kind}-${trial}`;
      const from = e.tab.loads.length;
      const savedAt = wall();
      save(e.site, marker);
      const load = await e.tab.waitForMarker(marker, from, savedAt + SHOW_MS);
      await e.tab.quiet(SETTLE_MS, wall() + SHOW_MS);
      if (!load) {
        result.missed++;
        await e.tab.reopen();
        continue;
      }
      result.start.push(load.start - savedAt);
      result.ready.push(load.ready - savedAt);
      result.extraLoads += e.tab.loads.length - from - 1;
    }
  }
  return results;
}

// --- a second save soon after the first -------------------------------------------------------

export interface LostResult {
  trials: number;
  /** Trials whose tab ended on the first save's content. */
  endedOnFirst: number;
  /** Trials whose tab ended on neither save (never reloaded, or on an error page). */
  endedOnNeither: number;
  /** Delays (ms, as measured) of the trials that were lost. */
  lostGaps: number[];
}

export async function secondSave(entries: Entry[], trials: number): Promise<Map<string, LostResult>> {
  const results = new Map<string, LostResult>(
    entries.map((e) => [e.contender.name, { trials, endedOnFirst: 0, endedOnNeither: 0, lostGaps: [] }]),
  );
  for (let trial = 0; trial < trials; trial++) {
    // Spread evenly over 0-400 ms, the same delays for every server.
    const delay = trials === 1 ? 0 : Math.round((trial * 400) / (trials - 1));
    recalibrate();
    for (const e of rotate(entries, trial)) {
      const result = results.get(e.contender.name)!;
      const [first, second] = [`first-${trial}`, `second-${trial}`];
      const from = e.tab.loads.length;
      const firstAt = wall();
      savePlain(e.site, first);
      if (delay) await Bun.sleep(delay);
      const secondAt = wall();
      savePlain(e.site, second);
      const shown = await e.tab.waitForMarker(second, from, secondAt + SHOW_MS);
      await e.tab.quiet(SETTLE_MS, wall() + SHOW_MS);
      if (shown) continue;
      if (e.tab.marker() === first) result.endedOnFirst++;
      else result.endedOnNeither++;
      result.lostGaps.push(secondAt - firstAt);
      await e.tab.reopen();
    }
  }
  return results;
}

// --- a burst of 500 files ---------------------------------------------------------------------

export interface BurstResult {
  files: number;
  /** Page loads after each burst. */
  reloads: number[];
  /** Whether the tab ended on the burst's content, per burst. */
  shown: boolean[];
}

const BURST_FILES = 500;

/**
 * A build that rewrites the catalog: the index page first (Storytime writes it first), then
 * 499 story pages in folders that already exist, as fast as the file system takes them.
 */
export async function bursts(entries: Entry[], rounds: number): Promise<Map<string, BurstResult>> {
  for (const e of entries) {
    for (let k = 1; k < BURST_FILES; k++) mkdirSync(join(e.site, "section", `story-${k}`), { recursive: true });
  }
  for (const e of entries) await e.tab.quiet(1_000, wall() + 5_000);
  const results = new Map<string, BurstResult>(entries.map((e) => [e.contender.name, { files: BURST_FILES, reloads: [], shown: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const e of rotate(entries, round)) {
      const marker = `burst-${round}`;
      const from = e.tab.loads.length;
      const startedAt = wall();
      savePlain(e.site, marker);
      for (let k = 1; k < BURST_FILES; k++) {
        writeFileSync(join(e.site, "section", `story-${k}`, "index.html"), storyPage(`${marker}-${k}`));
      }
      const shown = await e.tab.waitForMarker(marker, from, startedAt + SHOW_MS);
      // Long enough for browser-sync's 500 ms debounce to fire a second time if it is going to.
      await e.tab.quiet(1_000, wall() + 6_000);
      const result = results.get(e.contender.name)!;
      result.reloads.push(e.tab.loads.length - from);
      result.shown.push(shown !== null && e.tab.marker() === marker);
      if (!shown) await e.tab.reopen();
    }
  }
  return results;
}

// --- many sockets -----------------------------------------------------------------------------

export async function fanout(entry: Entry, sockets: number, runs: number): Promise<FanoutResult[]> {
  const results: FanoutResult[] = [];
  for (let run = 0; run < runs; run++) {
    const child = spawnGroup(
      [process.execPath, join(BENCH, "lib/fanout.ts"), entry.contender.name, `${entry.port}`, `${sockets}`, indexOf(entry.site), `fanout-${sockets}-${run}`],
      { cwd: BENCH },
    );
    const code = await Promise.race([child.proc.exited, Bun.sleep(40_000).then(() => null)]);
    const output = child.output();
    await child.stop();
    if (code !== 0) throw new Error(`fan-out to ${entry.contender.name} failed (exit ${code}):\n${output}`);
    results.push(JSON.parse(output.trim().split("\n").at(-1)!));
    await entry.tab.quiet(SETTLE_MS, wall() + SHOW_MS);
  }
  return results;
}

// --- HTML pages per second --------------------------------------------------------------------

export interface LoadResult {
  seconds: number;
  connections: number;
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  non2xx: number;
  errors: number;
  /** The page served under load carried the server's reload client. */
  injected: boolean;
}

/** What each server adds to a page it serves; checked so that the numbers are for injected HTML. */
const INJECTED: Record<Contender["name"], string> = {
  "storytime-reload": "/__storytime/client.js",
  "live-server": "Code injected by live-server",
  vite: "/@vite/client",
  "browser-sync": "__bs_script__",
  bun: "/_bun/client/",
};

const CONNECTIONS = 10;

/** autocannon in its own Node process: on two cores the load generator gets one, the server the other. */
export async function load(entry: Entry, seconds: number): Promise<LoadResult> {
  const headers = { accept: "text/html" };
  const page = await (await fetch(entry.url, { headers })).text();
  const command = [
    node(),
    join(BENCH, "node_modules/autocannon/autocannon.js"),
    "--json",
    "-c",
    `${CONNECTIONS}`,
    "-d",
    `${seconds}`,
    "-H",
    "accept=text/html",
    entry.url,
  ];
  const child = spawnGroup(command, { cwd: BENCH });
  const code = await Promise.race([child.proc.exited, Bun.sleep((seconds + 30) * 1000).then(() => null)]);
  const output = child.output();
  await child.stop();
  const json = output.split("\n").find((line) => line.startsWith("{"));
  if (code !== 0 || !json) throw new Error(`autocannon against ${entry.contender.name} failed (exit ${code}):\n${output}`);
  const report = JSON.parse(json);
  return {
    seconds,
    connections: CONNECTIONS,
    requestsPerSecond: report.requests.average,
    latencyP50: report.latency.p50,
    latencyP99: report.latency.p99,
    non2xx: report.non2xx,
    errors: report.errors,
    injected: page.includes(INJECTED[entry.contender.name]),
  };
}

// --- output directory deleted and recreated ---------------------------------------------------

export interface RecreateResult {
  runs: number;
  /** Runs in which the tab showed the recreated directory's page. */
  reloaded: number;
  /** Runs in which the save that followed was shown too. */
  nextSaveShown: number;
  /** The server was still running after the last run. */
  alive: boolean;
}

/** A clean build: `rm -rf site`, a moment of nothing, then the directory and its page again. */
export async function recreate(entries: Entry[], runs: number): Promise<Map<string, RecreateResult>> {
  const results = new Map<string, RecreateResult>(entries.map((e) => [e.contender.name, { runs, reloaded: 0, nextSaveShown: 0, alive: true }]));
  for (let run = 0; run < runs; run++) {
    for (const e of rotate(entries, run)) {
      const result = results.get(e.contender.name)!;
      const marker = `recreated-${run}`;
      let from = e.tab.loads.length;
      rmSync(e.site, { recursive: true, force: true });
      await Bun.sleep(50);
      mkdirSync(e.site);
      savePlain(e.site, marker);
      if (await e.tab.waitForMarker(marker, from, wall() + SHOW_MS)) result.reloaded++;
      await e.tab.quiet(500, wall() + SHOW_MS);
      from = e.tab.loads.length;
      savePlain(e.site, `${marker}-next`);
      if (await e.tab.waitForMarker(`${marker}-next`, from, wall() + SHOW_MS)) result.nextSaveShown++;
      else if (healthy(e.group)) await e.tab.reopen().catch(() => {});
      await e.tab.quiet(SETTLE_MS, wall() + SHOW_MS);
    }
  }
  for (const e of entries) results.get(e.contender.name)!.alive = healthy(e.group);
  return results;
}

// --- input edit, rebuild, reload (storytime-reload only) --------------------------------------

export interface RebuildResult {
  available: boolean;
  /** The build's own sleep, the part of its duration that is known in advance. */
  buildMs: number;
  /** ms from the input save to the build command starting. */
  toBuildStart: number[];
  /** ms from the build finishing to navigation start and to DOMContentLoaded of the rebuilt page. */
  buildEndToStart: number[];
  buildEndToReady: number[];
  /** ms from the input save to DOMContentLoaded, less the build's measured duration. */
  overhead: number[];
  missed: number;
  /** RSS of the whole process group after the rebuilds: both watcher workers running. */
  rssBytes: number;
  note: string;
}

const BUILD_SLEEP_MS = 200;

/**
 * The build copies the input page to the output after sleeping, and stamps its own start and
 * end in nanoseconds, so the tool's overhead is what is left of the total once the build's
 * real duration is taken out.
 */
export async function rebuilds(browser: Browser, dir: string, trials: number): Promise<RebuildResult> {
  const input = join(dir, "input");
  const output = join(dir, "out");
  const stamps = join(dir, "build-times");
  mkdirSync(input, { recursive: true });
  mkdirSync(output, { recursive: true });
  writeFileSync(join(input, "index.html"), storyPage("initial"));
  writeFileSync(join(output, "index.html"), storyPage("initial"));
  writeFileSync(stamps, "");
  const script = join(dir, "build.sh");
  writeFileSync(
    script,
    [
      `printf '%s ' "$(date +%s%N)" >> '${stamps}'`,
      `sleep ${BUILD_SLEEP_MS / 1000}`,
      `cp '${join(input, "index.html")}' '${join(output, "index.html")}'`,
      `printf '%s\\n' "$(date +%s%N)" >> '${stamps}'`,
      "",
    ].join("\n"),
  );
  const port = freePort();
  const command = [process.execPath, join(ROOT, "src/cli.ts"), "--input", input, "--output", output, "--build", `sh '${script}'`, "--port", `${port}`];
  const group = spawnGroup(command, { cwd: dir });
  const result: RebuildResult = {
    available: true,
    buildMs: BUILD_SLEEP_MS,
    toBuildStart: [],
    buildEndToStart: [],
    buildEndToReady: [],
    overhead: [],
    missed: 0,
    rssBytes: 0,
    note: "",
  };
  let tab: Tab | undefined;
  try {
    await waitForListening(group, port);
    tab = await Tab.open(browser, `http://127.0.0.1:${port}/`);
    // A build at start-up, if the tool runs one, must not be mistaken for the first trial's.
    await tab.quiet(1_000, wall() + 5_000);
    for (let trial = 0; trial < trials; trial++) {
      recalibrate();
      const marker = `rebuilt-${trial}`;
      const from = tab.loads.length;
      const builds = readStamps(stamps).length;
      const savedAt = wall();
      writeFileSync(join(input, "index.html"), storyPage(marker));
      const shown = await tab.waitForMarker(marker, from, savedAt + BUILD_SLEEP_MS + 5_000);
      await tab.quiet(SETTLE_MS, wall() + SHOW_MS);
      const build = readStamps(stamps)[builds];
      if (!shown || !build) {
        result.missed++;
        if (trial === 0) {
          result.available = false;
          result.note = build ? "rebuilt, but the page never showed it" : "no build ran: this checkout has no --input/--build support";
          break;
        }
        continue;
      }
      result.toBuildStart.push(build.start - savedAt);
      result.buildEndToStart.push(shown.start - build.end);
      result.buildEndToReady.push(shown.ready - build.end);
      result.overhead.push(shown.ready - savedAt - (build.end - build.start));
    }
    result.rssBytes = groupUsage(group.pid).rss;
  } finally {
    await tab?.close();
    await group.stop();
  }
  return result;
}

function readStamps(file: string): Array<{ start: number; end: number }> {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim().split(" ").map((ns) => Number(BigInt(ns) / 1000n) / 1000))
    .filter((pair) => pair.length === 2)
    .map(([start, end]) => ({ start: start!, end: end! }));
}
