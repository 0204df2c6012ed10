import { join } from "node:path";
import { BuildRunner } from "./build/runner.ts";
import { OutsideBuild } from "./build/outside-build.ts";
import { WatchBuild } from "./build/watch-build.ts";
import { UsageError, isCode } from "./errors.ts";
import { localUrl } from "./host.ts";
import { OutputChanges } from "./http/gate.ts";
import { RELOAD_MESSAGE, RELOAD_TOPIC } from "./http/protocol.ts";
import { startServer, type ServerConfig } from "./http/server.ts";
import { instancesServing, registerInstance } from "./instances.ts";
import type { Options } from "./options.ts";
import { displayPath } from "./paths.ts";
import { log } from "./terminal/log.ts";
import { openBrowser } from "./terminal/open-browser.ts";
import { reloadLog } from "./terminal/reload-lines.ts";
import { logStartup } from "./terminal/startup-lines.ts";
import { platformTiming } from "./timing.ts";
import { startWatcher, watcherGroup } from "./watchers.ts";

/**
 * How far behind the clock a file's modification time may be: Linux stamps files from a clock
 * that moves once per scheduler tick (up to 10 ms), Windows from one that moves every 15.6 ms.
 */
const MTIME_LAG_MS = 20;

export interface App {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * The whole app, as the command line runs it: the server, the page gate, the watchers, the
 * build, the record of this server among others on the same output, and the browser opened.
 * `watch` is the seam through which tests make a watcher fail to start or lag.
 */
export async function start(options: Options, watch: typeof startWatcher = startWatcher): Promise<App> {
  const startedAt = Date.now();
  const timing = platformTiming(process.platform);
  const changes = new OutputChanges(timing.gate);
  const reloads = reloadLog(options.output);
  const server = listen(options, changes, reloads);
  const watchers = watcherGroup(watch);
  const holdPages = (idle: Promise<void>) => changes.holdFor(idle);
  // Without a build of our own, whatever writes the output after a save is someone else's build.
  const outside =
    options.build || !(options.inputs.length || options.watchBuild)
      ? null
      : new OutsideBuild({
          quietMs: timing.gate.burstQuietMs,
          writerRunsHere: options.watchBuild !== null,
          onBusy: holdPages,
          confirmWrites: () => changes.allReported(),
          output: options.output,
        });
  const output = watchers.watch("output", options.output, (path) => {
    outside?.wrote();
    changes.record();
    server.publish(RELOAD_TOPIC, RELOAD_MESSAGE);
    reloads.changed(path, server.subscriberCount(RELOAD_TOPIC));
  });
  changes.confirmWith(() => output.flush());
  const builder = options.build
    ? new BuildRunner({
        command: options.build,
        input: options.inputs[0] ?? null,
        output: options.output,
        onBusy: holdPages,
        saveSettleMs: timing.saveSettleMs,
        pagesWaitMs: timing.gate.maxBuildWaitMs,
        verbose: options.verbose,
        outputChanges: { version: () => changes.version, counted: () => changes.allReported() },
      })
    : null;
  const writer =
    outside && options.watchBuild
      ? new WatchBuild({
          command: options.watchBuild,
          input: options.inputs[0] ?? null,
          output: options.output,
          onStart: () => outside.started(),
          onLine: (line) => outside.printed(line),
          onExit: () => outside.endNow(),
        })
      : null;
  // The generator's own watch mode says what it rebuilds; a change is only logged when nothing here builds.
  let toldNothingRebuilt = false;
  const saved = builder
    ? (path: string, file?: string) => builder.request(path, file)
    : (path: string) => {
        outside?.saved();
        if (writer && !writer.gaveUp) return;
        log.info(`${path} changed${toldNothingRebuilt ? "" : " (no --build, nothing rebuilt)"}`);
        toldNothingRebuilt = true;
      };
  for (const root of options.inputs) {
    // With several inputs, a path names its input too: `content/post.md`, not `post.md`.
    const shownAs = options.inputs.length > 1 ? displayPath(root) : "";
    const onChange = (path: string | null) => {
      if (path) reloads.edited(path);
      if (path === null) saved(`the input directory${shownAs && ` ${shownAs}`}`);
      else saved(join(shownAs, path), join(root, path));
    };
    // The output is left out of the input's watch wherever it lies.
    watchers.watch("input", root, onChange, { exclude: options.output });
  }
  try {
    await watchers.ready();
  } catch (error) {
    // Nothing started here may outlive a failed start: the caller exits, or (in tests) goes on.
    watchers.stop();
    server.stop(true);
    throw error;
  }
  // The server listens at once, so the first page does not wait for a worker's start, and a page
  // served before the output watch was in place could miss a change made meanwhile. Files
  // modified since start-up are found by their time instead and count as changes (pages stamped
  // before them reload), all reported before start-up is over.
  output.recheck(startedAt - MTIME_LAG_MS);
  await output.flush();

  const url = localUrl(options.host, server.port!);
  logStartup(options, server.port!);
  // The first build starts after the server listens: pages requested meanwhile wait for it.
  builder?.startNow();
  writer?.start();
  const instance = registerInstance(options.output, url);
  for (const other of instance.others) {
    log.warn(`Another storytime-reload (pid ${other.pid}, ${other.url}) also serves this output; if both build, their builds overwrite each other: stop one.`);
  }
  if (options.open) void openBrowser(url);

  return {
    url,
    port: server.port!,
    async stop() {
      instance.release();
      watchers.stop();
      reloads.stop();
      server.stop(true);
      await Promise.all([builder?.stop(), writer?.stop()]);
      outside?.endNow();
    },
  };
}

function listen(options: Options, changes: OutputChanges, pages: ServerConfig["pages"]) {
  try {
    return startServer({ root: options.output, host: options.host, port: options.port, changes, pages });
  } catch (error) {
    if (isCode(error, "EADDRINUSE")) {
      const holder = instancesServing(options.output).find((other) => Number(new URL(other.url).port || 80) === options.port);
      throw new UsageError(
        holder
          ? `Port ${options.port} on ${options.host} is already in use by another storytime-reload (pid ${holder.pid}) serving this output at ${holder.url}: open that one, stop it, or pass --port 0 for any free port.`
          : `Port ${options.port} on ${options.host} is already in use; pass --port 0 for any free port, or another with --port (for example --port ${options.port + 1}).`,
      );
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
