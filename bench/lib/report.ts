import type { FanoutResult } from "./fanout.ts";
import type {
  BurstResult,
  ChurnResult,
  GeneratorResult,
  IdleResult,
  LoadResult,
  LostResult,
  RebuildResult,
  RecreateResult,
  SaveResult,
  StartupResult,
} from "./scenarios/index.ts";
import type { ContenderName } from "./servers.ts";
import { median, percentile } from "./stats.ts";

type PerServer<T> = Partial<Record<ContenderName, T>>;

/** When, where and on which code a run measured. */
export interface RunInfo {
  date: string;
  /** The storytime-reload commit measured, "+dirty" when src/ or client/ had uncommitted changes. */
  commit: string;
  mode: "full" | "quick";
  durationSeconds: number;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; kernel: string; bun: string; node: string; chromium: string };
  /** 1-minute load average before and after: anything else busy on the machine shows here. */
  loadAverage: { before: number; after: number };
}

/** What `bun run bench --generators` measured; written to bench/results/generators.json. */
export interface GeneratorBenchResults extends RunInfo {
  generators: GeneratorResult[];
}

/** Everything one run measured, raw samples included; written to bench/results/latest.json. */
export interface BenchResults extends RunInfo {
  contenders: Array<{ name: ContenderName; version: string; command: string }>;
  startup: PerServer<StartupResult>;
  /** storytime-reload as released: the single executable (bytecode, no TypeScript to load). */
  startupExecutable: StartupResult;
  /** The same code bundled into one JavaScript file per thread, no bytecode: the floor of start-up from source. */
  startupBundle: StartupResult;
  idle: PerServer<IdleResult>;
  /** Bare processes idling in the same window, to tell the design's floor from our own code. */
  idleReferences: Record<string, IdleResult>;
  churn: PerServer<ChurnResult>;
  saves: { plain: PerServer<SaveResult>; atomic: PerServer<SaveResult> };
  secondSave: PerServer<LostResult>;
  burst: PerServer<BurstResult>;
  fanout: PerServer<Record<string, FanoutResult[]>>;
  load: PerServer<LoadResult>;
  recreate: PerServer<RecreateResult>;
  rebuild: RebuildResult | null;
}

