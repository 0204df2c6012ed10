import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureSigned } from "./adhoc-sign.ts";
import { displayPath } from "../src/paths.ts";
import { compile, describeFailure, megabytes } from "./compile.ts";

/** Bun's target name, and the platform as it appears in the file name users download. */
const TARGETS = {
  "bun-linux-x64": "linux-x64",
  "bun-linux-arm64": "linux-arm64",
  "bun-darwin-x64": "darwin-x64",
  "bun-darwin-arm64": "darwin-arm64",
  "bun-windows-x64": "windows-x64",
} as const satisfies Record<string, string>;

type Target = keyof typeof TARGETS;

/** No version in the name, so `releases/latest/download/<name>` stays a stable link. */
function fileName(target: Target): string {
  return `storytime-reload-${TARGETS[target]}${target.startsWith("bun-windows") ? ".exe" : ""}`;
}

async function sha256(path: string): Promise<string> {
  return new Bun.CryptoHasher("sha256").update(await Bun.file(path).bytes()).digest("hex");
}

function isTarget(name: string): name is Target {
  return Object.hasOwn(TARGETS, name);
}

const { values } = parseArgs({
  options: {
    outdir: { type: "string", default: join(import.meta.dir, "..", "dist", "release") },
    target: { type: "string", multiple: true, default: Object.keys(TARGETS) },
  },
});
const outdir = resolve(values.outdir);
const unknown = values.target.filter((name) => !isTarget(name));
if (unknown.length) {
  console.error(`release: unknown target ${unknown.join(", ")}; the targets are ${Object.keys(TARGETS).join(", ")}.`);
  process.exit(2);
}

// Files of an earlier run would be uploaded along with this one's, or a stale SHA256SUMS would
// outlive a failed run. Only this script's own files go: --outdir may be a directory in use.
mkdirSync(outdir, { recursive: true });
for (const name of readdirSync(outdir)) {
  if (name === "SHA256SUMS" || name.startsWith("storytime-reload-")) rmSync(join(outdir, name), { force: true });
}

const targets = [...new Set(values.target.filter(isTarget))];
const built: string[] = [];
for (const target of targets) {
  try {
    const binary = await compile(join(outdir, fileName(target)), target);
    built.push(binary);
    console.log(`${target}: ${displayPath(binary)} (${megabytes(binary)})`);
  } catch (error) {
    // Nearly always the download: Bun fetches other platforms' runtimes from registry.npmjs.org
    // (the @oven/bun-* packages), so this names the target and Bun's reason, and the run goes on.
    console.error(`release: ${target} cannot be built here: ${describeFailure(error)}`);
  }
}

// Bun 1.4.5 leaves darwin-x64 with a signature that no longer covers the file (no Bun issue found
// for x64; arm64's was https://github.com/oven-sh/bun/pull/39772); see ensureSigned. The check stays
// once Bun signs x64 validly; the re-signing then has nothing to do.
let unsigned = 0;
for (const path of built) {
  if (basename(path).includes("-darwin-") && !(await ensureSigned(path, console.log))) unsigned++;
}
if (unsigned) {
  console.error(`release: ${unsigned} darwin binar${unsigned === 1 ? "y" : "ies"} failed the signature check; SHA256SUMS not written.`);
  process.exit(1);
}

if (built.length < targets.length) {
  console.error(`release: ${targets.length - built.length} of ${targets.length} targets failed; SHA256SUMS not written, so this set cannot be published by mistake.`);
  process.exit(1);
}

// The format `sha256sum -c` and `shasum -a 256 -c` read; one binary in memory at a time.
let sums = "";
for (const path of built) sums += `${await sha256(path)}  ${basename(path)}\n`;
await Bun.write(join(outdir, "SHA256SUMS"), sums);
console.log(`${displayPath(join(outdir, "SHA256SUMS"))} lists ${built.length} binar${built.length === 1 ? "y" : "ies"}.`);
