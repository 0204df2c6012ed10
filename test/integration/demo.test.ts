import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, onCleanup } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { ROOT, tempDir } from "../helpers/files.ts";

afterEach(cleanup);

describe("bun run demo", () => {
  test("Ctrl-C ends it quietly: exit 0, no red 'script exited with code 130'", async () => {
    const output = join(tempDir(), "catalog");
    // Its own process group, signalled whole, as a terminal's Ctrl-C is.
    const proc = Bun.spawn(["bun", "run", "demo", "--port", "0", "--output", output], {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let text = "";
    const decoder = new TextDecoder();
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      const reader = stream.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    };
    const streams = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
    onCleanup(() => process.kill(-proc.pid, "SIGKILL"));
    await eventually(
      () => {
        if (proc.exitCode !== null) throw new Error(`the demo exited with code ${proc.exitCode} before it built:\n${text}`);
        return text.includes("Built in");
      },
      { ms: 15_000, every: 20, what: () => `the demo to build:\n${text}` },
    );
    process.kill(-proc.pid, "SIGINT");
    expect(await proc.exited).toBe(0);
    await streams;
    expect(text).not.toMatch(/error|exited with code/i);
  });
});
