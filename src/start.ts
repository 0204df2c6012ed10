import { existsSync } from "node:fs";
import { relative } from "node:path";
import { OutputChanges } from "./changes.ts";
import { log } from "./log.ts";
import type { Options } from "./options.ts";
import { UsageError, isCode } from "./options.ts";
import { RELOAD_MESSAGE, RELOAD_TOPIC } from "./protocol.ts";
import { startServer } from "./server.ts";
import { startWatcher } from "./watchers.ts";

/**
 * How long the output must stay quiet before an HTML page is served. Longer than the gaps
 * inside one burst of writes (a build, a copy), far shorter than a person's next save.
 */
export const QUIET_MS = 20;
/** A page is served after this long even if the output never goes quiet. */
export const MAX_HOLD_MS = 2_000;

export interface App {
  url: string;
  port: number;
  stop(): void;
}

export async function start(options: Options): Promise<App> {
  const changes = new OutputChanges(QUIET_MS, MAX_HOLD_MS);
  const server = listen(options, changes);
  const logReload = reloadLogger();
  const output = startWatcher("output", options.output, (path) => {
    changes.record();
    server.publish(RELOAD_TOPIC, RELOAD_MESSAGE);
    logReload(path, server.subscriberCount(RELOAD_TOPIC));
  });
  await output.ready;

  const url = `http://${urlHost(options.host)}:${server.port}/`;
  const shown = displayPath(options.output);
  const missing = existsSync(options.output) ? "" : " (not there yet: pages answer 404 until it appears)";
  log.info(`Serving ${shown} at ${url} and reloading open pages when it changes${missing}`);

  return {
    url,
    port: server.port!,
    stop() {
      output.stop();
      server.stop(true);
    },
  };
}

function listen(options: Options, changes: OutputChanges) {
  try {
    return startServer({ root: options.output, host: options.host, port: options.port, changes });
  } catch (error) {
    if (isCode(error, "EADDRINUSE")) {
      throw new UsageError(`Port ${options.port} on ${options.host} is already in use; pick another with --port (for example --port ${options.port + 1}).`);
    }
    if (isCode(error, "EADDRNOTAVAIL") || isCode(error, "ENOTFOUND")) {
      throw new UsageError(`Cannot listen on --host ${options.host}: no such address on this machine; use 127.0.0.1 or one of its own addresses.`);
    }
    if (isCode(error, "EACCES")) {
      throw new UsageError(`Port ${options.port} needs special privileges; pick one above 1023 with --port.`);
    }
    throw error;
  }
}

/**
 * One line per burst, not per event: a build that writes 500 files is one line naming the
 * first file and how many followed, while every event is still broadcast at once.
 */
function reloadLogger(windowMs = 100) {
  let first: string | null = null;
  let more = 0;
  let pages = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    const also = more ? ` and ${more} more change${more === 1 ? "" : "s"}` : "";
    log.info(`${first ?? "output directory"} changed${also}; told ${pages} page${pages === 1 ? "" : "s"} to reload`);
    first = null;
    more = 0;
  };
  return (path: string | null, told: number) => {
    if (timer) more++;
    else first = path;
    pages = told;
    clearTimeout(timer);
    timer = setTimeout(flush, windowMs);
  };
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}
