import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RELOAD_MESSAGE, SOCKET_PATH } from "../src/http/protocol.ts";

/**
 * `bun scripts/smoke.ts BINARY`: what a release runner checks before uploading a binary it can
 * run: it starts, serves a page with the client injected, and a write reaches a WebSocket as a
 * reload. Runs from a temporary directory so nothing of the checkout can help the binary.
 */

const STEP_MS = 15_000;

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${STEP_MS} ms`)), STEP_MS)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function urlFrom(stream: ReadableStream<Uint8Array>, seen: { text: string }): Promise<string> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    seen.text += decoder.decode(chunk.value, { stream: true });
    const match = seen.text.match(/http:\/\/127\.0\.0\.1:\d+\//);
    if (match) return match[0];
  }
  throw new Error(`the server exited before printing its URL:\n${seen.text}`);
}

const binary = process.argv[2];
if (!binary) {
  console.error("usage: bun scripts/smoke.ts BINARY");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "storytime-smoke-"));
const out = join(dir, "out");
mkdirSync(out);
writeFileSync(join(out, "index.html"), "<h1>smoke</h1>");
const server = Bun.spawn([resolve(binary), "--output", "out", "--host", "127.0.0.1", "--port", "0"], {
  cwd: dir,
  stdin: "ignore",
  stdout: "pipe",
  stderr: "inherit",
  env: { ...process.env, NO_COLOR: "1" },
});
const seen = { text: "" };
try {
  const base = await within(urlFrom(server.stdout, seen), "start-up");
  const page = await within(fetch(base).then((response) => response.text()), "GET /");
  if (!/<h1>smoke<\/h1><script src="\/__storytime\/client\.js/.test(page)) throw new Error(`the page came back without the client:\n${page}`);
  const socket = new WebSocket(`${base.replace("http", "ws")}${SOCKET_PATH.slice(1)}`);
  await within(
    new Promise((opened, failed) => ((socket.onopen = opened), (socket.onerror = () => failed(new Error("the WebSocket did not open"))))),
    "WebSocket open",
  );
  const message = new Promise<string>((received) => (socket.onmessage = (event) => received(String(event.data))));
  writeFileSync(join(out, "new.html"), "<p>new</p>");
  const got = await within(message, "reload after a write");
  if (got !== RELOAD_MESSAGE) throw new Error(`expected ${RELOAD_MESSAGE}, got ${got}`);
  socket.close();
  console.log(`smoke: ${binary} served ${base} with the client injected and reloaded after a write`);
} catch (error) {
  process.exitCode = 1;
  console.error(`smoke: ${error instanceof Error ? error.message : String(error)}\n${seen.text}`);
} finally {
  server.kill();
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
}
