import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BuildConfig, BuildRunner } from "../../../src/build/runner.ts";
import { SELF_TRIGGER_BUILDS } from "../../../src/build/self-trigger.ts";
import type { BuildProcess } from "../../../src/build/shell.ts";
import { cleanup, onCleanup } from "../../helpers/cleanup.ts";
import { eventually } from "../../helpers/eventually.ts";
import { tree } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";

/**
 * The build runner's scheduling, with builds that run no shell: each spawned build is an object
 * the test prints through and ends, so these run alike and fast on every platform.
 */

const SETTLE_MS = 30;

interface FakeBuild {
  startedAt: number;
  /** Signals the runner sent to the build's group. */
  signals: string[];
  print(line: string, stderr?: boolean): void;
  /** Ends the shell with `code`: its pipes close, then it exits. */
  finish(code: number): void;
}

function fakeBuild(): { build: FakeBuild; proc: BuildProcess } {
  const pipes: Array<ReadableStreamDefaultController<Uint8Array>> = [];
  const pipe = () => new ReadableStream<Uint8Array>({ start: (controller) => void pipes.push(controller) });
  const { promise: exited, resolve } = Promise.withResolvers<number>();
  let ended = false;
  const build: FakeBuild = {
    startedAt: performance.now(),
    signals: [],
    print: (line, stderr = false) => pipes[stderr ? 1 : 0]!.enqueue(new TextEncoder().encode(`${line}\n`)),
    finish(code) {
      if (ended) return;
      ended = true;
      for (const controller of pipes) controller.close();
      resolve(code);
    },
  };
  const proc: BuildProcess = {
    stdout: pipe(),
    stderr: pipe(),
    exited,
    kill(signal) {
      build.signals.push(signal);
      // A shell ended by a signal exits with 128 + its number.
      build.finish(signal === "SIGKILL" ? 137 : 143);
    },
    groupAlive: () => !ended,
  };
  return { build, proc };
}

afterEach(cleanup);

/** A runner whose builds are fakes; `builds` lists them in the order they were started, `busy` each busy period it told of. */
function fakeRunner(config: Partial<BuildConfig> = {}) {
  const builds: FakeBuild[] = [];
  const busy: Array<Promise<void>> = [];
  const runner = new BuildRunner({
    command: "build",
    input: "/in",
    output: "/out",
    saveSettleMs: SETTLE_MS,
    onBusy: (idle) => busy.push(idle),
    spawn: () => {
      const { build, proc } = fakeBuild();
      builds.push(build);
      return proc;
    },
    ...config,
  });
  onCleanup(() => runner.stop());
  return { runner, builds, busy };
}

/** The runner acts on timers: a check of what it did is tried every millisecond, for 2 s at most. */
const until = (check: () => boolean, what: string) => eventually(check, { what, ms: 2_000, every: 1 });

