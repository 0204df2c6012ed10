import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { CLI, tempDir } from "../helpers/files.ts";
import { launch, run, untimed } from "../helpers/process.ts";

afterEach(cleanup);

describe("as processes", () => {
  /** The record a server launched with `runtime` as its XDG_RUNTIME_DIR writes, in a folder of its own there, just after it prints its URL. */
  async function recordIn(runtime: string): Promise<string> {
    const records = () => readdirSync(runtime, { recursive: true, encoding: "utf8" }).filter((path) => path.endsWith(".json"));
    return join(runtime, await eventually(() => records()[0], { what: `a record under ${runtime}` }));
  }

  test("a port held by another storytime-reload on the same output names it and --port 0, exit 2", async () => {
    const out = tempDir();
    const env = { XDG_RUNTIME_DIR: tempDir() };
    const first = await launch(["bun", CLI, "--output", out, "--port", "0"], { env });
    await recordIn(env.XDG_RUNTIME_DIR);
    const { code, stdout, stderr } = await run(["bun", CLI, "--output", out, "--port", String(first.port)], { env });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(untimed(stderr.trim())).toBe(
      `[storytime] ✖ Port ${first.port} on 127.0.0.1 is already in use by another storytime-reload (pid ${first.proc.pid}) serving this output at ${first.url}: ` +
        `open that one, stop it, or pass --port 0 for any free port.`,
    );
  });

  test("the record of a server that stops is gone, and so is the folder", async () => {
    const runtime = tempDir();
    const server = await launch(["bun", CLI, "--output", tempDir(), "--port", "0"], { env: { XDG_RUNTIME_DIR: runtime } });
    expect(JSON.parse(readFileSync(await recordIn(runtime), "utf8"))).toEqual({ pid: server.proc.pid, url: server.url });
    server.proc.kill("SIGINT");
    await server.proc.exited;
    expect(readdirSync(runtime)).toEqual([]);
  });
});
