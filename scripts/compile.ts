import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { displayPath } from "../src/paths.ts";

const ROOT = join(import.meta.dir, "..");

/**
 * The entry sits at the top of src/ and every watcher worker is an entrypoint of its own:
 * that is the only way `--compile` embeds a worker so that `new URL("./watch/x.worker.ts",
 * import.meta.url)` finds it inside the binary. Globbed, so a new worker cannot be forgotten.
 */
export function entrypoints(): string[] {
  const workers = [...new Bun.Glob("*.worker.ts").scanSync({ cwd: join(ROOT, "src", "watch"), absolute: true })];
  if (!workers.length) throw new Error("No src/watch/*.worker.ts found: the binary would start without its watchers.");
  return [join(ROOT, "src", "bin.ts"), ...workers.sort()];
}

/**
 * Builds one standalone executable and returns its path (Bun adds `.exe` for Windows).
 *
 * Bytecode cuts start-up (bench/README.md has the numbers) and, in Bun 1.4.5, needs ESM: with the
 * default CJS, `import.meta` is a syntax error and the binary does not start, and workers do not
 * find their embedded code (https://github.com/oven-sh/bun/issues/40903). The compiled-binary
 * tests run the binary from another directory, which checks both.
 * The user's bunfig.toml and .env belong to their project, not to this tool, so the binary
 * does not load them from the directory it runs in.
 */
export async function compile(outfile: string, target?: Bun.Build.CompileTarget): Promise<string> {
  const result = await Bun.build({
    entrypoints: entrypoints(),
    // No target means this machine's: Bun then embeds itself instead of downloading a runtime.
    compile: { outfile, autoloadBunfig: false, autoloadDotenv: false, ...(target && { target }) },
    minify: true,
    format: "esm",
    bytecode: true,
  });
  return result.outputs[0]!.path;
}

/** One line per problem: Bun's build errors arrive as an AggregateError of build messages. */
export function describeFailure(error: unknown): string {
  const errors = error instanceof AggregateError && error.errors.length ? error.errors : [error];
  return errors.map((e) => (e instanceof Error ? e.message : String(e)).split("\n")[0]).join("; ");
}

export function megabytes(path: string): string {
  return `${(statSync(path).size / 1024 / 1024).toFixed(1)} MB`;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { outfile: { type: "string", default: join(ROOT, "dist", "storytime-reload") } } });
  try {
    const binary = await compile(resolve(values.outfile));
    console.log(`Built ${displayPath(binary)} (${megabytes(binary)}) for this machine.`);
  } catch (error) {
    console.error(`compile: ${describeFailure(error)}`);
    process.exit(1);
  }
}
