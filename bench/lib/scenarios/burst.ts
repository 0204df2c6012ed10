import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { wall } from "../clock.ts";
import { storyPage } from "../fixture.ts";
import { SHOW_MS, eachTrial, savePlain, type Entry } from "./common.ts";

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
  return eachTrial<BurstResult>(entries, rounds, () => ({ files: BURST_FILES, reloads: [], shown: [] }), async (e, result, round) => {
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
    result.reloads.push(e.tab.loads.length - from);
    result.shown.push(shown !== null && e.tab.marker() === marker);
    if (!shown) await e.tab.reopen();
  });
}
