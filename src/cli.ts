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
    description:
      "Serve a Storytime catalog and reload every open page when it changes.\n" +
      "Example: storytime-reload --input src/storytime --output build/catalog --build \"storytime build src/storytime build/catalog\"\n" +
      "The build command runs through the shell with STORYTIME_INPUT and STORYTIME_OUTPUT set to the absolute paths.",
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
    const mistake = argumentMistake(rawArgs, args._);
    if (mistake) {
      await showUsage(command);
      fail(new UsageError(mistake));
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

/** What citty lets through silently: flags it does not know and stray words. */
function argumentMistake(rawArgs: string[], positionals: string[]): string | null {
  const known = new Set(["help", "h", "version", "v", "no-open", ...Object.keys(command.args!)]);
  const unknown: string[] = [];
  for (const arg of rawArgs) {
    if (arg === "--") break;
    // "-1" is a (bad) value, left for the option's own check to explain.
    if (!arg.startsWith("-") || /^-\d/.test(arg)) continue;
    const name = arg.replace(/^--?/, "").split("=")[0]!;
    if (!known.has(name)) unknown.push(arg.split("=")[0]!);
  }
  if (unknown.length) return `Unknown option ${unknown.join(", ")}; the options are listed above.`;
  if (positionals.length) {
    return `Unexpected argument "${positionals[0]}"; storytime-reload takes options only, for example --output ${positionals[0]}.`;
  }
  return null;
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
  // SIGHUP too: the build runs in its own session, so a closed terminal would otherwise orphan it.
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(code));
    });
  }
}

runMain(command);
