#!/usr/bin/env bun
import { defineCommand, runCommand, type ArgsDef } from "citty";
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };
import { resolveHost } from "./host.ts";
import { StartupError, UsageError } from "./errors.ts";
import { log } from "./terminal/log.ts";
import { DEFAULTS, resolveOptions, type RawArgs } from "./options.ts";
import { start, type App } from "./start.ts";

const NAME = "storytime-reload";
const DESCRIPTION = "Serve a Storytime catalog and reload every open page when it changes.";

const args = {
  output: {
    type: "string",
    alias: "o",
    description: `Directory of the rendered catalog to serve and watch (default: ${DEFAULTS.output}; may not exist yet)`,
    valueHint: "dir",
  },
  input: {
    type: "string",
    alias: "i",
    description: `Directory of the catalog's sources, watched to rebuild (default: ${DEFAULTS.input}); repeatable; an output inside it is left out`,
    valueHint: "dir",
  },
  build: {
    type: "string",
    alias: "b",
    description: "Shell command that rebuilds the catalog when an input file changes (STORYTIME_INPUT and STORYTIME_OUTPUT hold the absolute paths)",
    valueHint: "cmd",
  },
  "watch-build": {
    type: "string",
    description: "Instead of --build: a command that keeps running and rebuilds the output by itself (hugo --watch); run, shown, restarted and stopped with the server",
    valueHint: "cmd",
  },
  port: {
    type: "string",
    alias: "p",
    description: `Port to listen on; 0 picks a free one (default: ${DEFAULTS.port})`,
    valueHint: "n",
  },
  host: {
    type: "string",
    description: `Address to listen on (default: ${DEFAULTS.host}, this machine only; 0.0.0.0 for your network)`,
    valueHint: "host",
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

type Arg = (typeof args)[keyof typeof args];

/** The command, for citty and for tests: resolves with the running server, or null after --help or --version. */
export const command = defineCommand({
  meta: {
    name: NAME,
    version: pkg.version,
    description: DESCRIPTION,
  },
  args,
  async run({ args, rawArgs }): Promise<App | null> {
    const mistake = argumentMistake(rawArgs);
    if (mistake) throw new UsageError(mistake);
    if (args.help) {
      process.stdout.write(usage());
      return null;
    }
    if (args.version) {
      process.stdout.write(`${pkg.version}\n`);
      return null;
    }
    const resolved = resolveOptions({ ...args, input: everyValue(rawArgs, "input") } as RawArgs);
    return start({ ...resolved, hostAddresses: await resolveHost(resolved.host) });
  },
});

const USAGE_WIDTH = 80;

/**
 * The usage text, in the layout of git and curl (short flag, long flag, value, then what it does),
 * written from `args` so that it lists exactly what is parsed. citty's own puts the flags
 * right-aligned and the value after "=", unlike README and every example.
 */
export function usage(): string {
  const rows = Object.entries(args).map(([name, arg]) => {
    const short = "alias" in arg ? `-${arg.alias}, ` : "    ";
    const value = "valueHint" in arg ? ` <${arg.valueHint}>` : "";
    return { flag: `${short}--${name}${value}`, description: arg.description };
  });
  const indent = 2 + Math.max(...rows.map((row) => row.flag.length)) + 2;
  const options = rows.map((row) => `  ${row.flag.padEnd(indent - 2)}${wrap(row.description, USAGE_WIDTH - indent).join(`\n${" ".repeat(indent)}`)}`);
  return [
    `${NAME} ${pkg.version}`,
    DESCRIPTION,
    "",
    `Usage: ${NAME} [options]`,
    "",
    "Options:",
    ...options,
    "",
    "Example:",
    `  ${NAME} --input src/storytime --output build/catalog \\`,
    `    --build "storytime build src/storytime build/catalog"`,
    "",
  ].join("\n");
}

/** Splits text at spaces into lines of at most `width` characters (a longer word keeps its own line). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

/**
 * Each value of a repeatable option, in order, or undefined when it is not given: citty keeps only
 * the last. Read with the parser citty itself uses and the same definitions (short flags
 * included), so every other option takes its value exactly as citty gave it.
 */
function everyValue(rawArgs: string[], name: keyof typeof args): string[] | undefined {
  const options = Object.fromEntries(
    Object.entries(args).map(([key, arg]) => [key, { type: arg.type, multiple: key === name, ...("alias" in arg && arg.alias.length === 1 ? { short: arg.alias } : {}) }]),
  );
  const values = parseArgs({ args: rawArgs, options, strict: false, allowPositionals: true }).values[name];
  // A value-less last `--input` parses as true, which citty passes on as "".
  return Array.isArray(values) ? values.map((value) => (typeof value === "string" ? value : "")) : undefined;
}

/** What citty lets through silently or misreads: flags it does not know, long names with one dash, and stray words. */
function argumentMistake(rawArgs: string[]): string | null {
  // The last option's value and where it ends, for a stray word just after it: `--build python3 build.py`.
  let taken: Taken | null = null;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") return null;
    // "-1" is a (bad) value, left for the option's own check to explain.
    if (!arg.startsWith("-") || /^-\d/.test(arg)) return strayWord(rawArgs, i, taken?.end === i - 1 ? taken : null);
    const [flag = arg, inline] = splitOnce(arg, "=");
    const option = optionNamed(flag);
    if (!option) return unknownOption(flag);
    if (option.arg.type !== "string") continue;
    // The parser takes "-o=public" as the value "=public", a directory no one meant.
    if (inline !== undefined && flag.length === 2) return `${arg}: write ${flag} ${inline} or --${option.name}=${inline}; see ${NAME} --help.`;
    if (inline !== undefined || option.attached) {
      taken = { ...option, value: inline ?? flag.slice(2), end: i };
      continue;
    }
    // citty takes the next word as the value, whatever it is, another option included.
    const value = rawArgs[++i] ?? "";
    if (value.startsWith("-") && optionNamed(value.split("=")[0]!)) return `${flag} needs a value before ${value}; see ${NAME} --help.`;
    taken = { ...option, value, end: i };
  }
  return null;
}

interface Taken {
  name: string;
  arg: Arg;
  value: string;
  /** The index of the last raw argument it took. */
  end: number;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** The option a flag stands for: --name, --no-name for a boolean, -x, or -xVALUE for a string option. */
function optionNamed(flag: string): { name: string; arg: Arg; attached: boolean } | null {
  const entries = Object.entries(args) as Array<[string, Arg]>;
  if (flag.startsWith("--")) {
    const name = flag.slice(2);
    const found = entries.find(([candidate, arg]) => candidate === name || (arg.type === "boolean" && `no-${candidate}` === name));
    return found ? { name: found[0], arg: found[1], attached: false } : null;
  }
  const letters = flag.slice(1);
  const found = entries.find(([, arg]) => "alias" in arg && arg.alias === letters[0]);
  if (!found) return null;
  if (letters.length === 1) return { name: found[0], arg: found[1], attached: false };
  // "-port" is --port with one dash, not -p with the value "ort".
  if (nearestName(letters) || found[1].type !== "string") return null;
  return { name: found[0], arg: found[1], attached: true };
}

function nearestName(word: string): string | undefined {
  return Object.keys(args).find((name) => editDistance(word, name) <= 2);
}

function unknownOption(flag: string): string {
  const near = flag.length > 2 ? nearestName(flag.replace(/^--?/, "")) : undefined;
  return `Unknown option ${flag}${near ? ` (did you mean --${near}?)` : ""}; see ${NAME} --help.`;
}

/** A word no option took, named with the likeliest thing the user meant. */
function strayWord(rawArgs: string[], at: number, after: Taken | null): string {
  const word = rawArgs[at]!;
  const hint = after && "valueHint" in after.arg ? after.arg.valueHint : null;
  if (after && (hint === "cmd" || hint === "dir")) {
    const words = [after.value];
    for (let i = at; i < rawArgs.length && !rawArgs[i]!.startsWith("-"); i++) words.push(rawArgs[i]!);
    return `Unexpected argument "${word}"; quote ${hint === "cmd" ? "the command" : "a path with spaces"}: --${after.name} "${words.join(" ")}".`;
  }
  const meant = meantOption(word);
  if (meant) return `Unexpected argument "${word}"; did you mean ${meant}?`;
  return `Unexpected argument "${word}"; ${NAME} takes options only (see ${NAME} --help).`;
}

/** `help` for --help, `9000` for --port 9000, a path for --output. */
function meantOption(word: string): string | null {
  const near = nearestName(word);
  if (near) return `--${near}`;
  if (/^\d+$/.test(word)) return `--port ${word}`;
  if (/[\\/]/.test(word) || statSync(word, { throwIfNoEntry: false })?.isDirectory()) return `--output ${word}`;
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
 * impatient Ctrl-C) exits at once, and the exit itself kills the build's process group (build/shell.ts),
 * so nothing is left running either way.
 */
function stopOnSignals(stop: () => Promise<void>) {
  // SIGHUP too: the build runs in its own session, so a closed terminal would otherwise orphan it.
  // On Windows, Bun (libuv) turns Ctrl-C into SIGINT, Ctrl-Break into SIGBREAK and a closed console
  // window into SIGHUP; SIGTERM never arrives there (https://nodejs.org/api/process.html#signal-events).
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