const ms = (value: number | null | undefined) => (value === null || value === undefined ? "–" : `${value < 10 ? value.toFixed(1) : Math.round(value)}`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const p50p90 = (samples: number[]) => `${ms(percentile(samples, 50))} / ${ms(percentile(samples, 90))}`;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function label(results: BenchResults, name: ContenderName): string {
  const contender = results.contenders.find((c) => c.name === name)!;
  const shown = name === "bun" ? "Bun HTML dev server" : name;
  return `${shown} ${contender.version}`;
}

function saveCells(result: SaveResult | undefined): string[] {
  if (!result) return ["–", "–"];
  return [p50p90(result.start), p50p90(result.ready)];
}

function troubles(plain: SaveResult | undefined, atomic: SaveResult | undefined): string {
  const extra = (plain?.extraLoads ?? 0) + (atomic?.extraLoads ?? 0);
  const missed = (plain?.missed ?? 0) + (atomic?.missed ?? 0);
  const saves = (plain?.start.length ?? 0) + (atomic?.start.length ?? 0) + missed;
  return `${extra} / ${missed} of ${saves}`;
}

function fanoutCell(runs: FanoutResult[] | undefined): string {
  if (!runs?.length) return "–";
  const last = runs.map((r) => r.last).filter((v): v is number => v !== null);
  const told = Math.min(...runs.map((r) => r.told));
  const sockets = runs[0]!.sockets;
  const missing = told < sockets ? ` (only ${told} of ${sockets} told)` : "";
  return `${ms(median(last))} ms${missing}`;
}

export function markdown(results: BenchResults): string {
  const names = results.contenders.map((c) => c.name);
  const row = (build: (name: ContenderName) => string[]) => names.map((name) => [label(results, name), ...build(name)]);

  const saves = table(
    ["server", "plain write: save → navigation start", "plain write: save → page ready", "atomic save: save → navigation start", "atomic save: save → page ready", "extra page loads / saves never shown"],
    row((n) => [...saveCells(results.saves.plain[n]), ...saveCells(results.saves.atomic[n]), troubles(results.saves.plain[n], results.saves.atomic[n])]),
  );

  const correctness = table(
    ["server", "500-file burst: page loads", "second write 0–400 ms after a first: lost", "output dir deleted and recreated: reloaded / next save shown"],
    row((n) => {
      const burst = results.burst[n];
      const lost = results.secondSave[n];
      const again = results.recreate[n];
      const lostTotal = lost ? lost.endedOnFirst + lost.endedOnNeither : 0;
      return [
        burst ? burst.reloads.join(", ") + (burst.shown.every(Boolean) ? "" : " (did not end on the burst's page)") : "–",
        lost ? `${lostTotal} of ${lost.trials}` + (lost.endedOnNeither ? ` (${lost.endedOnNeither} on neither)` : "") : "–",
        again ? `${again.reloaded} of ${again.runs} / ${again.nextSaveShown} of ${again.runs}` + (again.alive ? "" : " (server exited)") : "–",
      ];
    }),
  );

  const scale = table(
    ["server", "100 sockets: save → last told", "500 sockets: save → last told", "HTML pages/s (10 connections)", "latency p50 / p99 under load"],
    row((n) => {
      const load = results.load[n];
      return [
        fanoutCell(results.fanout[n]?.["100"]),
        fanoutCell(results.fanout[n]?.["500"]),
        load ? `${Math.round(load.requestsPerSecond)}${load.injected ? "" : " (client not injected)"}${load.non2xx || load.errors ? ` (${load.non2xx} non-2xx, ${load.errors} errors)` : ""}` : "–",
        load ? `${load.latencyP50} / ${load.latencyP99} ms` : "–",
      ];
    }),
  );

  const resources = table(
    ["server", "start-up to listening (median)", "start-up to first page (median)", "RSS idle, one tab open", "RSS after 10,000 changes", "idle CPU time over the idle window"],
    row((n) => {
      const start = results.startup[n];
      const idle = results.idle[n];
      const churn = results.churn[n];
      return [
        start ? `${ms(median(start.listening))} ms` : "–",
        start ? `${ms(median(start.firstPage))} ms` : "–",
        idle ? mb(idle.rssBytes) + (idle.processes > 1 ? ` (${idle.processes} processes)` : "") : "–",
        churn ? mb(churn.rssAfter) + (churn.alive ? "" : " (server exited)") : "–",
        idle ? `${Math.round(idle.cpuMs)} ms in ${idle.seconds} s (${((idle.cpuMs / (idle.seconds * 1000)) * 100).toFixed(2)} %)` : "–",
      ];
    }),
  );

  const sections = [
    "Save → reload, ms, p50 / p90",
    saves,
    "Changes that get lost or doubled",
    correctness,
    "Many sockets, many requests",
    scale,
    "Resources (whole process group: every process and thread)",
    resources,
    "Input edit → rebuild → reloaded page (storytime-reload only)",
    rebuildText(results.rebuild),
    "Targets",
    targets(results),
    "Against Bun's own dev server",
    againstBun(results),
  ];
  return sections.map((s, i) => (i % 2 === 0 ? `**${s}**` : s)).join("\n\n");
}

function rebuildText(rebuild: BenchResults["rebuild"]): string {
  if (!rebuild) return "Not run.";
  if (!rebuild.available) return `Not measured: ${rebuild.note}.`;
  const trials = rebuild.overhead.length + rebuild.missed;
  const { settleMs, shellStart, browserReload } = rebuild.floor;
  const floor = rebuildFloor(rebuild);
  const floorLine =
    `Floor of the overhead on this machine, measured in the same run from what lies outside our code's path: ${ms(floor)} ms = ` +
    `the platform's ${settleMs} ms save settle (a fixed wait of ours) + ${ms(percentile(shellStart, 50))} ms from spawning the build's shell to its first line (p50) + ` +
    `${ms(percentile(browserReload, 50))} ms for Chromium to reload the same page from a bare Bun.serve, navigation start → DOMContentLoaded (p50).`;
  return `${table(
    ["build of known duration", "input save → build starts", "build ends → navigation start", "build ends → page ready", "overhead beyond the build (save → page ready − build time)", "rebuilds never shown", "RSS with both watchers"],
    [
      [
        `sleep ${rebuild.buildMs} ms + cp`,
        p50p90(rebuild.toBuildStart),
        p50p90(rebuild.buildEndToStart),
        p50p90(rebuild.buildEndToReady),
        p50p90(rebuild.overhead),
        `${rebuild.missed} of ${trials}`,
        mb(rebuild.rssBytes),
      ],
    ],
  )}\n\n${floorLine}`;
}

/** Save settle + shell start + Chromium's reload: what any tool built this way pays, null when not measured. */
function rebuildFloor(rebuild: BenchResults["rebuild"]): number | null {
  const shell = percentile(rebuild?.floor.shellStart ?? [], 50);
  const reload = percentile(rebuild?.floor.browserReload ?? [], 50);
  return rebuild && shell !== null && reload !== null ? rebuild.floor.settleMs + shell + reload : null;
}

/** The foundation issue's targets, checked against this run rather than asserted. */
function targets(results: BenchResults): string {
  const us = "storytime-reload" as const;
  const peers = results.contenders.map((c) => c.name).filter((n) => n !== us);
  const start = median(results.saves.plain[us]?.start ?? []);
  const ready = median(results.saves.plain[us]?.ready ?? []);
  const fasterPeers = peers.filter((p) => {
    const theirs = median(results.saves.plain[p]?.ready ?? []);
    return theirs !== null && ready !== null && theirs <= ready;
  });
  const burst = results.burst[us]?.reloads ?? [];
  const idle = results.idle[us];
  const rss = Math.max(idle?.rssBytes ?? 0, results.churn[us]?.rssAfter ?? 0);
  const check = (ok: boolean) => (ok ? "met" : "**not met**");
  return [
    `- save → navigation start p50 ≤ 30 ms: ${check(start !== null && start <= 30)} (${ms(start)} ms)`,
    `- save → page ready p50 below every peer in the same run: ${check(ready !== null && fasterPeers.length === 0)} (${ms(ready)} ms` +
      (fasterPeers.length ? `; faster: ${fasterPeers.map((p) => `${p} ${ms(median(results.saves.plain[p]!.ready))} ms`).join(", ")})` : ")"),
    `- a 500-file burst gives exactly one reload: ${check(burst.length > 0 && burst.every((n) => n === 1))} (${burst.join(", ") || "–"})`,
    `- idle CPU ~0: ${idle ? `${Math.round(idle.cpuMs)} ms of CPU in ${idle.seconds} s` : "–"}`,
    `- RSS of the whole process ≤ 60 MB: ${check(rss > 0 && rss <= 60 * 1024 * 1024)} (${rss ? mb(rss) : "–"} at most)`,
  ].join("\n");
}

/** The four columns where Bun's HTML dev server led, each judged in this run. */
function againstBun(results: BenchResults): string {
  const check = (ok: boolean) => (ok ? "met" : "**not met**");
  const bunFirst = median(results.startup.bun?.firstPage ?? []);
  const sourceFirst = median(results.startup["storytime-reload"]?.firstPage ?? []);
  const exeFirst = median(results.startupExecutable.firstPage);
  const bundleFirst = median(results.startupBundle.firstPage);
  const ours = results.load["storytime-reload"]?.requestsPerSecond;
  const theirs = results.load.bun?.requestsPerSecond;
  const idle = results.idle["storytime-reload"];
  const bare = results.idleReferences["bare Bun.serve"];
  const references = Object.entries(results.idleReferences).filter(([name]) => name !== "bare Bun.serve");
  const overhead = percentile(results.rebuild?.overhead ?? [], 50);
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : null);
  const pages = ratio(ours, theirs);
  const idleRatio = ratio(idle?.cpuMs, bare?.cpuMs);
  const cpu = (r: { cpuMs: number } | undefined) => (r ? `${ms(r.cpuMs)} ms` : "–");
  return [
    `- start-up to first page no slower than Bun's: executable ${check(exeFirst !== null && bunFirst !== null && exeFirst <= bunFirst)} ` +
      `(${ms(exeFirst)} ms against ${ms(bunFirst)} ms); from source (\`bunx\`) ${check(sourceFirst !== null && bunFirst !== null && sourceFirst <= bunFirst)} (${ms(sourceFirst)} ms; ` +
      `the same code bundled into one JavaScript file per thread, no bytecode: ${ms(bundleFirst)} ms)`,
    `- HTML pages/s at least 80 % of Bun's: ${check(pages !== null && pages >= 0.8)} (${ours ? Math.round(ours) : "–"} against ${theirs ? Math.round(theirs) : "–"}, ${pages === null ? "–" : `${Math.round(pages * 100)} %`})`,
    `- idle CPU within 1.2× of a bare Bun.serve: ${check(idleRatio !== null && idleRatio <= 1.2)} ` +
      `(${cpu(idle)} against ${cpu(bare)} in ${idle?.seconds ?? "–"} s, ${idleRatio === null ? "–" : `${idleRatio.toFixed(1)}×`}; ` +
      `${references.map(([name, r]) => `${name}: ${cpu(r)}`).join("; ")})`,
    `- rebuild overhead beyond the build p50 ≤ 30 ms: ${check(overhead !== null && overhead <= 30)} (${ms(overhead)} ms; ` +
      `its floor (save settle, shell start, Chromium's own reload): ${ms(rebuildFloor(results.rebuild))} ms)`,
  ].join("\n");
}

