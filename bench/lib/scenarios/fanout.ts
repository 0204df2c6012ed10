import { join } from "node:path";
import { wall } from "../clock.ts";
import type { FanoutResult } from "../fanout.ts";
import { spawnGroup } from "../procs.ts";
import { BENCH } from "../servers.ts";
import { SETTLE_MS, SHOW_MS, indexOf, type Entry } from "./common.ts";

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
