import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup } from "../helpers/cleanup.ts";
import { CLI, tempDir, tree } from "../helpers/files.ts";
import { launch } from "../helpers/process.ts";
import { TestSocket } from "../helpers/socket.ts";

afterEach(cleanup);

describe("load", () => {
  test("500 connected pages all get every one of 100 changes, and assets are served meanwhile", async () => {
    const out = tree({ "site.css": "body{}" });
    const server = await launch(["bun", CLI, "--output", out, "--port", "0"]);
    const clients: TestSocket[] = [];
    for (let i = 0; i < 500; i += 50) clients.push(...(await Promise.all(Array.from({ length: 50 }, () => TestSocket.open(server)))));
    const latencies: number[] = [];
    const writes = (async () => {
      for (let i = 0; i < 100; i++) {
        writeFileSync(join(out, `page-${i}.html`), String(i));
        await Bun.sleep(2);
      }
    })();
    while (latencies.length < 20) {
      const started = performance.now();
      await fetch(`${server.url}site.css`);
      latencies.push(performance.now() - started);
    }
    await writes;
    await clients[0]!.waitFor(100, 10_000);
    await Bun.sleep(300);
    const expected = clients[0]!.messages.length;
    await Promise.all(clients.map((client) => client.waitFor(expected, 10_000)));
    expect(new Set(clients.map((client) => client.messages.length))).toEqual(new Set([expected]));
    latencies.sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length / 2)]!).toBeLessThan(50);
  }, 60_000);

  test("10,000 socket open/close cycles leak no memory", async () => {
    const server = await launch(["bun", CLI, "--output", tempDir(), "--port", "0"]);
    const rss = () => Number(Bun.spawnSync(["ps", "-o", "rss=", "-p", String(server.proc.pid)]).stdout.toString().trim()) / 1024;
    const cycle = async (count: number) => {
      for (let done = 0; done < count; done += 100) {
        await Promise.all(Array.from({ length: 100 }, async () => (await TestSocket.open(server)).close()));
      }
    };
    await cycle(1_000);
    const before = rss();
    await cycle(10_000);
    await Bun.sleep(500);
    const after = rss();
    expect(after - before).toBeLessThan(10);
  }, 120_000);
});