/** Each generator in its three modes: save → new content visible, and how many loads it took. */
export function generatorsMarkdown(results: GeneratorBenchResults): string {
  const rows = results.generators.flatMap((g) => {
    if (g.missing) return [[`${g.name}`, "–", "–", `skipped: ${g.missing}`, "–", "–", "–"]];
    return Object.entries(g.modes).map(([mode, r]) => {
      const shownSaves = r.visible.length;
      if (!r.command || (!shownSaves && !r.lost)) return [`${g.name} ${g.version}`, mode, r.command ? `\`${r.command}\`` : "–", r.note || "–", "–", "–", "–"];
      return [
        `${g.name} ${g.version}`,
        mode,
        `\`${r.command}\``,
        p50p90(r.visible),
        tally(r.loads) + (r.patches.some(Boolean) ? ` (DOM patches: ${tally(r.patches)})` : ""),
        `${r.early}`,
        `${r.lost} of ${shownSaves + r.lost}`,
      ];
    });
  });
  const costs = results.generators
    .filter((g) => !g.missing)
    .map((g) => `- ${g.name}: start-up alone (\`--version\`) ${ms(median(g.startup))} ms; a whole build with nothing changed ${ms(median(g.oneShotBuild))} ms (median of ${g.oneShotBuild.length})`);
  return [
    "**Save → new content visible, ms, p50 / p90; page loads per save (count × saves)**",
    table(["generator", "mode", "command (in the project directory)", "save → visible", "page loads per save", "stale or blank loads", "saves lost"], rows),
    "**What --build pays per save before rebuilding anything**",
    costs.join("\n"),
  ].join("\n\n");
}

