import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, groupUsage, spawnGroup, waitForListening } from "../procs.ts";
import { SOCKET_PATH } from "../../../src/http/protocol.ts";
import { ROOT } from "../servers.ts";
import { healthy, prepareSite, type Entry } from "./common.ts";

export interface IdleResult {
  seconds: number;
  cpuMs: number;
  rssBytes: number;
  processes: number;
}

/**
 * What idling costs without our code running, measured in the same window and, like the servers,
 * with one WebSocket open. The bench runs storytime-reload on its output alone, so with one
 * watcher worker: the references step from a bare `Bun.serve` to one with an idle worker, then
 * to one that has also loaded all of storytime-reload's code (the CLI's modules, and the output
 * worker's, waiting for a root it is never sent) and runs none of it. The last is
 * storytime-reload itself with Bun's once-a-second garbage-collection timer turned off, which
 * tells the runtime's collecting apart from our code's own work.
 */
const bareServe = (port: number) =>
  `Bun.serve({ port: ${port}, hostname: "127.0.0.1", fetch: (r, s) => (s.upgrade(r) ? undefined : new Response("ok")), websocket: { message() {} } });`;
interface Reference {
  command(port: number, dir: string): string[];
  env?: Record<string, string>;
}
const IDLE_REFERENCES: Record<string, Reference> = {
  "bare Bun.serve": { command: (port) => [process.execPath, "-e", bareServe(port)] },
  "bare Bun.serve + 1 idle worker": {
    command: (port, dir) => [process.execPath, "-e", `new Worker(${JSON.stringify(join(dir, "idle-worker.ts"))}, { smol: true });\n${bareServe(port)}`],
  },
  "the same with storytime-reload's code loaded, none of it running": {
    command: (port) => [
      process.execPath,
      "-e",
      `await import(${JSON.stringify(join(ROOT, "src", "cli.ts"))});\n` +
        `new Worker(${JSON.stringify(join(ROOT, "src", "watch", "output.worker.ts"))}, { smol: true });\n${bareServe(port)}`,
    ],
  },
  "storytime-reload with Bun's GC timer off": {
    command: (port, dir) => [process.execPath, join(ROOT, "src", "cli.ts"), "--output", join(dir, "site"), "--port", `${port}`, "--host", "127.0.0.1"],
    env: { BUN_GC_TIMER_DISABLE: "1" },
  },
};

function openSocket(port: number): Promise<WebSocket> {
  // Our socket's path: the bare servers upgrade any.
  const socket = new WebSocket(`ws://127.0.0.1:${port}${SOCKET_PATH}`);
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error(`no WebSocket on the idle reference at port ${port}`));
  });
}

/** All servers idle together, each with its tab open: a quiet afternoon with the catalog on screen. */
export async function measureIdle(entries: Entry[], seconds: number, dir: string): Promise<{ servers: Map<string, IdleResult>; references: Record<string, IdleResult> }> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "idle-worker.ts"), "setInterval(() => {}, 2 ** 30);\n");
  prepareSite(dir);
  const references = Object.entries(IDLE_REFERENCES).map(([name, reference]) => {
    const port = freePort();
    return { name, port, group: spawnGroup(reference.command(port, dir), { cwd: dir, env: reference.env }) };
  });
  const measured = [...entries.map((e) => ({ name: e.contender.name, pid: e.group.pid })), ...references.map((r) => ({ name: r.name, pid: r.group.pid }))];
  const sockets: WebSocket[] = [];
  try {
    for (const r of references) {
      await waitForListening(r.group, r.port);
      // As the servers have served their tab's page: our own server's page cache and JIT'd code are part of its idle heap.
      await (await fetch(`http://127.0.0.1:${r.port}/`)).arrayBuffer();
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
