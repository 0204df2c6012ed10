#!/usr/bin/env bun
import { defineCommand, renderUsage, runCommand, type ArgsDef } from "citty";
import { readFileSync } from "node:fs";
import pkg from "../package.json" with { type: "json" };
import { assertResolvable } from "./address.ts";
import { StartupError, UsageError } from "./errors.ts";
import { registerInstance } from "./instances.ts";
import { log } from "./log.ts";
import { openBrowser } from "./open.ts";
import { DEFAULTS, resolveOptions, type RawArgs } from "./options.ts";
import { start, type App } from "./start.ts";

const NAME = "storytime-reload";

const args = {
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
    description: "Shell command that rebuilds the catalog when an input file changes (STORYTIME_INPUT and STORYTIME_OUTPUT hold the absolute paths)",
    valueHint: "cmd",
  },
  port: {
    type: "string",
    description: `Port to listen on; 0 picks a free one (default: ${DEFAULTS.port})`,
    valueHint: "n",
  },
  host: {
    type: "string",
    description: `Address to listen on (default: ${DEFAULTS.host}, this machine only; 0.0.0.0 for your network)`,
    valueHint: "h",
  },
  open: {
    type: "boolean",
    description: "Open the catalog in the default browser once the server is up",
  },
  verbose: {
    type: "boolean",
    description: "Show every line of the build's output (by default a build that succeeds shows its last line, one that fails its last lines)",
  },
  // Declared rather than left to citty, so the usage lists them and they are handled here.
  help: { type: "boolean", alias: "h", description: "Show this help and exit" },
  version: { type: "boolean", alias: "v", description: "Print the version and exit" },
} satisfies ArgsDef;

/** The command, for citty and for tests: resolves with the running server, or null after --help or --version. */
export const command = defineCommand({
  meta: {
    name: NAME,
    version: pkg.version,
    description: "Serve a Storytime catalog and reload every open page when it changes.",
  },
  args,
  async run({ args, rawArgs }): Promise<App | null> {
    const mistake = argumentMistake(rawArgs, args._);
    if (mistake) throw new UsageError(mistake);
    if (args.help) {
      process.stdout.write(`${await usage(colorful(process.stdout))}\n`);
      return null;
    }
    if (args.version) {
      process.stdout.write(`${pkg.version}\n`);
      return null;
    }
    const options = resolveOptions(args as RawArgs);
    await assertResolvable(options.host);
    const app = await start(options);
    const instance = registerInstance(options.output, app.url);
    for (const other of instance.others) {
      log.warn(`Another storytime-reload (pid ${other.pid}, ${other.url}) also serves this output; if both build, their builds overwrite each other: stop one.`);
    }
    if (options.open) void openBrowser(app.url);
    return {
      ...app,
      async stop() {
        instance.release();
        await app.stop();
      },
    };
  },
});

/** The usage text; without colour for pipes, files and NO_COLOR (citty decides only from NO_COLOR=1, CI and TERM). */
export async function usage(color: boolean): Promise<string> {
  const example = `${NAME} --input src/storytime --output build/catalog --build "storytime build src/storytime build/catalog"`;
  const text = `${await renderUsage(command)}\nEXAMPLE\n\n  ${example}`;
  // citty pads every column to the widest line, trailing spaces included.
  return (color ? text : text.replace(/\x1b\[[\d;]*m/g, "")).replace(/[ \t]+$/gm, "");
}

function colorful(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

/** What citty lets through silently: flags it does not know and stray words. */
function argumentMistake(rawArgs: string[], positionals: string[]): string | null {
  const names = Object.keys(args);
  const known = new Set([...names, ...Object.values(args).flatMap((arg) => ("alias" in arg ? [arg.alias] : [])), "no-open"]);
  for (const arg of rawArgs) {
    if (arg === "--") break;
    // "-1" is a (bad) value, left for the option's own check to explain.
    if (!arg.startsWith("-") || /^-\d/.test(arg)) continue;
    const flag = arg.split("=")[0]!;
    const name = flag.replace(/^--?/, "");
    if (known.has(name)) continue;
    const near = names.find((candidate) => editDistance(name, candidate) <= 2);
    return `Unknown option ${flag}${near ? ` (did you mean --${near}?)` : ""}; see ${NAME} --help.`;
  }
  if (positionals.length) {
    return `Unexpected argument "${positionals[0]}"; ${NAME} takes options only, for example --output ${positionals[0]}.`;
  }
  return null;
}

/** Levenshtein distance, for "did you mean": option names are a few letters long. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** Runs the command as a process: a user mistake is one line and exit 2, a broken tool one line and exit 1; anything else is a bug and keeps its stack. */
export async function main(rawArgs: string[]): Promise<void> {
  try {
    const app = (await runCommand(command, { rawArgs })).result as App | null;
    if (app) stopOnSignals(app.stop);
  } catch (error) {
    if (error instanceof UsageError || error instanceof StartupError) {
      log.error(error.message);
      process.exit(error instanceof UsageError ? 2 : 1);
    }
    log.error(error);
    process.exit(1);
  }
}

/**
 * The first signal stops the server and gives the build a moment to end; a second one (an
 * impatient Ctrl-C) exits at once, and the exit itself kills the build's process group (build.ts),
 * so nothing is left running either way.
 */
function stopOnSignals(stop: () => Promise<void>) {
  // SIGHUP too: the build runs in its own session, so a closed terminal would otherwise orphan it.
  // On Windows, Bun (libuv) turns Ctrl-C into SIGINT, Ctrl-Break into SIGBREAK and a closed console
  // window into SIGHUP; SIGTERM never arrives there.
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  if (process.platform === "win32") codes.SIGBREAK = 149;
  // `nohup` ignores SIGHUP so that a job outlives its terminal; a handler would undo that.
  if (sighupIgnored()) delete codes.SIGHUP;
  let stopping = false;
  for (const [signal, code] of Object.entries(codes)) {
    process.on(signal, () => {
      if (stopping) process.exit(code);
      stopping = true;
      void stop().finally(() => process.exit(code));
    });
  }
}

/**
 * Whether SIGHUP is ignored, read before any handler of ours replaces what this process inherited.
 * Only Linux tells (the SigIgn mask in /proc; SIGHUP is bit 0); elsewhere it counts as not ignored.
 */
function sighupIgnored(): boolean {
  if (process.platform !== "linux") return false;
  try {
    const mask = readFileSync("/proc/self/status", "utf8").match(/^SigIgn:\s*([0-9a-f]+)$/m)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

if (import.meta.main) await main(process.argv.slice(2));
