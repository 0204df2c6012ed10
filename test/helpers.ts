import { describe, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { log } from "../src/terminal/log.ts";
import { resolveOptions, type RawArgs } from "../src/options.ts";
import { SOCKET_PATH } from "../src/http/protocol.ts";
import { start, type App } from "../src/start.ts";

/** What the in-process server logged, one string per message ("tag: text"), instead of the terminal. */
export const logged: string[] = [];
log.setReporters([{ log: (entry) => logged.push(`${entry.tag}: ${entry.args.map(String).join(" ")}`) }]);

/** Resolves once a logged line matches; rejects after `ms`. */
export async function waitForLog(pattern: RegExp, ms = 5_000, from = 0): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const line = logged.slice(from).find((entry) => pattern.test(entry));
    if (line) return line;
    if (Date.now() > until) throw new Error(`nothing logged matched ${pattern}; logged:\n${logged.slice(from).join("\n")}`);
    await Bun.sleep(10);
  }
}

export const ROOT = join(import.meta.dir, "..");

const cleanups: Array<() => unknown> = [];

/** Everything made with these helpers is removed by `cleanup()`, called from afterEach/afterAll. */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {}
  }
}

export function tempDir(prefix = "storytime-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startApp(raw: RawArgs): Promise<App> {
  const app = await start(resolveOptions({ port: "0", ...raw }));
  cleanups.push(app.stop);
  return app;
}

/** A real WebSocket client that records every message it gets. */
export class TestSocket {
  readonly messages: string[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly socket: WebSocket) {
    socket.onmessage = (event) => {
      this.messages.push(String(event.data));
      for (const wake of this.waiters.splice(0)) wake();
    };
  }

  static async open(app: { port: number }, version?: number | string): Promise<TestSocket> {
    const query = version === undefined ? "" : `?v=${version}`;
    const socket = new WebSocket(`ws://127.0.0.1:${app.port}${SOCKET_PATH}${query}`);
    cleanups.push(() => socket.close());
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error("WebSocket failed to open"));
    });
    return new TestSocket(socket);
  }

  /** Resolves with the message count once at least `count` messages arrived; rejects after `ms`. */
  async waitFor(count: number, ms = 3000): Promise<number> {
    const deadline = Date.now() + ms;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} message(s), got ${this.messages.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.length;
  }

  /** True if no new message arrives within `ms`: used only to check that something did NOT happen. */
  async staysQuiet(ms: number): Promise<boolean> {
    const before = this.messages.length;
    await Bun.sleep(ms);
    return this.messages.length === before;
  }
}

export function url(app: App, path: string): string {
  return `http://127.0.0.1:${app.port}${path}`;
}

/** `test`, or, when `reason` is set, `test.skip` with the reason printed and in the test's name. */
export function testUnless(reason: string | null): typeof test {
  if (!reason) return test;
  return ((name: string, ...rest: Parameters<typeof test.skip> extends [unknown, ...infer R] ? R : never) => {
    console.warn(`skip: ${name}: ${reason}`);
    return test.skip(`${name} (skipped: ${reason})`, ...rest);
  }) as typeof test;
}

/** `describe`, or, with a reason, every test in it skipped and the reason printed once. */
export function describeUnless(reason: string | null): typeof describe {
  if (!reason) return describe;
  return ((name: string, body: () => void) => {
    console.warn(`skip: ${name}: ${reason}`);
    return describe.skip(`${name} (skipped: ${reason})`, body);
  }) as typeof describe;
}

/** Why tests whose builds are POSIX shell scripts skip on Windows, where cmd.exe runs the build. */
export const POSIX_SHELL_SKIP =
  process.platform === "win32" ? "its builds are POSIX shell scripts; on Windows the build runs through cmd.exe, which bun run test:windows checks" : null;

/** Why tests of POSIX file-system behaviour (symlinks, chmod, rename over a directory) skip on Windows. */
export const POSIX_FS_SKIP =
  process.platform === "win32" ? "symlinks, permissions and renames here behave as on Linux and macOS, not as on Windows" : null;

/**
 * A project whose sources a generator's watch mode in miniature (fixtures/fake-generator.ts, its
 * settings in `env`) turns into the output, for --watch-build; `starts()` lists the pid of each of
 * its starts and of the child it keeps.
 */
export function fakeGeneratorProject(env: Record<string, string> = {}) {
  const dir = tempDir();
  const input = join(dir, "src");
  const output = join(dir, "out");
  const runs = join(dir, "runs");
  mkdirSync(input);
  writeFileSync(join(input, "page.txt"), "initial");
  const assignments = Object.entries({ RUNS: runs, ...env }).map(([name, value]) => `${name}='${value}'`);
  const watchBuild = `${assignments.join(" ")} "${process.execPath}" "${join(import.meta.dir, "fixtures", "fake-generator.ts")}"`;
  const starts = () =>
    existsSync(runs) ? readFileSync(runs, "utf8").split("\n").filter(Boolean).map((line) => line.split(" ").map(Number) as [number, number]) : [];
  return { dir, input, output, watchBuild, starts };
}
