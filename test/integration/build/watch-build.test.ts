import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fetchPageUntil, stampOf, startApp, type TestApp, url } from "../../helpers/app.ts";
import { cleanup, onCleanup } from "../../helpers/cleanup.ts";
import { eventually } from "../../helpers/eventually.ts";
import { CLI, fixture } from "../../helpers/files.ts";
import { alive, ends, launch } from "../../helpers/process.ts";
import { fakeGeneratorProject as project } from "../../helpers/projects.ts";
import { describeUnless, POSIX_SHELL_SKIP } from "../../helpers/skip.ts";
import { TestSocket } from "../../helpers/socket.ts";

afterEach(cleanup);

/**
 * Saves the source as a tab showing `page` looks on: the rebuild's first write tells the tab to
 * reload, it asks for the page at once, as a browser does, and gets the rebuilt page (both groups
 * written), whose counter is current, so the reloaded tab is not told to reload again. Returns it.
 */
async function saveReloadsOnce(app: TestApp, p: ReturnType<typeof project>, page: string, save: number): Promise<string> {
  const css = readFileSync(join(p.output, "style.css"), "utf8");
  const socket = await TestSocket.open(app, stampOf(page));
  writeFileSync(join(p.input, "page.txt"), `save ${save}`);
  await socket.waitFor(1, 5_000);
  const reloaded = await (await fetch(app.url)).text();
  expect(reloaded).toContain(`>save ${save}<`);
  expect(readFileSync(join(p.output, "style.css"), "utf8")).not.toBe(css);
  expect(await (await TestSocket.open(app, stampOf(reloaded))).staysQuiet(400)).toBe(true);
  return reloaded;
}

/** What the generator's starts have been so far, once there are `count`. */
const starts = (p: ReturnType<typeof project>, count: number) =>
  eventually(() => p.starts().length === count && p.starts(), { ms: 10_000, what: () => `${count} start(s) of the command; saw ${p.starts().length}` });

describeUnless(POSIX_SHELL_SKIP)("--watch-build", () => {
  test("runs the command with the server, shows its output, and stops its whole process group with it", async () => {
    const p = project();
    const app = await startApp({ input: p.input, output: p.output, watchBuild: p.watchBuild });
    await app.logs.waitFor(/^storytime:build: fake generator: watching /, 10_000);
    await app.logs.waitFor(/^storytime:build: Built in \d+ ms$/, 10_000);
    expect(await (await fetch(url(app, "/"))).text()).toContain(">initial<");
    const [[generator, child]] = p.starts() as [[number, number]];
    expect(alive(generator) && alive(child)).toBe(true);
    await app.stop();
    expect(await ends(generator)).toBe(true);
    expect(await ends(child)).toBe(true);
  }, 20_000);

  test("an uncaught error (a bug) ends the command's whole process group before the server exits", async () => {
    const p = project();
    const server = await launch(["bun", "--preload", fixture("bug-on-sigusr2.ts"), CLI, "--input", p.input, "--output", p.output, "--port", "0", "--watch-build", p.watchBuild], {
      cwd: p.dir,
    });
    const [[generator, child]] = (await starts(p, 1)) as [[number, number]];
    server.proc.kill("SIGUSR2");
    expect(await server.proc.exited).toBe(1);
    expect(await ends(generator)).toBe(true);
    expect(await ends(child)).toBe(true);
  }, 20_000);

  test("is stopped as its own terminal would stop it, by Ctrl-C's SIGINT, before anything harsher", async () => {
    const p = project();
    const watchBuild = `trap 'echo stopped by INT; exit 0' INT; trap 'echo stopped by TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done`;
    const app = await startApp({ input: p.input, output: p.output, watchBuild });
    await app.logs.waitFor(/build: ready$/, 10_000);
    await app.stop();
    await eventually(() => app.logs.lines.some((line) => line.endsWith(": stopped by INT")), { what: () => `its INT trap's line; saw:\n${app.logs.lines.join("\n")}` });
    expect(app.logs.lines.filter((line) => line.endsWith(": stopped by TERM"))).toEqual([]);
  }, 20_000);

  test("a command that dies is started again, and what it left running is stopped first", async () => {
    const p = project({ FAIL_FIRST: "1" });
    const app = await startApp({ input: p.input, output: p.output, watchBuild: p.watchBuild });
    await app.logs.waitFor(/exited with code 1 after .*; starting it again in 1\.0 s\./, 10_000);
    const [first, second] = (await starts(p, 2)) as [[number, number], [number, number]];
    expect(await ends(first[1])).toBe(true);
    expect(alive(second[0])).toBe(true);
    await fetchPageUntil(app, (page) => page.includes(">initial<"));
  }, 20_000);

  test("a command that is not found, or that builds once and exits, is not started again (each start would reload every tab), and a save then says nothing rebuilds", async () => {
    const p = project();
    for (const [watchBuild, why] of [
      ["storytime-test-no-such-generator --watch", "(command not found: check --watch-build); not starting it again."],
      ["echo built once", "(--watch-build wants a command that keeps running and rebuilds by itself, such as `hugo --watch`); not starting it again."],
    ] as const) {
      const app = await startApp({ input: p.input, output: p.output, watchBuild });
      expect(await app.logs.waitFor(/exited with code/, 10_000)).toEndWith(why);
      await Bun.sleep(1_500);
      expect(app.logs.lines.filter((line) => line.includes("Running `"))).toHaveLength(1);
      // Nothing rebuilds now, and a save says so, as without --build.
      writeFileSync(join(p.input, "page.txt"), `saved for ${watchBuild}`);
      expect(await app.logs.waitFor(/page\.txt changed/, 5_000)).toEndWith("page.txt changed (no --build, nothing rebuilt)");
      await app.stop();
    }
  }, 20_000);

  test("a save gives one reload: the tab's page is served once the rebuild's last group is written, before its timing is learned and after", async () => {
    // From the second save on, the generator's "Built in" line ends a rebuild, which then may pause longer than any quiet time would wait.
    const p = project({ GROUP_GAPS_MS: "150,150,150,1200" });
    const app = await startApp({ input: p.input, output: p.output, watchBuild: p.watchBuild });
    await app.logs.waitFor(/^storytime:build: Built in \d+ ms$/, 10_000);
    let page = await (await fetch(app.url)).text();
    for (let save = 1; save <= 4; save++) page = await saveReloadsOnce(app, p, page, save);
  }, 20_000);

  test("with the watch mode run in another terminal (no --build, no --watch-build), a save still gives one reload", async () => {
    const p = project({ GROUP_GAPS_MS: "150" });
    const app = await startApp({ input: p.input, output: p.output });
    const elsewhere = Bun.spawn(["/bin/sh", "-c", p.watchBuild], { env: { ...process.env, STORYTIME_INPUT: p.input, STORYTIME_OUTPUT: p.output }, stdout: "ignore", stderr: "ignore" });
    onCleanup(() => elsewhere.kill("SIGKILL"));
    await eventually(() => existsSync(join(p.output, "style.css")), { ms: 10_000, what: "the generator's first build" });
    // A page whose counter is current, once the first build's writes are all in.
    let page = "";
    await eventually(async () => {
      page = await (await fetch(url(app, "/"))).text();
      return (await TestSocket.open(app, stampOf(page))).staysQuiet(300);
    }, { ms: 10_000, what: "a page whose counter stays current" });
    for (let save = 1; save <= 3; save++) page = await saveReloadsOnce(app, p, page, save);
  }, 20_000);
});
