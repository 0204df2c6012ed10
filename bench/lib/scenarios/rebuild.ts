import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { Tab } from "../browser.ts";
import { recalibrate, wall } from "../clock.ts";
import { storyPage } from "../fixture.ts";
import { freePort, groupUsage, spawnGroup, waitForListening } from "../procs.ts";
import { ROOT } from "../servers.ts";
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
  return result;
}

function readStamps(file: string): Array<{ start: number; end: number }> {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim().split(" ").map((ns) => Number(BigInt(ns) / 1000n) / 1000))
    .filter((pair) => pair.length === 2)
    .map(([start, end]) => ({ start: start!, end: end! }));
}
