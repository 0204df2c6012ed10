import { join } from "node:path";
import { spawnGroup } from "../procs.ts";
import { BENCH, node, type Contender } from "../servers.ts";
import type { Entry } from "./common.ts";

export interface LoadResult {
  seconds: number;
  connections: number;
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  non2xx: number;
  errors: number;
  /** The page served under load carried the server's reload client. */
  injected: boolean;
}

/** What each server adds to a page it serves; checked so that the numbers are for injected HTML. */
const INJECTED: Record<Contender["name"], string> = {
  "storytime-reload": "/__storytime/client.js",
  "live-server": "Code injected by live-server",
  vite: "/@vite/client",
  "browser-sync": "__bs_script__",
  bun: "/_bun/client/",
};

const CONNECTIONS = 10;

/** autocannon in its own Node process: on two cores the load generator gets one, the server the other. */
export async function load(entry: Entry, seconds: number): Promise<LoadResult> {
  const headers = { accept: "text/html" };
  const page = await (await fetch(entry.url, { headers })).text();
  const command = [
    node(),
    join(BENCH, "node_modules/autocannon/autocannon.js"),
    "--json",
    "-c",
    `${CONNECTIONS}`,
    "-d",
    `${seconds}`,
    "-H",
    "accept=text/html",
    entry.url,
  ];
  const child = spawnGroup(command, { cwd: BENCH });
  const code = await Promise.race([child.proc.exited, Bun.sleep((seconds + 30) * 1000).then(() => null)]);
  const output = child.output();
  await child.stop();
  const json = output.split("\n").find((line) => line.startsWith("{"));
  if (code !== 0 || !json) throw new Error(`autocannon against ${entry.contender.name} failed (exit ${code}):\n${output}`);
  const report = JSON.parse(json);
  return {
    seconds,
    connections: CONNECTIONS,
    requestsPerSecond: report.requests.average,
    latencyP50: report.latency.p50,
    latencyP99: report.latency.p99,
    non2xx: report.non2xx,
    errors: report.errors,
    injected: page.includes(INJECTED[entry.contender.name]),
  };
}
