#!/usr/bin/env bun
/**
 * The executable's entry: runs the CLI unconditionally. cli.ts alone decides by
 * `import.meta.main`, which Bun 1.4.5 leaves false inside a Windows executable
 * (https://github.com/oven-sh/bun/issues/30084): the .exe printed nothing and exited 0, which the
 * Wine smoke test (bun run test:windows) shows. Workaround: remove this file, and point
 * package.json's bin and scripts/compile.ts at cli.ts, once that is fixed.
 */
import { main } from "./cli.ts";

await main(process.argv.slice(2));
