import { accessSync, constants, statSync } from "node:fs";
import { resolve, sep } from "node:path";
import { UsageError, isCode } from "./errors.ts";
import { ipVersion } from "./ip.ts";
import { realPathOrNearest } from "./paths.ts";

export const DEFAULTS = {
  output: "build/catalog",
  input: "src/storytime",
  port: 8080,
  host: "127.0.0.1",
} as const;

/** What citty hands over: every value still a string, as typed by the user. */
export interface RawArgs {
  output?: string;
  input?: string;
  build?: string;
  port?: string;
  host?: string;
  open?: boolean;
  verbose?: boolean;
}

export interface Options {
  /** Absolute path of the directory served and watched for reloads; it may not exist yet. */
  output: string;
  /** Absolute path of the directory watched for rebuilds, or null when there is none to watch. */
  input: string | null;
  build: string | null;
  port: number;
  host: string;
  /** What a --host name resolved to, set by the command line once it is looked up: where the server is reachable from. */
  hostAddresses?: string[];
  open: boolean;
  /** Every line of every build's output, not only a failed build's last lines. */
  verbose: boolean;
}

const EXAMPLES = { output: "build/catalog", input: "src/storytime", build: '"storytime build src/storytime build/catalog"', port: "8080", host: "127.0.0.1" };

export function resolveOptions(raw: RawArgs, cwd: string = process.cwd()): Options {
  for (const flag of Object.keys(EXAMPLES) as Array<keyof typeof EXAMPLES>) {
    // "--output" with nothing after it would otherwise mean the current directory.
    if (raw[flag] !== undefined && String(raw[flag]).trim() === "") {
      throw new UsageError(`--${flag} needs a value, for example --${flag} ${EXAMPLES[flag]}.`);
    }
  }
  const output = resolveOutput(raw.output, cwd);
  const input = resolveInput(raw.input, cwd);
  if (input) assertApart(input, output);
  return {
    output,
    input,
    build: raw.build ?? null,
    port: parsePort(raw.port),
    host: parseHost(raw.host),
    open: raw.open === true,
    verbose: raw.verbose === true,
  };
}

/**
 * A build that writes into its own input would rebuild itself forever; one that empties an output
 * holding its input would delete it. Compared on real paths, so a symlink cannot hide either.
 */
function assertApart(input: string, output: string): void {
  const inside = (child: string, parent: string) => {
    const [realChild, realParent] = [realPathOrNearest(child), realPathOrNearest(parent)];
    return realChild === realParent || realChild.startsWith(realParent.endsWith(sep) ? realParent : realParent + sep);
  };
  if (inside(output, input)) {
    throw new UsageError(`--output ${output} is inside --input ${input}, so every build would trigger another; put the output outside the input.`);
  }
  if (inside(input, output)) {
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

function resolveInput(value: string | undefined, cwd: string): string | null {
  const input = resolve(cwd, value ?? DEFAULTS.input);
  const kind = kindOf(input);
  if (kind === "missing") {
    if (value === undefined) return null;
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
