import { join } from "node:path";
import { localUrl } from "./host.ts";
import { BuildRunner } from "./build/runner.ts";
import { OutputChanges } from "./http/gate.ts";
import { displayPath } from "./paths.ts";
import { instancesServing } from "./instances.ts";
import { log } from "./terminal/log.ts";
import { OutsideBuild } from "./build/outside-build.ts";
import { UsageError, isCode } from "./errors.ts";
import type { Options } from "./options.ts";
import { RELOAD_MESSAGE, RELOAD_TOPIC } from "./http/protocol.ts";
import { reloadLog } from "./terminal/reload-lines.ts";
import { startServer, type ServerConfig } from "./http/server.ts";
import { logStartup } from "./terminal/startup-lines.ts";
import { WatchBuild } from "./build/watch-build.ts";
import { startWatcher, type Watcher } from "./watchers.ts";
import { platformTiming } from "./timing.ts";
import { rearmMayLoseOtherEvents } from "./watch/platform.ts";
import { ROOT_CHECK_MS } from "./watch/watch-tree.ts";

const TIMING = platformTiming(process.platform);

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

/** `watch` is the seam through which tests make a watcher fail to start. */
export async function start(options: Options, watch: typeof startWatcher = startWatcher): Promise<App> {
  const startedAt = Date.now();
  const changes = new OutputChanges(TIMING.gate);
  const reloads = reloadLog(options.output);
  const server = listen(options, changes, reloads);
  // Each watcher's re-arm (reported as a null path) may have cost the others events on macOS.
  const othersMayHaveMissed = (rearmed: Watcher) => {
    if (!rearmMayLoseOtherEvents(process.platform)) return;
    for (const other of [output, ...inputs]) if (other !== rearmed) other.recheck(Date.now() - ROOT_CHECK_MS);
  };
  // Pages wait until the output watcher has reported a build's last write, not a guessed while.
  const holdPages = (idle: Promise<void>) => changes.holdFor(idle.then(() => output.flush()));
  // Without a build of our own, whatever writes the output after a save is someone else's build.
  const outside =
    options.build || !(options.inputs.length || options.watchBuild)
      ? null
      : new OutsideBuild({ quietMs: TIMING.gate.burstQuietMs, writerRunsHere: options.watchBuild !== null, onBusy: holdPages, confirmWrites: () => output.flush() });
  const output = watch("output", options.output, (path) => {
    if (path === null) othersMayHaveMissed(output);
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
        saveSettleMs: TIMING.saveSettleMs,
        pagesWaitMs: TIMING.gate.maxBuildWaitMs,
        verbose: options.verbose,
        outputChanges: { version: () => changes.version, counted: () => output.flush() },
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
    ? (path: string) => builder.request(path)
    : (path: string) => {
        outside?.saved();
        if (writer) return;
        log.info(`${path} changed${toldNothingRebuilt ? "" : " (no --build, nothing rebuilt)"}`);
        toldNothingRebuilt = true;
      };
  const inputs = options.inputs.map((root) => {
    // With several inputs, a path names its input too: `content/post.md`, not `post.md`.
    const shownAs = options.inputs.length > 1 ? displayPath(root) : "";
    const input: Watcher = watchInput(watch, { root, shownAs, exclude: options.output }, saved, reloads.edited, () => othersMayHaveMissed(input));
    return input;
  });
  try {
    await Promise.all([output.ready, ...inputs.map((input) => input.ready)]);
  } catch (error) {
    // Nothing started here may outlive a failed start: the caller exits, or (in tests) goes on.
    output.stop();
    for (const input of inputs) input.stop();
    server.stop(true);
    throw error;
  }
  // The server listens at once, so the first page does not wait for a worker's start (6-9 ms),
  // and a page served before the output watch was in place could miss a change made meanwhile.
  // Files modified since start-up are found by their time instead and count as changes (pages
  // stamped before them reload), all reported before start-up is over.
  output.recheck(startedAt - MTIME_LAG_MS);
  await output.flush();

  const url = localUrl(options.host, server.port!);
  logStartup(options, server.port!);
  // The first build starts after the server listens: pages requested meanwhile wait for it.
  builder?.startNow();
  writer?.start();

  return {
    url,
    port: server.port!,
    async stop() {
      output.stop();
      for (const input of inputs) input.stop();
      server.stop(true);
      await Promise.all([builder?.stop(), writer?.stop()]);
      outside?.endNow();
    },
  };
}

/** `exclude` is the output, left out of the input's watch wherever it lies. */
function watchInput(
  watch: typeof startWatcher,
  input: { root: string; shownAs: string; exclude: string },
  saved: (path: string) => void,
  edited: (path: string) => void,
  rearmed: () => void,
) {
  return watch(
    "input",
    input.root,
    (path) => {
      if (path) edited(path);
      else rearmed();
      saved(path === null ? `the input directory${input.shownAs && ` ${input.shownAs}`}` : join(input.shownAs, path));
    },
    { exclude: input.exclude },
  );
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
