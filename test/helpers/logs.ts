import { log } from "../../src/terminal/log.ts";
import { onCleanup } from "./cleanup.ts";
import { eventually } from "./eventually.ts";

/** What the in-process code logged while a capture was open, one string per message ("tag: text"). */
export interface Logs {
  readonly lines: string[];
  /** The first line captured that matches, once there is one; rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
}

const open = new Set<string[]>();
// Instead of the terminal: every capture open at the time gets each message.
log.setReporters([
  {
    log: (entry) => {
      const line = `${entry.tag}: ${entry.args.map(String).join(" ")}`;
      for (const lines of open) lines.push(line);
    },
  },
]);

/** Captures what is logged in this process from now until `cleanup()`: for code run without an app (a BuildRunner alone), or one step of a test. */
export function captureLogs(): Logs {
  const lines: string[] = [];
  open.add(lines);
  onCleanup(() => open.delete(lines));
  return {
    lines,
    waitFor: (pattern, ms = 5_000) =>
      eventually(() => lines.find((line) => pattern.test(line)), { ms, what: () => `a line matching ${pattern}; logged:\n${lines.join("\n")}` }),
  };
}
