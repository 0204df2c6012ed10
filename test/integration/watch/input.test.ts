import { afterEach, describe, expect, test } from "bun:test";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ignoredTypeMessage } from "../../../src/watch/relevant.ts";
import { startApp } from "../../helpers/app.ts";
import { cleanup, onCleanup } from "../../helpers/cleanup.ts";
import { tempDir, tree } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";
import { startWatcher } from "../../../src/watchers.ts";
import { eventually } from "../../helpers/eventually.ts";
import { testUnless } from "../../helpers/skip.ts";

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

  testUnless(process.platform === "win32" ? "Windows reports every event: its file clock is coarser than the save settle" : null)(
    "a file reported again unchanged (a save's late second event) is not reported twice; its next change is",
    async () => {
      const input = tree({ "page.md": "one" });
      const reports: Array<string | null> = [];
      const watcher = startWatcher("input", input, (path) => reports.push(path));
      onCleanup(() => watcher.stop());
      await watcher.ready;
      writeFileSync(join(input, "page.md"), "two");
      await eventually(() => reports.includes("page.md"), { what: "the save reported" });
      // A recheck reports every file modified since then again, as late events of the same save would.
      watcher.recheck(0);
      expect(await watcher.flush()).toBe(true);
      expect(reports).toEqual(["page.md"]);
      utimesSync(join(input, "page.md"), new Date(2_000_000_000_000), new Date(2_000_000_000_000));
      await eventually(() => reports.length === 2, { what: "the next change reported" });
      expect(reports).toEqual(["page.md", "page.md"]);
    },
  );
});
