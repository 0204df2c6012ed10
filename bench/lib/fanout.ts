/**
 * A second process that holds COUNT reload sockets open on one server, saves the page once and
 * prints, as JSON, when each socket was told to reload. Kept apart from the bench process so
 * that receiving 500 messages does not queue behind Playwright's traffic.
 *
 *   bun lib/fanout.ts NAME PORT COUNT FILE MARKER
 */
import { writeFileSync } from "node:fs";
import { recalibrate, wall } from "./clock.ts";
import { storyPage } from "./fixture.ts";
import type { ContenderName } from "./servers.ts";
import { PROTOCOLS } from "./sockets.ts";

export interface FanoutResult {
  sockets: number;
  ready: number;
  told: number;
  /** ms from the save to the first and to the last socket told; null when none was. */
  first: number | null;
  last: number | null;
}

const [name, portText, countText, file, marker] = process.argv.slice(2);
const protocol = PROTOCOLS[name as ContenderName];
if (!protocol || !file || !marker) throw new Error("usage: bun lib/fanout.ts NAME PORT COUNT FILE MARKER");
const count = Number(countText);
const url = await protocol.url(Number(portText));

let savedAt = Number.POSITIVE_INFINITY;
const toldAt: number[] = [];
const sockets: WebSocket[] = [];
let ready = 0;

function connect(): Promise<void> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, protocol.subprotocol);
    socket.binaryType = "arraybuffer";
    let counted = false;
    const markReady = () => {
      if (counted) return;
      counted = true;
      ready++;
      resolve();
    };
    let told = false;
    socket.onopen = () => {
      if (protocol.readyOnOpen) markReady();
    };
    socket.onmessage = ({ data }) => {
      const kind = protocol.onMessage(socket, data);
      if (kind === "ready") markReady();
      if (kind === "reload" && !told && wall() >= savedAt) {
        told = true;
        toldAt.push(wall());
      }
    };
    socket.onerror = () => resolve();
    socket.onclose = () => resolve();
    sockets.push(socket);
  });
}

// Batches, as browsers would arrive: 500 handshakes at once only measures the accept queue.
for (let i = 0; i < count; i += 50) {
  await Promise.race([Promise.all(Array.from({ length: Math.min(50, count - i) }, connect)), Bun.sleep(10_000)]);
}
// Lets the servers finish whatever follows a handshake (Bun's subscribe, Vite's connected event).
await Bun.sleep(300);

recalibrate();
savedAt = wall();
writeFileSync(file, storyPage(marker));
const deadline = savedAt + 5_000;
while (toldAt.length < ready && wall() < deadline) await Bun.sleep(5);

const result: FanoutResult = {
  sockets: count,
  ready,
  told: toldAt.length,
  first: toldAt.length ? Math.min(...toldAt) - savedAt : null,
  last: toldAt.length ? Math.max(...toldAt) - savedAt : null,
};
console.log(JSON.stringify(result));
for (const socket of sockets) socket.close();
process.exit(0);
