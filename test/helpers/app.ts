import { type RawArgs, resolveOptions } from "../../src/options.ts";
import { type App, start } from "../../src/start.ts";
import type { startWatcher } from "../../src/watchers.ts";
import { onCleanup } from "./cleanup.ts";
import { eventually } from "./eventually.ts";
import { captureLogs, type Logs } from "./logs.ts";

/** The app as users run it, in this process, with what it logged since it started. */
export interface TestApp extends App {
  logs: Logs;
}

/** Starts the app on a free port; `cleanup()` stops it. `watch` stands in for the watchers, as in start(). */
export async function startApp(raw: RawArgs, watch?: typeof startWatcher): Promise<TestApp> {
  const logs = captureLogs();
  const app = await start(resolveOptions({ port: "0", ...raw }), watch);
  onCleanup(app.stop);
  return { ...app, logs };
}

export function url(app: { port: number }, path: string): string {
  return `http://127.0.0.1:${app.port}${path}`;
}

/** The counter a served page is stamped with, which its socket reports on connecting. */
export const stampOf = (page: string) => page.match(/data-storytime-version="(\d+)"/)![1]!;

/** The page at `path` once `accept` holds for it (a build may still be writing it); rejects after `ms`. */
export function fetchPageUntil(app: { port: number }, accept: (page: string) => boolean, path = "/", ms = 10_000): Promise<string> {
  let last = "";
  return eventually(
    async () => {
      last = await (await fetch(url(app, path))).text();
      return accept(last) && last;
    },
    { ms, what: () => `the page at ${path} to be the one expected; it is still:\n${last}` },
  );
}

/** A port free a moment ago, for a server that must be told its port before it listens. */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
