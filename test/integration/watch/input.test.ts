import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ignoredTypeMessage } from "../../../src/watch/relevant.ts";
import { startApp } from "../../helpers/app.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { tempDir } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";

afterEach(cleanup);

describe("the input watcher", () => {
  test("says once per extension that a change was skipped for its type, and nothing for temp files", async () => {
    const input = tempDir();
    await startApp({ input, output: tempDir() });
    const logs = captureLogs();
    writeFileSync(join(input, "a.docx"), "1");
    writeFileSync(join(input, "sedXy12Ab"), "1");
    writeFileSync(join(input, "b.docx"), "1");
    writeFileSync(join(input, "a.sqlite"), "1");
    // A relevant file last: once its change is logged, the ones before it have been through the worker.
    writeFileSync(join(input, "styles.scss"), "1");
    await logs.waitFor(/styles\.scss changed/);
    const lines = logs.lines;
    expect(lines.filter((line) => line.includes("do not trigger a rebuild"))).toEqual([
      `storytime: ${ignoredTypeMessage("a.docx")}`,
      `storytime: ${ignoredTypeMessage("a.sqlite")}`,
    ]);
    expect(lines.join("\n")).not.toContain("sedXy12Ab");
  });
});
