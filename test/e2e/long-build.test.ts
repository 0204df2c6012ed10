import { afterAll, afterEach, expect, test } from "bun:test";
import { startApp } from "../helpers/app.ts";
import { ENGINES, inEachEngine } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { project } from "../helpers/projects.ts";
import { POSIX_SHELL_SKIP } from "../helpers/skip.ts";

afterAll(() => Promise.all(ENGINES.map((engine) => engine.close())));
afterEach(cleanup);

if (POSIX_SHELL_SKIP) console.warn(`skip: a long build: ${POSIX_SHELL_SKIP}`);

// Longer than Bun.serve's 10 s idle timeout, which used to drop the held request first.
const BUILD_SECONDS = 12;

inEachEngine("a long build", (engine) => {
  if (POSIX_SHELL_SKIP) return;
  test(
    `a page requested during a ${BUILD_SECONDS} s build is held until the build writes it, in a plain request and in the browser`,
    async () => {
      const p = project(
        { "story.py": "" },
        `sleep ${BUILD_SECONDS}; mkdir -p "$STORYTIME_OUTPUT"; echo "<!doctype html><title>t</title><p>built</p>" > "$STORYTIME_OUTPUT/index.html"`,
      );
      const app = await startApp({ input: p.input, output: p.output, build: p.build });
      const tab = await engine.newTab();
      const [plain, shown] = await Promise.all([
        fetch(app.url).then(async (response) => ({ status: response.status, text: await response.text() })),
        tab.goto(app.url).then(async () => ({ status: tab.statuses[0], text: await tab.text("p") })),
      ]);
      expect(plain.status).toBe(200);
      expect(plain.text).toContain("<p>built</p>");
      expect(shown).toEqual({ status: 200, text: "built" });
      expect(app.logs.lines.some((line) => line.includes("served as the output stands"))).toBe(false);
    },
    (BUILD_SECONDS + 20) * 1000,
  );
});
