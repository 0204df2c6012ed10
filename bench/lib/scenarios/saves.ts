import { wall } from "../clock.ts";
import { SETTLE_MS, SHOW_MS, eachTrial, saveAtomic, savePlain, type Entry } from "./common.ts";

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
  return eachTrial<SaveResult>(entries, trials, () => ({ start: [], ready: [], missed: 0, extraLoads: 0 }), async (e, result, trial) => {
    const marker = `${kind}-${trial}`;
    const from = e.tab.loads.length;
    const savedAt = wall();
    save(e.site, marker);
    const load = await e.tab.waitForMarker(marker, from, savedAt + SHOW_MS);
    await e.tab.quiet(SETTLE_MS, wall() + SHOW_MS);
    if (!load) {
      result.missed++;
      await e.tab.reopen();
      return;
    }
    result.start.push(load.start - savedAt);
    result.ready.push(load.ready - savedAt);
    result.extraLoads += e.tab.loads.length - from - 1;
  });
}
