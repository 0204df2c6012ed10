import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, groupUsage, spawnGroup, waitForListening } from "../procs.ts";
import { healthy, type Entry } from "./common.ts";

export interface IdleResult {
  seconds: number;
  cpuMs: number;
  rssBytes: number;
  processes: number;
}

/**
 * What idling costs without any of our code, measured in the same window and, like the servers,
 * with one WebSocket open: a bare `Bun.serve`, and the same with two workers that do nothing,
 * which is the floor of a design with two watcher workers (each is a JavaScript VM with its own
 * timers and garbage collector).
 */
const bareServe = (port: number) =>
  `Bun.serve({ port: ${port}, hostname: "127.0.0.1", fetch: (r, s) => (s.upgrade(r) ? undefined : new Response("ok")), websocket: { message() {} } });`;
const IDLE_REFERENCES: Record<string, (port: number, worker: string) => string> = {
  "bare Bun.serve": bareServe,
  "bare Bun.serve + 2 idle workers": (port, worker) => `for (let i = 0; i < 2; i++) new Worker(${JSON.stringify(worker)}, { smol: true });\n${bareServe(port)}`,
};

function openSocket(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error(`no WebSocket on the idle reference at port ${port}`));
  });
}

/** All servers idle together, each with its tab open: a quiet afternoon with the catalog on screen. */
export async function measureIdle(entries: Entry[], seconds: number, dir: string): Promise<{ servers: Map<string, IdleResult>; references: Record<string, IdleResult> }> {
  mkdirSync(dir, { recursive: true });
  const worker = join(dir, "idle-worker.ts");
  writeFileSync(worker, "setInterval(() => {}, 2 ** 30);\n");
  const references = Object.entries(IDLE_REFERENCES).map(([name, script]) => {
    const port = freePort();
    return { name, port, group: spawnGroup([process.execPath, "-e", script(port, worker)], { cwd: dir }) };
  });
  const measured = [...entries.map((e) => ({ name: e.contender.name, pid: e.group.pid })), ...references.map((r) => ({ name: r.name, pid: r.group.pid }))];
  const sockets: WebSocket[] = [];
  try {
    for (const r of references) {
      await waitForListening(r.group, r.port);
      sockets.push(await openSocket(r.port));
    }
    // As long after start-up as the servers had: their start-up garbage is collected by now.
    await Bun.sleep(2_000);
    const before = new Map(measured.map((m) => [m.name, groupUsage(m.pid)]));
    await Bun.sleep(seconds * 1000);
    const results = new Map<string, IdleResult>();
    for (const m of measured) {
      const now = groupUsage(m.pid);
      results.set(m.name, { seconds, cpuMs: now.cpuMs - before.get(m.name)!.cpuMs, rssBytes: now.rss, processes: now.processes });
    }
    const servers = new Map(entries.map((e) => [e.contender.name, results.get(e.contender.name)!]));
    return { servers, references: Object.fromEntries(references.map((r) => [r.name, results.get(r.name)!])) };
  } finally {
    for (const socket of sockets) socket.close();
    for (const r of references) await r.group.stop();
  }
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
