import { wall } from "../clock.ts";
import { SETTLE_MS, SHOW_MS, eachTrial, savePlain, type Entry } from "./common.ts";

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
  return eachTrial<LostResult>(entries, trials, () => ({ trials, endedOnFirst: 0, endedOnNeither: 0, lostGaps: [] }), async (e, result, trial) => {
    // Spread evenly over 0-400 ms, the same delays for every server.
    const delay = trials === 1 ? 0 : Math.round((trial * 400) / (trials - 1));
    const [first, second] = [`first-${trial}`, `second-${trial}`];
    const from = e.tab.loads.length;
    const firstAt = wall();
    savePlain(e.site, first);
    if (delay) await Bun.sleep(delay);
    const secondAt = wall();
    savePlain(e.site, second);
    const shown = await e.tab.waitForMarker(second, from, secondAt + SHOW_MS);
    await e.tab.quiet(SETTLE_MS, wall() + SHOW_MS);
    if (shown) return;
    if (e.tab.marker() === first) result.endedOnFirst++;
    else result.endedOnNeither++;
    result.lostGaps.push(secondAt - firstAt);
    await e.tab.reopen();
  });
}