/** "1 ×8, 2 ×2": how often each count came up, most common first. */
function tally(counts: number[]): string {
  const seen = new Map<number, number>();
  for (const count of counts) seen.set(count, (seen.get(count) ?? 0) + 1);
  return [...seen].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([count, times]) => `${count} ×${times}`).join(", ") || "–";
}

/** When and where the numbers were taken, as two lines: the run, then the machine. */
export function machineLines(results: RunInfo): [string, string] {
  const m = results.machine;
  const load = `load average ${results.loadAverage.before.toFixed(2)} before, ${results.loadAverage.after.toFixed(2)} after`;
  return [
    `${results.date.slice(0, 10)}, storytime-reload at ${results.commit}, ${results.mode} run of ${results.durationSeconds} s, ${load}`,
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Linux ${m.kernel}, Bun ${m.bun}, Node ${m.node}, Chromium ${m.chromium} headless`,
  ];
}

// --- chart ------------------------------------------------------------------------------------

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Two panels (plain write, atomic save), one row per server: a bar to navigation start and a
 * bar to page ready (p50), each with a whisker to its p90. One linear scale for both panels, so
 * the panels compare too.
 */
export function chart(results: BenchResults): string {
  const names = results.contenders.map((c) => c.name);
  const kinds = [
    ["plain", "plain write"],
    ["atomic", "atomic save (temp file + rename)"],
  ] as const;
  const top = niceCeiling(Math.max(10, ...names.flatMap((n) => kinds.map(([k]) => percentile(results.saves[k][n]?.ready ?? [], 90) ?? 0))));
  const labelWidth = 215;
  const panelWidth = 330;
  const gap = 40;
  const rowHeight = 40;
  const barHeight = 13;
  const headTop = 78;
  const width = labelWidth + 2 * panelWidth + gap + 30;
  const height = headTop + names.length * rowHeight + 76;
  const colors = { start: "#3553d0", ready: "#9db0f2" };
  const parts: string[] = [];
  const text = (x: number, y: number, body: string, attrs = "") => parts.push(`<text x="${x}" y="${y}" ${attrs}>${escape(body)}</text>`);

  text(16, 26, "Save → reload in headless Chromium, p50 bars, p90 whiskers (ms, lower is better)", 'font-size="16" font-weight="600"');
  parts.push(`<rect x="16" y="38" width="12" height="12" fill="${colors.start}"/>`);
  text(34, 48, "save → navigation start");
  parts.push(`<rect x="200" y="38" width="12" height="12" fill="${colors.ready}"/>`);
  text(218, 48, "save → page ready (DOMContentLoaded)");

  kinds.forEach(([kind, title], panel) => {
    const left = labelWidth + panel * (panelWidth + gap);
    const x = (value: number) => left + (Math.min(value, top) / top) * panelWidth;
    text(left, headTop - 8, title, 'font-weight="600"');
    for (const tick of [0, top / 4, top / 2, (3 * top) / 4, top]) {
      parts.push(`<line x1="${x(tick)}" y1="${headTop}" x2="${x(tick)}" y2="${headTop + names.length * rowHeight}" stroke="#ddd"/>`);
      text(x(tick), headTop + names.length * rowHeight + 16, `${Math.round(tick)}`, 'text-anchor="middle" fill="#666"');
    }
    names.forEach((name, row) => {
      const result = results.saves[kind][name];
      const y = headTop + row * rowHeight + 6;
      (["start", "ready"] as const).forEach((metric, i) => {
        const samples = result?.[metric] ?? [];
        const p50 = percentile(samples, 50);
        const p90 = percentile(samples, 90);
        const barY = y + i * (barHeight + 2);
        if (p50 === null || p90 === null) {
          text(left + 4, barY + barHeight - 2, "not shown", 'fill="#a00"');
          return;
        }
        parts.push(`<rect x="${left}" y="${barY}" width="${Math.max(1, x(p50) - left)}" height="${barHeight}" fill="${colors[metric]}"/>`);
        const mid = barY + barHeight / 2;
        parts.push(`<line x1="${x(p50)}" y1="${mid}" x2="${x(p90)}" y2="${mid}" stroke="#333"/>`);
        parts.push(`<line x1="${x(p90)}" y1="${barY + 2}" x2="${x(p90)}" y2="${barY + barHeight - 2}" stroke="#333"/>`);
        text(x(p90) + 4, barY + barHeight - 2, `${ms(p50)}${p90 > top ? ` (p90 ${ms(p90)})` : ""}`, 'font-size="11"');
      });
    });
  });
  names.forEach((name, row) => {
    const weight = name === "storytime-reload" ? 'font-weight="700"' : "";
    text(labelWidth - 10, headTop + row * rowHeight + 24, label(results, name), `text-anchor="end" ${weight}`);
  });
  const [when, where] = machineLines(results);
  text(16, height - 30, when, 'font-size="11" fill="#666"');
  text(16, height - 14, where, 'font-size="11" fill="#666"');

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

/** The next of 1, 2, 4, 6 or 8 times a power of ten: gridlines at its quarters stay round numbers. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 4, 6, 8, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
