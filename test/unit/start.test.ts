import { afterEach, expect, test } from "bun:test";
import { instancesServing } from "../../src/instances.ts";
import { startApp } from "../helpers/app.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { tempDir } from "../helpers/files.ts";

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
