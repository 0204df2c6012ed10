#!/usr/bin/env bun
import { defineCommand, runMain, showUsage } from "citty";
import pkg from "../package.json" with { type: "json" };
import { log } from "./log.ts";
import { openBrowser } from "./open.ts";
import { StartupError, UsageError } from "./errors.ts";
import { DEFAULTS, resolveOptions, type RawArgs } from "./options.ts";
import { start } from "./start.ts";

const command = defineCommand({
  meta: {
    name: "storytime-reload",
    version: pkg.version,
    description: "Serve a Storytime catalog and reload every open page when it changes.",
  },
  args: {
    output: {
      type: "string",
      description: `Directory of the rendered catalog to serve and watch (default: ${DEFAULTS.output}; may not exist yet)`,
      valueHint: "dir",
    },
    input: {
      type: "string",
      description: `Directory of the catalog's sources, watched to rebuild (default: ${DEFAULTS.input})`,
      valueHint: "dir",
    },
    build: {
      type: "string",
      description: "Shell command that rebuilds the catalog when an input file changes",
      valueHint: "cmd",
    },
    port: {
      type: "string",
      description: `Port to listen on; 0 picks a free one (default: ${DEFAULTS.port})`,
      valueHint: "n",
    },
    host: {
      type: "string",
      description: `Address to listen on (default: ${DEFAULTS.host}, this machine only)`,
      valueHint: "h",
    },
    open: {
      type: "boolean",
      description: "Open the catalog in the default browser once the server is up",
    },
  },
  async run({ args, rawArgs }) {
    const unknown = unknownFlags(rawArgs);
    if (unknown.length) {
      await showUsage(command);
      fail(new UsageError(`Unknown option ${unknown.join(", ")}; the options are listed above.`));
    }
    try {
      const app = await start(resolveOptions(args as RawArgs));
      stopOnSignals(app.stop);
      if (args.open) openBrowser(app.url);
    } catch (error) {
      fail(error);
    }
  },
});

const KNOWN_FLAGS = new Set(["output", "input", "build", "port", "host", "open", "no-open", "help", "version"]);

function unknownFlags(rawArgs: string[]): string[] {
  const flags: string[] = [];
  for (const arg of rawArgs) {
    if (arg === "--") break;
    if (!arg.startsWith("-")) continue;
    const name = arg.replace(/^--?/, "").split("=")[0]!;
    if (!KNOWN_FLAGS.has(name) && name !== "h" && name !== "v") flags.push(arg.split("=")[0]!);
  }
  return flags;
}

/** A user mistake is one line and exit code 2, a broken tool one line and exit 1; anything else is a bug and keeps its stack. */
function fail(error: unknown): never {
  if (error instanceof UsageError || error instanceof StartupError) {
    log.error(error.message);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
  log.error(error);
  process.exit(1);
}

function stopOnSignals(stop: () => Promise<void>) {
  const codes = { SIGINT: 130, SIGTERM: 143 } as const;
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(code));
    });
  }
}

runMain(command);
