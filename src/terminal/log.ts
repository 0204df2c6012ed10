import { createConsola, type ConsolaReporter, type LogObject } from "consola/core";
import { printable } from "./printable.ts";

/*
 * consola's core with a reporter of our own: the full entry point brings a fancy reporter
 * whose dependencies weigh on memory and start-up (bench/README.md has the numbers).
 * Lines look like "12:03:41 [storytime] ✔ Built in 20 ms": the time places a line after an hour.
 */
const SYMBOLS: Record<string, string> = { info: "ℹ", start: "◐", success: "✔", ready: "✔", warn: "⚠", error: "✖", fatal: "✖" };
const COLORS: Record<string, number> = { info: 36, start: 35, success: 32, ready: 32, warn: 33, error: 31, fatal: 31 };

/** The build's own output, shown as the build wrote it: it is the user's program speaking. Every other string is made printable. */
export class AsWritten {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * Streams a write failed on (`| head` closed the pipe, `> /dev/full`): logging to them stops and
 * serving goes on. Without a listener the error event would end the process and orphan the build.
 * Listened to from the first line written, not at import: Bun makes `process.stdout` on first use,
 * which costs about as much as the rest of start-up's module loading.
 */
const broken = new Set<NodeJS.WriteStream>();
const listened = new Set<NodeJS.WriteStream>();

function writable(stream: NodeJS.WriteStream): boolean {
  if (!listened.has(stream)) {
    listened.add(stream);
    stream.on("error", () => broken.add(stream));
  }
  return !broken.has(stream);
}

function paint(text: string, color: number | undefined, stream: NodeJS.WriteStream): string {
  return color && stream.isTTY && !process.env.NO_COLOR ? `\x1b[${color}m${text}\x1b[39m` : text;
}

function shown(arg: unknown): string {
  if (arg instanceof AsWritten) return arg.text;
  // A stack keeps its line breaks; any of its lines may quote a file name.
  if (arg instanceof Error) return (arg.stack ?? arg.message).split("\n").map(printable).join("\n");
  return printable(String(arg));
}

const lineReporter: ConsolaReporter = {
  log(entry: LogObject) {
    // Problems go to stderr, the rest to stdout, so `2>/dev/null` keeps a quiet terminal honest.
    const stream = entry.level <= 1 ? process.stderr : process.stdout;
    if (!writable(stream)) return;
    const symbol = SYMBOLS[entry.type];
    const prefix = `${paint(`${entry.date.toTimeString().slice(0, 8)} [${entry.tag}]`, 90, stream)} ${symbol ? `${paint(symbol, COLORS[entry.type], stream)} ` : ""}`;
    stream.write(`${prefix}${entry.args.map(shown).join(" ")}\n`);
  },
};

// Level set explicitly: consola would otherwise go quiet whenever NODE_ENV=test, as in a user's test
// runner. No throttle: consola holds back a line repeated more than 5 times within a second and
// prints "(repeated N times)" a second later, which would rewrite a build's own output and lose
// its last lines at exit.
export const log = createConsola({ level: 3, throttle: 0, defaults: { tag: "storytime" }, reporters: [lineReporter] });

/** "1 page", "2 pages". */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
