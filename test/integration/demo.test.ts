import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup } from "../helpers/cleanup.ts";
import { tempDir } from "../helpers/files.ts";
import { launch } from "../helpers/process.ts";
import { describeUnless, SIGNAL_SKIP } from "../helpers/skip.ts";

afterEach(cleanup);

describeUnless(SIGNAL_SKIP)("bun run demo", () => {
  test("Ctrl-C ends it quietly: exit 0, no red 'script exited with code 130'", async () => {
    const output = join(tempDir(), "catalog");
    const demo = await launch(["bun", "run", "demo", "--port", "0", "--output", output], { group: true });
    await demo.waitForOutput("Built in", 15_000);
    process.kill(-demo.proc.pid, "SIGINT");
    expect(await demo.proc.exited).toBe(0);
    await demo.outputClosed;
    expect(demo.output()).not.toMatch(/error|exited with code/i);
  });
});
