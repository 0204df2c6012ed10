import { mkdirSync, rmSync } from "node:fs";
import { wall } from "../clock.ts";
import { SETTLE_MS, SHOW_MS, eachTrial, healthy, savePlain, type Entry } from "./common.ts";

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
  const results = await eachTrial<RecreateResult>(entries, runs, () => ({ runs, reloaded: 0, nextSaveShown: 0, alive: true }), async (e, result, run) => {
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
  });
  for (const e of entries) results.get(e.contender.name)!.alive = healthy(e.group);
  return results;
}
