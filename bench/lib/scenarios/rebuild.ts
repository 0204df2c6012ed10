import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { Tab } from "../browser.ts";
import { recalibrate, wall } from "../clock.ts";
import { storyPage } from "../fixture.ts";
import { freePort, groupUsage, spawnGroup, waitForListening } from "../procs.ts";
import { ROOT } from "../servers.ts";
import { watchTiming } from "../../../src/timing.ts";
import { SETTLE_MS, SHOW_MS } from "./common.ts";

export interface RebuildResult {
  available: boolean;
  /** The build's own sleep, the part of its duration that is known in advance. */
  buildMs: number;
  /** ms from the input save to the build command starting. */
  toBuildStart: number[];
  /** ms from the build finishing to navigation start and to DOMContentLoaded of the rebuilt page. */
  buildEndToStart: number[];
  buildEndToReady: number[];
  /** ms from the input save to DOMContentLoaded, less the build's measured duration. */
  overhead: number[];
  missed: number;
  /** The floor of `overhead` on this machine, measured in the same run: our fixed save settle and what lies outside our code. */
  floor: {
    /** How long the tool lets a save settle on this platform before it builds (src/timing.ts). */
    settleMs: number;
    /** ms from spawning the build's shell, as the tool does, to the first line of the build script. */
    shellStart: number[];
    /** Chromium reloading the same page served by a bare Bun.serve: navigation start → DOMContentLoaded. */
    browserReload: number[];
  };
  /** RSS of the whole process group after the rebuilds: both watcher workers running. */
  rssBytes: number;
  note: string;
}

const BUILD_SLEEP_MS = 200;

/**
 * The build copies the input page to the output after sleeping, and stamps its own start and
 * end in nanoseconds, so the tool's overhead is what is left of the total once the build's
 * real duration is taken out.
 */
export async function rebuilds(browser: Browser, dir: string, trials: number): Promise<RebuildResult> {
  const input = join(dir, "input");
  const output = join(dir, "out");
  const stamps = join(dir, "build-times");
  mkdirSync(input, { recursive: true });
  mkdirSync(output, { recursive: true });
  writeFileSync(join(input, "index.html"), storyPage("initial"));
  writeFileSync(join(output, "index.html"), storyPage("initial"));
  writeFileSync(stamps, "");
  const script = join(dir, "build.sh");
  writeFileSync(
    script,
    [
      `printf '%s ' "$(date +%s%N)" >> '${stamps}'`,
      `sleep ${BUILD_SLEEP_MS / 1000}`,
      `cp '${join(input, "index.html")}' '${join(output, "index.html")}'`,
      `printf '%s\\n' "$(date +%s%N)" >> '${stamps}'`,
      "",
    ].join("\n"),
  );
  const port = freePort();
  const command = [process.execPath, join(ROOT, "src/cli.ts"), "--input", input, "--output", output, "--build", `sh '${script}'`, "--port", `${port}`];
  const group = spawnGroup(command, { cwd: dir });
  const result: RebuildResult = {
    available: true,
    buildMs: BUILD_SLEEP_MS,
    toBuildStart: [],
    buildEndToStart: [],
    buildEndToReady: [],
    overhead: [],
    missed: 0,
    floor: { settleMs: watchTiming(process.platform).saveSettleMs, shellStart: [], browserReload: [] },
    rssBytes: 0,
    note: "",
  };
  let tab: Tab | undefined;
  try {
    await waitForListening(group, port);
    tab = await Tab.open(browser, `http://127.0.0.1:${port}/`);
    // A build at start-up, if the tool runs one, must not be mistaken for the first trial's.
    await tab.quiet(1_000, wall() + 5_000);
    for (let trial = 0; trial < trials; trial++) {
      recalibrate();
      const marker = `rebuilt-${trial}`;
      const from = tab.loads.length;
      const builds = readStamps(stamps).length;
      const savedAt = wall();
      writeFileSync(join(input, "index.html"), storyPage(marker));
      const shown = await tab.waitForMarker(marker, from, savedAt + BUILD_SLEEP_MS + 5_000);
      await tab.quiet(SETTLE_MS, wall() + SHOW_MS);
      const build = readStamps(stamps)[builds];
      if (!shown || !build) {
        result.missed++;
        if (trial === 0) {
          result.available = false;
          result.note = build ? "rebuilt, but the page never showed it" : "no build ran: this checkout has no --input/--build support";
          break;
        }
        continue;
      }
      result.toBuildStart.push(build.start - savedAt);
      result.buildEndToStart.push(shown.start - build.end);
      result.buildEndToReady.push(shown.ready - build.end);
      result.overhead.push(shown.ready - savedAt - (build.end - build.start));
    }
    result.rssBytes = groupUsage(group.pid).rss;
  } finally {
    await tab?.close();
    await group.stop();
  }
  if (result.available) {
    result.floor.shellStart = await shellStarts(dir, trials);
    result.floor.browserReload = await browserReloads(browser, trials);
  }
  return result;
}

/** The build's shell started the way the tool starts it (`/bin/sh -c`), timed to the script's first line. */
async function shellStarts(dir: string, trials: number): Promise<number[]> {
  const stamps = join(dir, "shell-stamps");
  const script = join(dir, "first-line.sh");
  writeFileSync(script, `printf '%s\\n' "$(date +%s%N)" >> '${stamps}'\n`);
  writeFileSync(stamps, "");
  const samples: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    recalibrate();
    const stamped = readFileSync(stamps, "utf8").length;
    const spawnedAt = wall();
    await Bun.spawn(["/bin/sh", "-c", `sh '${script}'`], { stdout: "ignore", stderr: "ignore" }).exited;
    const line = readFileSync(stamps, "utf8").slice(stamped).trim();
    if (line) samples.push(Number(BigInt(line) / 1000n) / 1000 - spawnedAt);
  }
  return samples;
}

/** Chromium's own part of a reload: the same page from a server that does nothing else, reloaded the way our client reloads. */
async function browserReloads(browser: Browser, trials: number): Promise<number[]> {
  const html = storyPage("reference");
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }) });
  const tab = await Tab.open(browser, `http://127.0.0.1:${server.port}/`);
  const samples: number[] = [];
  try {
    // A new tab's first two reloads are slow (37 and 45 ms in a run whose others took 21-27 ms): a catalog author's tab is past them.
    for (let trial = -2; trial < trials; trial++) {
      recalibrate();
      const load = await tab.reloadFromPage(wall() + 5_000);
      if (load && trial >= 0) samples.push(load.ready - load.start);
      await tab.quiet(SETTLE_MS, wall() + SHOW_MS);
    }
  } finally {
    await tab.close();
    server.stop(true);
  }
  return samples;
}

function readStamps(file: string): Array<{ start: number; end: number }> {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim().split(" ").map((ns) => Number(BigInt(ns) / 1000n) / 1000))
    .filter((pair) => pair.length === 2)
    .map(([start, end]) => ({ start: start!, end: end! }));
}
