import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { Tab } from "../browser.ts";
import { recalibrate } from "../clock.ts";
import { storyPage } from "../fixture.ts";
import { freePort, spawnGroup, waitForListening, type Group } from "../procs.ts";
import type { Contender } from "../servers.ts";

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
export const SETTLE_MS = 200;
/** Longest any server may take to show a save; browser-sync's 500 ms debounce fits three times over. */
export const SHOW_MS = 1_500;

/** Each trial starts with the next server, so no server always goes first after a pause. */
export function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return items.slice(k).concat(items.slice(0, k));
}

export function indexOf(site: string): string {
  return join(site, "index.html");
}

export function savePlain(site: string, marker: string): void {
  writeFileSync(indexOf(site), storyPage(marker));
}

/** As editors and write-file-atomic do: a temporary file beside the target, renamed over it. */
export function saveAtomic(site: string, marker: string): void {
  const temporary = `${indexOf(site)}.tmp-${process.pid}`;
  writeFileSync(temporary, storyPage(marker));
  renameSync(temporary, indexOf(site));
}

export function prepareSite(dir: string): string {
  const site = join(dir, "site");
  mkdirSync(site, { recursive: true });
  savePlain(site, "initial");
  return site;
}

export function healthy(group: Group): boolean {
  return group.proc.exitCode === null && group.proc.signalCode === null;
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

/**
 * The trial loop every comparative scenario shares: `trials` rounds over all servers, each round
 * starting with the next server, the clock re-anchored before each round, one result per server.
 */
export async function eachTrial<R>(entries: Entry[], trials: number, initial: () => R, turn: (entry: Entry, result: R, trial: number) => Promise<void>): Promise<Map<string, R>> {
  const results = new Map<string, R>(entries.map((e) => [e.contender.name, initial()]));
  for (let trial = 0; trial < trials; trial++) {
    recalibrate();
    for (const e of rotate(entries, trial)) await turn(e, results.get(e.contender.name)!, trial);
  }
  return results;
}
