import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RELOAD_MESSAGE } from "../../src/http/protocol.ts";
import { instancesServing } from "../../src/instances.ts";
import { resolveOptions } from "../../src/options.ts";
import { start } from "../../src/start.ts";
import { startWatcher } from "../../src/watchers.ts";
import { freePort, stampOf, startApp } from "../helpers/app.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { fixture, tempDir, tree } from "../helpers/files.ts";
import { TestSocket } from "../helpers/socket.ts";

afterEach(cleanup);

test("start() is the app users run: it records itself among the servers of its output, warns of another, and forgets itself on stop", async () => {
  const output = tempDir();
  const first = await startApp({ output });
  expect(instancesServing(output).map((other) => other.url)).toEqual([first.url]);
  const second = await startApp({ output });
  expect(await second.logs.waitFor(/also serves this output/, 1_000)).toContain(`Another storytime-reload (pid ${process.pid}, ${first.url})`);
  await second.stop();
  await first.stop();
  expect(instancesServing(output)).toEqual([]);
});

describe("a start-up that fails", () => {
  test("stops the server and the watchers it had already started", async () => {
    const dir = tree({ "src/": "" });
    const stopped: string[] = [];
    const failingInput: typeof startWatcher = (kind, root, onChange) => {
      if (kind === "output") {
        const real = startWatcher(kind, root, onChange);
        return { ...real, stop: () => (stopped.push(kind), real.stop()) };
      }
      return { ready: Promise.reject(new Error("the input watcher could not start")), flush: async () => true, recheck: () => {}, stop: () => stopped.push(kind) };
    };
    const options = resolveOptions({ port: "0", input: join(dir, "src"), output: join(dir, "out") });
    const port = freePort();
    await expect(start({ ...options, port }, failingInput)).rejects.toThrow("could not start");
    expect(stopped.sort()).toEqual(["input", "output"]);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});

describe("start-up", () => {
  test("a page served before the output watch is in place still reloads for a change made meanwhile", async () => {
    const out = tree({ "index.html": "<p>first</p>" });
    const lateOutput: typeof startWatcher = (kind, root, onChange) =>
      startWatcher(kind, root, onChange, kind === "output" ? { spawnWorker: () => new Worker(fixture("late-watch.worker.ts")) } : {});
    const port = freePort();
    // Run from the output directory: no src/storytime there, so no input watcher.
    const starting = start(resolveOptions({ port: String(port), output: out }, out), lateOutput);
    try {
      // A refused connection fails at once: a pause between tries keeps this from starving the start-up it waits for.
      const page = await eventually(() => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => ""), { what: "the first page", every: 1 });
      writeFileSync(join(out, "index.html"), "<p>second</p>");
      const app = await starting;
      const socket = await TestSocket.open(app, stampOf(page));
      await socket.waitFor(1);
      expect(socket.messages).toEqual([RELOAD_MESSAGE]);
    } finally {
      await (await starting).stop();
    }
  });
});
