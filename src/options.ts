import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError, isCode } from "./errors.ts";
import { ipVersion } from "./host.ts";
import { isInside, realPathOrNearest } from "./paths.ts";

export const DEFAULTS = {
  output: "build/catalog",
  input: "src/storytime",
  port: 8080,
  host: "127.0.0.1",
} as const;

/** What citty hands over: every value still a string, as typed by the user. */
export interface RawArgs {
  output?: string;
  /** Once per --input given; citty itself keeps only the last. */
  input?: string | string[];
  build?: string;
  watchBuild?: string;
  port?: string;
  host?: string;
  open?: boolean;
  verbose?: boolean;
}

export interface Options {
  /** Absolute path of the directory served and watched for reloads; it may not exist yet. */
  output: string;
  /**
   * Absolute paths of the directories watched for rebuilds, none when there is nothing to watch.
   * The output may lie inside one (a generator's default layout); its watch leaves the output out.
   */
  inputs: string[];
  build: string | null;
  /** A command that keeps running and rebuilds the output by itself (a generator's watch mode). */
  watchBuild: string | null;
  port: number;
  host: string;
  /** What a --host name resolved to, set by the command line once it is looked up: where the server is reachable from. */
  hostAddresses?: string[];
  open: boolean;
  /** Every line of every build's output, not only a failed build's last lines. */
  verbose: boolean;
}

const EXAMPLES = {
  output: "build/catalog",
  input: "src/storytime",
  build: '"storytime build src/storytime build/catalog"',
  watchBuild: '"hugo --watch"',
  port: "8080",
  host: "127.0.0.1",
};

/** How a user types the option: watchBuild is --watch-build. */
const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

export function resolveOptions(raw: RawArgs, cwd: string = process.cwd()): Options {
  for (const flag of Object.keys(EXAMPLES) as Array<keyof typeof EXAMPLES>) {
    // "--output" with nothing after it would otherwise mean the current directory.
    if ([raw[flag]].flat().some((value) => value !== undefined && String(value).trim() === "")) {
      throw new UsageError(`${flagOf(flag)} needs a value, for example ${flagOf(flag)} ${EXAMPLES[flag]}.`);
    }
  }
  if (raw.build !== undefined && raw.watchBuild !== undefined) {
    throw new UsageError(
      "--build and --watch-build both rebuild the output; pass one: --build for a command that builds once and exits, --watch-build for one that keeps running (hugo --watch).",
    );
  }
  const output = resolveOutput(raw.output, cwd);
  const inputs = resolveInputs(raw.input, raw.build !== undefined, cwd);
  for (const input of inputs) assertOutsideOutput(input, output);
  return {
    output,
    inputs,
    build: raw.build ?? null,
    watchBuild: raw.watchBuild ?? null,
    port: parsePort(raw.port),
    host: parseHost(raw.host),
    open: raw.open === true,
    verbose: raw.verbose === true,
  };
}

/**
 * A clean build empties its output, so an input inside it would be deleted. Compared on real
 * paths, so a symlink cannot hide it. (The other way round is a generator's default layout, and
 * the input's watch leaves the output out.)
 */
function assertOutsideOutput(input: string, output: string): void {
  if (isInside(realPathOrNearest(input), realPathOrNearest(output))) {
    throw new UsageError(`--input ${input} is inside --output ${output}, and a clean build would delete it; put the input outside the output.`);
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULTS.port;
  const text = String(value).trim();
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, not "${text}"; for example --port 8080.`);
  }
  return port;
}

function parseHost(value: string | undefined): string {
  if (value === undefined) return DEFAULTS.host;
  const host = String(value).trim().replace(/^\[(.*)\]$/, "$1");
  if (!host || /[\s/?#@]/.test(host)) {
    throw new UsageError(`--host must be a host name or IP address, not "${value}"; for example --host 127.0.0.1.`);
  }
  // Numbers and dots only is meant as an IPv4 address; without this, 999.1.1.1 would be looked up as a name.
  if (/^[\d.]+$/.test(host) && ipVersion(host) !== 4) {
    throw new UsageError(`--host ${host} is not a valid IPv4 address (four numbers from 0 to 255); for example --host 127.0.0.1, or --host 0.0.0.0 for every interface.`);
  }
  return host;
}

function resolveOutput(value: string | undefined, cwd: string): string {
  const output = resolve(cwd, value ?? DEFAULTS.output);
  const kind = kindOf(output);
  if (kind === "other") {
    throw new UsageError(`--output ${output} is a file, not a directory; pass the directory your build writes the catalog to.`);
  }
  if (kind === "dir") assertReadable(output, "--output");
  return output;
}

function resolveInputs(value: string | string[] | undefined, hasBuild: boolean, cwd: string): string[] {
  if (value === undefined) {
    const input = resolve(cwd, DEFAULTS.input);
    if (kindOf(input) !== "missing") return [resolveInput(input)];
    // A build that no edit can ever start again is a mistake (the wrong directory, most often), not a setup.
    if (hasBuild) {
      throw new UsageError(`--build needs an input to watch, and the default --input ${input} does not exist; pass --input with the directory that holds your sources.`);
    }
    return [];
  }
  const inputs = [value].flat().map((each) => resolveInput(resolve(cwd, each)));
  for (const [i, input] of inputs.entries()) {
    const outer = inputs.find((other, j) => j !== i && isInside(realPathOrNearest(input), realPathOrNearest(other)));
    if (outer) throw new UsageError(`--input ${input} is inside --input ${outer}, which is watched already; pass only ${outer}.`);
  }
  return inputs;
}

function resolveInput(input: string): string {
  const kind = kindOf(input);
  if (kind === "missing") {
    throw new UsageError(`--input ${input} does not exist; pass the directory that holds your catalog's sources.`);
  }
  if (kind === "other") {
    throw new UsageError(`--input ${input} is a file, not a directory; pass the directory that holds your catalog's sources.`);
  }
  assertReadable(input, "--input");
  return input;
}

function kindOf(path: string): "dir" | "other" | "missing" {
  try {
    return statSync(path).isDirectory() ? "dir" : "other";
  } catch (error) {
    if (isCode(error, "ENOENT")) return "missing";
    if (isCode(error, "ENOTDIR")) return "other";
    if (isCode(error, "EACCES")) throw permissionDenied(path);
    throw error;
  }
}

function assertReadable(dir: string, flag: string): void {
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch {
    throw new UsageError(`${flag} ${dir} cannot be read (permission denied); fix its permissions or pass another directory.`);
  }
}

function permissionDenied(path: string): UsageError {
  return new UsageError(`${path} cannot be reached (permission denied); fix the permissions of its parent directories.`);
}
