import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { groupUsage } from "../procs.ts";
import { healthy, type Entry } from "./common.ts";

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
