import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, TestSocket, cleanup, describeUnless, fakeGeneratorProject as project, logged, POSIX_SHELL_SKIP, startApp, tempDir, url, waitForLog } from "./helpers.ts";
import { CLI, alive, ends, launch, run } from "./process.ts";

afterEach(cleanup);

async function until<T>(value: () => T | null | undefined | false, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = value();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

const stampOf = (page: string) => page.match(/data-storytime-version="(\d+)"/)![1]!;

describeUnless(POSIX_SHELL_SKIP)("--watch-build", () => {
  test("runs the command with the server, shows its output, and stops its whole process group with it", async () => {
    const p = project();
    const mark = logged.length;
    const app = await startApp({ input: p.input, output: p.output, watchBuild: p.watchBuild });
    await waitForLog(/^storytime:build: fake generator: watching /, 10_000, mark);
    await waitForLog(/^storytime:build: Built in \d+ ms$/, 10_000, mark);
    expect(await (await fetch(url(app, "/"))).text()).toContain(">initial<");
    const [[generator, child]] = p.starts() as [[number, number]];
    expect(alive(generator) && alive(child)).toBe(true);
    await app.stop();
    expect(await ends(generator)).toBe(true);
    expect(await ends(child)).toBe(true);
  }, 20_000);

  test("an uncaught error (a bug) ends the command's whole process group before the server exits", async () => {
    const p = project();
    const server = await launch(
      ["bun", "--preload", join(ROOT, "test/fixtures/bug-on-sigusr2.ts"), CLI, "--input", p.input, "--output", p.output, "--port", "0", "--watch-build", p.watchBuild],
      { cwd: p.dir },
    );
    try {
      const [[generator, child]] = (await until(() => p.starts().length === 1 && p.starts(), "the command's start")) as [[number, number]];
      server.proc.kill("SIGUSR2");
      expect(await server.proc.exited).toBe(1);
      expect(await ends(generator)).toBe(true);
      expect(await ends(child)).toBe(true);
    } finally {
      server.proc.kill("SIGKILL");
    }
  }, 20_000);

  test("a command that dies is started again, and what it left running is stopped first", async () => {
    const p = project({ FAIL_FIRST: "1" });
    const mark = logged.length;
    const app = await startApp({ input: p.input, output: p.output, watchBuild: p.watchBuild });
    await waitForLog(/exited with code 1 after .*; starting it again in 1\.0 s\./, 10_000, mark);
    const [first, second] = (await until(() => p.starts().length === 2 && p.starts(), "a second start")) as [[number, number], [number, number]];
    expect(await ends(first[1])).toBe(true);
    expect(alive(second[0])).toBe(true);
    let page = "";
    while (!page.includes(">initial<")) page = await (await fetch(url(app, "/"))).text();
  }, 20_000);

  test("a save gives one reload: the tab's page is served once the rebuild's last group is written, before its timing is learned and after", async () => {
    // From the second save on, the generator's "Built in" line ends a rebuild, which then may pause longer than any quiet time would wait.
    const p = project({ GROUP_GAPS_MS: "150,150,150,1200" });
    const mark = logged.length;
    const app = await startApp({ input: p.input, output: p.output, watchBuild: p.watchBuild });
    await waitForLog(/^storytime:build: Built in \d+ ms$/, 10_000, mark);
    let page = await (await fetch(url(app, "/"))).text();
    for (let save = 1; save <= 4; save++) {
      const css = readFileSync(join(p.output, "style.css"), "utf8");
      const socket = await TestSocket.open(app, stampOf(page));
      writeFileSync(join(p.input, "page.txt"), `save ${save}`);
      // The first write of the rebuild tells the tab to reload; it asks for the page at once, as a browser does.
      await socket.waitFor(1, 5_000);
      page = await (await fetch(url(app, "/"))).text();
      expect(page).toContain(`>save ${save}<`);
      expect(readFileSync(join(p.output, "style.css"), "utf8")).not.toBe(css);
      // Served after the last group, its counter is current: the reloaded tab is not told to reload again.
      const reloaded = await TestSocket.open(app, stampOf(page));
      expect(await reloaded.staysQuiet(400)).toBe(true);
    }
  }, 20_000);

  test("with the watch mode run in another terminal (no --build, no --watch-build), a save still gives one reload", async () => {
    const p = project({ GROUP_GAPS_MS: "150" });
    const app = await startApp({ input: p.input, output: p.output });
    const elsewhere = Bun.spawn(["/bin/sh", "-c", p.watchBuild], { env: { ...process.env, STORYTIME_INPUT: p.input, STORYTIME_OUTPUT: p.output }, stdout: "ignore", stderr: "ignore" });
    try {
      await until(() => existsSync(join(p.output, "style.css")), "the generator's first build");
      // A page whose counter is current, once the first build's writes are all in.
      let page = "";
      do page = await (await fetch(url(app, "/"))).text();
      while (!(await (await TestSocket.open(app, stampOf(page))).staysQuiet(300)));
      for (let save = 1; save <= 3; save++) {
        const css = readFileSync(join(p.output, "style.css"), "utf8");
        const socket = await TestSocket.open(app, stampOf(page));
        writeFileSync(join(p.input, "page.txt"), `save ${save}`);
        await socket.waitFor(1, 5_000);
        page = await (await fetch(url(app, "/"))).text();
        expect(page).toContain(`>save ${save}<`);
        expect(readFileSync(join(p.output, "style.css"), "utf8")).not.toBe(css);
        expect(await (await TestSocket.open(app, stampOf(page))).staysQuiet(400)).toBe(true);
      }
    } finally {
      elsewhere.kill("SIGKILL");
    }
  }, 20_000);

  test("--watch-build and --build together are one line and exit 2", async () => {
    const { code, all } = await run(["bun", CLI, "--watch-build", "hugo --watch", "--build", "hugo", "--port", "0"], { cwd: tempDir() });
    expect(code).toBe(2);
    expect(all.trim().split("\n")).toEqual([expect.stringContaining("--build and --watch-build both rebuild the output; pass one")]);
  });
});
