/**
 * `bun run demo`: the CLI on the example catalog. Ctrl-C is how a person ends a demo, so here it
 * ends quietly with exit code 0. The CLI itself keeps 130 for SIGINT, as scripts expect of any
 * Unix tool (`storytime-reload && deploy` must not deploy after a Ctrl-C), and `bun run` prints
 * that as a red "script exited with code 130" error.
 * Extra arguments go to the CLI after the demo's own, so they win (`bun run demo --port 0`).
 */
import { join } from "node:path";

const child = Bun.spawn(
  [
    process.execPath,
    "src/cli.ts",
    "--input",
    "examples/catalog/src/storytime",
    "--output",
    "examples/catalog/build",
    "--build",
    "bun examples/catalog/build.ts",
    ...process.argv.slice(2),
  ],
  {
    cwd: join(import.meta.dir, ".."),
    stdio: ["ignore", "inherit", "inherit"],
    // Its own process group, so a terminal's Ctrl-C reaches it once, passed on from here, and not
    // twice (a second SIGINT is the CLI's "stop now").
    detached: true,
  },
);

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (signal === "SIGINT") interrupted = true;
    child.kill(signal);
  });
}

const code = await child.exited;
process.exit(interrupted && code === 130 ? 0 : (code ?? 1));
