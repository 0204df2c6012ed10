/**
 * How long a small asset waits while four 50 MB pages are injected and sent at once.
 * `bun bench/big-pages.ts`; every request is made by curl, in processes of its own, on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROUNDS = 5;
const dir = mkdtempSync(join(tmpdir(), "storytime-big-"));
const line = `<p>${"x".repeat(90)}</p>\n`;
writeFileSync(join(dir, "big.html"), `<!doctype html><html><head><title>big</title></head><body>${line.repeat((50 * 1024 * 1024) / line.length)}</body></html>`);
writeFileSync(join(dir, "small.css"), "body { color: red }");

const server = Bun.spawn(["bun", join(import.meta.dir, "../src/cli.ts"), "--output", dir, "--port", "0"], { stdout: "pipe", stderr: "inherit" });
const reader = server.stdout.getReader();
let text = "";
let match: RegExpMatchArray | null = null;
while (!(match = text.match(/http:\/\/127\.0\.0\.1:(\d+)\//))) text += new TextDecoder().decode((await reader.read()).value);
const base = match[0];

const curl = (path: string) => Bun.spawn(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", base + path.slice(1)], { stdout: "pipe" });
const samples: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const bigs = [1, 2, 3, 4].map(() => curl("/big.html"));
    await Bun.sleep(50);
    const small = curl("/small.css");
    samples.push(Number(await new Response(small.stdout).text()) * 1000);
    await Promise.all(bigs.map((proc) => proc.exited));
  }
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
samples.sort((a, b) => a - b);
console.log(`small asset during four 50 MB pages: median ${samples[ROUNDS >> 1]!.toFixed(0)} ms, max ${samples.at(-1)!.toFixed(0)} ms (${ROUNDS} rounds)`);
