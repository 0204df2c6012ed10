#!/usr/bin/env bun
/**
 * The executable's entry: runs the CLI unconditionally. cli.ts alone decides by
 * `import.meta.main`, which is false inside a Windows executable built with the workers as extra
 * entrypoints (Bun 1.4.5; seen under Wine: the .exe printed nothing and exited 0).
 */
import { main } from "./cli.ts";

await main(process.argv.slice(2));
