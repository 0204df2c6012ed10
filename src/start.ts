import { localUrl } from "./address.ts";
import { BuildRunner } from "./build.ts";
import { OutputChanges } from "./changes.ts";
import { log } from "./log.ts";
import { UsageError, isCode } from "./errors.ts";
import type { Options } from "./options.ts";
import { RELOAD_MESSAGE, RELOAD_TOPIC } from "./protocol.ts";
import { reloadLog } from "./reload-log.ts";
import { startServer } from "./server.ts";
import { logStartup } from "./startup-log.ts";
import { startWatcher } from "./watchers.ts";

export const PAGE_GATE = {
  /** Longer than the gaps inside one burst of writes (a build, a copy), far shorter than a person's next save. */
  quietMs: 20,
  burstQuietMs: 60,
  burstEvents: 20,
  afterBuildMs: 5,
  maxQuietWaitMs: 2_000,
  maxBuildWaitMs: 30_000,
};

export interface App {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function start(options: Options): Promise<App> {
  const changes = new OutputChanges(PAGE_GATE);
  const server = listen(options, changes);
  const reloads = reloadLog(options.output);
  const output = startWatcher("output", options.output, (path) => {
    changes.record();
    server.publish(RELOAD_TOPIC, RELOAD_MESSAGE);
    reloads.changed(path, server.subscriberCount(RELOAD_TOPIC));
  });
  const builder = options.build
    ? new BuildRunner({
        command: options.build,
        input: options.input,
        output: options.output,
        onStart: (done) => changes.holdFor(done),
      })
    : null;
  const input = options.input ? watchInput(options.input, builder, reloads.edited) : null;
  await Promise.all([output.ready, input?.ready]);

  const url = localUrl(options.host, server.port!);
  logStartup(options, server.port!);
  // The first build starts after the server listens: pages requested meanwhile wait for it.
  builder?.startNow();

  return {
    url,
    port: server.port!,
    async stop() {
      output.stop();
      input?.stop();
      server.stop(true);
      await builder?.stop();
    },
  };
}

function watchInput(root: string, builder: BuildRunner | null, edited: (path: string) => void) {
  return startWatcher("input", root, (path) => {
    if (path) edited(path);
    const shown = path ?? "the input directory";
    if (builder) builder.request(shown);
    else log.info(`${shown} changed`);
  });
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
