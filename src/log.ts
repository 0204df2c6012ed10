import { createConsola, type ConsolaReporter, type LogObject } from "consola/core";

/*
 * consola's core with a reporter of our own: the full entry point brings a fancy reporter
 * whose dependencies weigh on memory and start-up (bench/README.md has the numbers).
 * Lines look like "[storytime] ✔ Built in 20 ms".
 */
const SYMBOLS: Record<string, string> = { info: "ℹ", start: "◐", success: "✔", ready: "✔", warn: "⚠", error: "✖", fatal: "✖" };
const COLORS: Record<string, number> = { info: 36, start: 35, success: 32, ready: 32, warn: 33, error: 31, fatal: 31 };

function paint(text: string, color: number | undefined, stream: NodeJS.WriteStream): string {
  return color && stream.isTTY && !process.env.NO_COLOR ? `\x1b[${color}m${text}\x1b[39m` : text;
}

const lineReporter: ConsolaReporter = {
  log(entry: LogObject) {
    // Problems go to stderr, the rest to stdout, so `2>/dev/null` keeps a quiet terminal honest.
    const stream = entry.level <= 1 ? process.stderr : process.stdout;
    const text = entry.args.map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : String(arg))).join(" ");
    const symbol = SYMBOLS[entry.type];
    const prefix = `${paint(`[${entry.tag}]`, 90, stream)} ${symbol ? `${paint(symbol, COLORS[entry.type], stream)} ` : ""}`;
    stream.write(`${prefix}${text}\n`);
  },
};

// Level set explicitly: consola would otherwise go quiet whenever NODE_ENV=test, as in a user's test runner.
export const log = createConsola({ level: 3, defaults: { tag: "storytime" }, reporters: [lineReporter] });
