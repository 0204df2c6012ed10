import { readFileSync } from "node:fs";
import { join } from "node:path";

export const BENCH = join(import.meta.dir, "..");
export const ROOT = join(BENCH, "..");
const MODULES = join(BENCH, "node_modules");

export type ContenderName = "storytime-reload" | "live-server" | "vite" | "browser-sync" | "bun";

/**
 * How each server is started on `site/` inside its own work directory. Each gets only the
 * flags this machine needs: a fixed loopback port, no browser opened, no second UI server and,
 * for browser-sync, no look-up of whether the internet is reachable. Everything else stays at
 * the peer's defaults (live-server waits 100 ms, browser-sync debounces reloads by 500 ms).
 */
export interface Contender {
  name: ContenderName;
  version: string;
  /** The command line as a reader would type it, for the README. */
  shown: string;
  command(port: number): string[];
}

function peerVersion(pkg: string): string {
  return JSON.parse(readFileSync(join(MODULES, pkg, "package.json"), "utf8")).version;
}

export function node(): string {
  const path = Bun.which("node");
  if (!path) throw new Error("node is not on PATH; the peers live-server, Vite and browser-sync run on Node.");
  return path;
}

export function contenders(): Contender[] {
  const rootPkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const nodeBin = node();
  const bin = (pkg: string, file: string) => join(MODULES, pkg, file);
  return [
    {
      name: "storytime-reload",
      version: rootPkg.version,
      shown: "bun src/cli.ts --output site --port N",
      command: (port) => [process.execPath, join(ROOT, "src/cli.ts"), "--output", "site", "--port", `${port}`, "--host", "127.0.0.1"],
    },
    {
      name: "live-server",
      version: peerVersion("live-server"),
      shown: "live-server site --port=N --host=127.0.0.1 --no-browser",
      command: (port) => [nodeBin, bin("live-server", "live-server.js"), "site", `--port=${port}`, "--host=127.0.0.1", "--no-browser"],
    },
    {
      name: "vite",
      version: peerVersion("vite"),
      shown: "vite site --host 127.0.0.1 --port N --strictPort",
      command: (port) => [nodeBin, bin("vite", "bin/vite.js"), "site", "--host", "127.0.0.1", "--port", `${port}`, "--strictPort", "--clearScreen", "false"],
    },
    {
      name: "browser-sync",
      version: peerVersion("browser-sync"),
      shown: "browser-sync start --server site --files site --port N --listen 127.0.0.1 --no-open --no-ui --no-online",
      command: (port) => [
        nodeBin,
        bin("browser-sync", "dist/bin.js"),
        "start",
        "--server",
        "site",
        "--files",
        "site",
        "--port",
        `${port}`,
        "--listen",
        "127.0.0.1",
        "--no-open",
        "--no-ui",
        "--no-online",
      ],
    },
    {
      name: "bun",
      version: Bun.version,
      shown: "bun ./site/index.html --port=N",
      command: (port) => [process.execPath, "./site/index.html", `--port=${port}`],
    },
  ];
}
