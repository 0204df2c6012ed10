import { freePort, spawnGroup, waitForListening } from "../procs.ts";
import type { Contender } from "../servers.ts";
import { prepareSite } from "./common.ts";

export interface StartupResult {
  /** ms from spawn to the first accepted TCP connection. */
  listening: number[];
  /** ms from spawn to the first 200 answer for the page. */
  firstPage: number[];
}

export async function measureStartup(contender: Contender, dir: string): Promise<{ listening: number; firstPage: number }> {
  prepareSite(dir);
  const port = freePort();
  const spawnedAt = performance.now();
  const group = spawnGroup(contender.command(port), { cwd: dir });
  try {
    await waitForListening(group, port);
    const listening = performance.now() - spawnedAt;
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { accept: "text/html" } }).catch(() => null);
      await response?.arrayBuffer();
      if (response?.status === 200) break;
      if (performance.now() - spawnedAt > 20_000) throw new Error(`${contender.name} never served the page:\n${group.output()}`);
      await Bun.sleep(2);
    }
    return { listening, firstPage: performance.now() - spawnedAt };
  } finally {
    await group.stop();
  }
}
