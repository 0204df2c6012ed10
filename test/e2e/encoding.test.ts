import { afterAll, afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp } from "../helpers/app.ts";
import { bodyBecomes, ENGINES, inEachEngine } from "../helpers/browser.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { tree } from "../helpers/files.ts";

afterAll(() => Promise.all(ENGINES.map((engine) => engine.close())));
afterEach(cleanup);

/** windows-1252 for the few characters used here: Latin-1 plus the euro sign at 0x80. */
const cp1252 = (text: string) => Uint8Array.from([...text].map((c) => (c === "€" ? 0x80 : c.charCodeAt(0))));
const latin1 = (text: string) => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
const utf8 = (text: string) => new TextEncoder().encode(text);
function utf16(text: string, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set(bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out[2 + i * 2 + (bigEndian ? 1 : 0)] = code & 0xff;
    out[2 + i * 2 + (bigEndian ? 0 : 1)] = code >> 8;
  }
  return out;
}
const withBom = (bytes: Uint8Array) => Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes]);

const page = (meta: string, text: string) => `<!doctype html><html><head>${meta}<title>t</title></head><body><p>${text}</p></body></html>`;

const CASES: Array<[string, (text: string) => Uint8Array, string]> = [
  ["windows-1252 declared by <meta charset>", (t) => cp1252(page('<meta charset="windows-1252">', t)), "café naïve €"],
  ["ISO-8859-1 declared by http-equiv", (t) => latin1(page('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', t)), "café naïve"],
  ["UTF-8 declared by <meta charset>", (t) => utf8(page('<meta charset="utf-8">', t)), "café naïve € ✓"],
  ["UTF-8 declaring nothing", (t) => utf8(page("", t)), "café naïve € ✓"],
  ["UTF-8 with a byte order mark", (t) => withBom(utf8(page("", t))), "café naïve € ✓"],
  ["UTF-16 little-endian with a byte order mark", (t) => utf16(page("", t), false), "café naïve € ✓"],
  ["UTF-16 big-endian with a byte order mark", (t) => utf16(page("", t), true), "café naïve € ✓"],
];

inEachEngine("pages in their own encoding", (engine) => {
  test.each(CASES)("%s shows its text and reloads on a change", async (_name, encode, text) => {
    const out = tree({ "index.html": encode(text) });
    const file = join(out, "index.html");
    const app = await startApp({ output: out });
    const tab = await engine.newTab();
    await tab.goto(app.url);
    expect(await tab.text("p")).toBe(text);
    writeFileSync(file, encode(`${text} (edited)`));
    expect(await bodyBecomes(tab, `${text} (edited)`)).toBe(true);
  }, 20_000);
});
