import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RELOAD_MESSAGE } from "../../src/http/protocol.ts";
import { startApp, url } from "../helpers/app.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { tempDir, tree } from "../helpers/files.ts";
import { captureLogs } from "../helpers/logs.ts";
import { TestSocket } from "../helpers/socket.ts";

afterEach(cleanup);

/**
 * Proves the watcher sees a write made after everything before it was reported: waits until the
 * earlier events are over, writes a file of a new name, and waits for the log line that names it
 * first, which a late event of an earlier write cannot produce.
 */
async function nextWriteSeen(client: TestSocket, file: string) {
  await eventually(() => client.staysQuiet(200), { what: "the events of earlier writes to be over" });
  const logs = captureLogs();
  writeFileSync(file, "next");
  const name = file.split("/").slice(-1)[0]!.replace(/\./g, "\\.");
  await logs.waitFor(new RegExp(`${name} changed`));
}

async function served() {
  const out = tree({ "index.html": "<html><head><title>t</title></head><body>one</body></html>" });
  const app = await startApp({ output: out });
  return { out, app };
}

describe("reload broadcast", () => {
  test("a plain write reaches a connected client as {type: reload}", async () => {
    const { out, app } = await served();
    const client = await TestSocket.open(app);
    writeFileSync(join(out, "index.html"), "two");
    await client.waitFor(1);
    expect(client.messages[0]).toBe(RELOAD_MESSAGE);
  });

  test("an atomic save (temp file + rename) reloads", async () => {
    const { out, app } = await served();
    const client = await TestSocket.open(app);
    writeFileSync(join(out, "index.html.tmp"), "atomic");
    renameSync(join(out, "index.html.tmp"), join(out, "index.html"));
    await client.waitFor(1);
  });

  test("a write in a brand-new subdirectory reloads, and so does the next write there", async () => {
    const { out, app } = await served();
    const client = await TestSocket.open(app);
    mkdirSync(join(out, "section/button"), { recursive: true });
    writeFileSync(join(out, "section/button/index.html"), "new");
    await client.waitFor(1);
    await nextWriteSeen(client, join(out, "section/button/next.html"));
  });

  test("the output dir deleted and recreated keeps reloading, again after a second write", async () => {
    const { out, app } = await served();
    const client = await TestSocket.open(app);
    rmSync(out, { recursive: true });
    await client.waitFor(1);
    mkdirSync(out);
    writeFileSync(join(out, "index.html"), "back");
    await client.waitFor(2);
    await nextWriteSeen(client, join(out, "next.html"));
  });

  test("a clean build that deletes and recreates the output dir in one go is followed", async () => {
    const { out, app } = await served();
    const client = await TestSocket.open(app);
    rmSync(out, { recursive: true });
    mkdirSync(out);
    writeFileSync(join(out, "index.html"), "rebuilt");
    await client.waitFor(1);
    await nextWriteSeen(client, join(out, "next.html"));
  });

  test("deleting the output dir's parent (rm -rf build) and recreating both keeps reloading", async () => {
    const base = tempDir();
    const out = join(base, "build/catalog");
    mkdirSync(out, { recursive: true });
    const app = await startApp({ output: out });
    const client = await TestSocket.open(app);
    for (let cycle = 1; cycle <= 3; cycle++) {
      rmSync(join(base, "build"), { recursive: true });
      await Bun.sleep(100);
      mkdirSync(out, { recursive: true });
      await Bun.sleep(100);
      await nextWriteSeen(client, join(out, `cycle-${cycle}.html`));
    }
  });

  test("an output dir that does not exist at start is picked up when it appears", async () => {
    const parent = tempDir();
    const out = join(parent, "later/catalog");
    const app = await startApp({ output: out });
    const client = await TestSocket.open(app);
    mkdirSync(out, { recursive: true });
    await client.waitFor(1);
    await nextWriteSeen(client, join(out, "index.html"));
    writeFileSync(join(out, "index.html"), "<p>arrived</p>");
    expect(await (await fetch(url(app, "/"))).text()).toContain("arrived");
  });

  test("every connected client gets the message", async () => {
    const { out, app } = await served();
    const clients = await Promise.all(Array.from({ length: 5 }, () => TestSocket.open(app)));
    writeFileSync(join(out, "style.css"), "p{}");
    await Promise.all(clients.map((client) => client.waitFor(1)));
    expect(clients.map((client) => client.messages[0])).toEqual(Array(5).fill(RELOAD_MESSAGE));
  });
});
