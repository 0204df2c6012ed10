import { describe, expect, test } from "bun:test";
import { usage } from "../../src/cli.ts";

const ANSI = /\x1b\[/;

describe("usage", () => {
  const text = usage();
  const optionLines = text.slice(text.indexOf("Options:\n") + 9, text.indexOf("\n\nExample:")).split("\n");

  test("each option on its own line, left-aligned as README writes it, descriptions in one column", () => {
    const column = optionLines[0]!.indexOf("Directory");
    for (const line of optionLines) expect(line.slice(column - 2, column + 1)).toMatch(/^ {2}\S$/);
    const flags = optionLines.filter((line) => line.slice(0, column).trim()).map((line) => line.slice(0, column).trimEnd());
    for (const flag of flags) expect(flag).toMatch(/^ {2}(-[a-z], | {4})--[a-z]+(-[a-z]+)*( <[a-z]+>)?$/);
    for (const flag of ["-o, --output <dir>", "-i, --input <dir>", "-b, --build <cmd>", "    --watch-build <cmd>", "-p, --port <n>", "    --host <host>", "    --open", "-h, --help", "-v, --version"]) {
      expect(flags).toContain(`  ${flag}`);
    }
  });

  test("fits 80 columns, with no colour and no trailing spaces", () => {
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(text).not.toMatch(ANSI);
    expect(text).not.toMatch(/ +$/m);
  });

  test("names the defaults and ends with an example", () => {
    expect(text).toContain("(default: build/catalog");
    expect(text).toContain("(default: 8080)");
    expect(text).toContain('Example:\n  storytime-reload --input src/storytime --output build/catalog \\\n    --build "storytime build src/storytime build/catalog"\n');
  });
});