describe("the build runner's schedule", () => {
  test("one build at a time: changes during a build queue exactly one more, which still waits for the save to settle after it", async () => {
    const { runner, builds, busy } = fakeRunner();
    const logs = captureLogs();
    runner.startNow();
    expect(builds).toHaveLength(1);
    for (let i = 0; i < 10; i++) runner.request(`change-${i}.py`);
    await Bun.sleep(SETTLE_MS * 3);
    expect(builds).toHaveLength(1);
    const endedAt = performance.now();
    builds[0]!.finish(0);
    await until(() => builds.length === 2, "the queued build");
    expect(builds[1]!.startedAt - endedAt).toBeGreaterThanOrEqual(SETTLE_MS - 1);
    expect(logs.lines.some((line) => line.includes("Building (change-0.py changed and 9 more files)"))).toBe(true);
    builds[1]!.finish(0);
    // The queued build runs inside the same busy period: pages wait through both.
    await busy[0];
    expect(busy).toHaveLength(1);
    expect(builds).toHaveLength(2);
  });

  test("a change while no build runs is built once the save settles, and pages are held from the change on", async () => {
    const { runner, builds, busy } = fakeRunner();
    const requestedAt = performance.now();
    runner.request("story.py");
    runner.request("story.py");
    expect(busy).toHaveLength(1);
    expect(builds).toHaveLength(0);
    await until(() => builds.length === 1, "the build");
    expect(builds[0]!.startedAt - requestedAt).toBeGreaterThanOrEqual(SETTLE_MS - 1);
    let idle = false;
    void busy[0]!.then(() => (idle = true));
    await Bun.sleep(SETTLE_MS);
    expect(idle).toBe(false);
    builds[0]!.finish(0);
    await busy[0];
    expect(builds).toHaveLength(1);
  });

  test("a late event of a save its build already read starts no second build; a new save during the build does", async () => {
    const file = join(tree({ "story.py": "one" }), "story.py");
    const { runner, builds } = fakeRunner();
    runner.request("story.py", file);
    await until(() => builds.length === 1, "the build");
    runner.request("story.py", file);
    builds[0]!.finish(0);
    await Bun.sleep(SETTLE_MS * 3);
    expect(builds).toHaveLength(1);
    writeFileSync(file, "two");
    runner.request("story.py", file);
    await until(() => builds.length === 2, "the build of the next save");
    writeFileSync(file, "three");
    runner.request("story.py", file);
    builds[1]!.finish(0);
    await until(() => builds.length === 3, "the build of the save made during a build");
  });

  test("a long build is reported as still running, and pages are said to wait for it", async () => {
    const { runner } = fakeRunner({ stillRunningEveryMs: 20 });
    const logs = captureLogs();
    runner.startNow();
    expect(await logs.waitFor(/still running after/, 2_000)).toContain("pages wait for it");
  });

  test("a build that keeps rewriting a file of its own input is named once and stops looping; a person's change to it still builds", async () => {
    const { runner, builds } = fakeRunner();
    const logs = captureLogs();
    runner.startNow();
    // Each build writes manifest.json, whose change arrives while it runs: the start-up build and
    // the builds it set off in a row, the last of which sets off none.
    for (let built = 1; built <= SELF_TRIGGER_BUILDS; built++) {
      await until(() => builds.length === built, `build ${built}`);
      runner.request("manifest.json");
      builds.at(-1)!.finish(0);
    }
    await Bun.sleep(SETTLE_MS * 3);
    expect(builds).toHaveLength(SELF_TRIGGER_BUILDS);
    const warnings = logs.lines.filter((line) => line.includes("keeps changing"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("manifest.json");
    expect(warnings[0]).toEndWith("make the build write it outside /in.");

    // A person's save builds; the build's own write of manifest.json sets off nothing more.
    runner.request("story.py");
    await until(() => builds.length === SELF_TRIGGER_BUILDS + 1, "the build of a person's change");
    runner.request("manifest.json");
    builds.at(-1)!.finish(0);
    await Bun.sleep(SETTLE_MS * 3);
    expect(builds).toHaveLength(SELF_TRIGGER_BUILDS + 1);
    // manifest.json changed while no build runs: a person's edit, built.
    runner.request("manifest.json");
    await until(() => builds.length === SELF_TRIGGER_BUILDS + 2, "the build of a person's edit of manifest.json");
  });

  test("a build that keeps rewriting one folder of its input, its site written where --output does not point, is told to pass --output", async () => {
    const input = tree({ "public/posts/first/": "" });
    const { runner, builds } = fakeRunner({ input });
    const logs = captureLogs();
    runner.startNow();
    for (let built = 1; built <= SELF_TRIGGER_BUILDS; built++) {
      await until(() => builds.length === built, `build ${built}`);
      runner.request("public/index.html");
      runner.request("public/posts/first/index.html");
      builds.at(-1)!.finish(0);
    }
    const warning = await logs.waitFor(/keeps changing/, 2_000);
    expect(warning).toContain("public/index.html, public/posts/first/index.html in its own input");
    const site = join(input, "public");
    expect(warning).toEndWith(`make the build write it outside ${input} (or, if ${site} is where it writes the site, pass --output ${site}).`);
  });

  test("a shell that cannot start is a failed build, not a crash; the next change tries again", async () => {
    let attempts = 0;
    const { proc } = fakeBuild();
    const { runner, busy } = fakeRunner({
      spawn: () => {
        if (++attempts === 1) throw new Error("ENOENT: no such directory");
        return proc;
      },
    });
    const logs = captureLogs();
    runner.startNow();
    await busy[0];
    expect(await logs.waitFor(/Could not start the build: ENOENT: no such directory; the next change tries again/, 1_000)).toBeTruthy();
    runner.request("story.py");
    await until(() => attempts === 2, "the next build");
  });

  test("stop while a save settles ends the busy period, so held pages are served", async () => {
    const { runner, builds, busy } = fakeRunner();
    runner.request("story.py");
    await runner.stop();
    expect(await Promise.race([busy[0]!.then(() => "served"), Bun.sleep(SETTLE_MS * 10).then(() => "still held")])).toBe("served");
    expect(builds).toHaveLength(0);
  });

  test("stop ends the running build's group, politely first, and drops the queued one", async () => {
    const { runner, builds, busy } = fakeRunner();
    runner.startNow();
    runner.request("story.py");
    await runner.stop();
    expect(builds).toHaveLength(1);
    expect(builds[0]!.signals[0]).toBe("SIGTERM");
    await busy[0];
    await Bun.sleep(SETTLE_MS * 2);
    expect(builds).toHaveLength(1);
  });
});
