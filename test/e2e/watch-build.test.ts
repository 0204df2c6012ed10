import { afterAll, afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp } from "../helpers/app.ts";
import { bodyBecomes, ENGINES, inEachEngine } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { fakeGeneratorProject } from "../helpers/projects.ts";
import { POSIX_SHELL_SKIP } from "../helpers/skip.ts";

afterAll(() => Promise.all(ENGINES.map((engine) => engine.close())));
afterEach(cleanup);

if (POSIX_SHELL_SKIP) console.warn(`skip: a generator's watch mode: ${POSIX_SHELL_SKIP}`);

inEachEngine("a generator's watch mode run with --watch-build", (engine) => {
  if (POSIX_SHELL_SKIP) return;
  test("each save reloads the tab once, onto the rebuilt page, though the rebuild writes in two groups 150 ms apart", async () => {
    const p = fakeGeneratorProject({ GROUP_GAPS_MS: "150" });
    const app = await startApp({ input: p.input, output: p.output, watchBuild: p.watchBuild });
    await app.logs.waitFor(/^storytime:build: Built in \d+ ms$/, 10_000);
    const tab = await engine.newTab();
    await tab.goto(app.url);
    for (let save = 1; save <= 3; save++) {
      const loads = tab.loads();
      writeFileSync(join(p.input, "page.txt"), `save ${save}`);
      expect(await bodyBecomes(tab, `save ${save}`)).toBe(true);
      // Past the second group and the longest the gate would wait for a third: a negative check, not a measure of speed.
      await Bun.sleep(1_000);
      expect(tab.loads(), [...tab.navigations, ...app.logs.lines].join("\n")).toBe(loads + 1);
    }
  }, 60_000);
});
