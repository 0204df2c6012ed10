import { describe, expect, test } from "bun:test";
import { printable } from "../../../src/terminal/printable.ts";

describe("printable", () => {
  test("control characters are escaped, so a name cannot act on the terminal or start a line", () => {
    expect(printable("evil\x1b[2J\x1b]0;pwned\x07.html")).toBe("evil\\x1b[2J\\x1b]0;pwned\\x07.html");
    expect(printable("a\nb\rc\td\0e\x7f")).toBe("a\\nb\\rc\\td\\x00e\\x7f");
    // C1 controls: \x9b is a one-byte CSI to some terminals.
    expect(printable("\u009b2J")).toBe("\\x9b2J");
    // Marks that reorder the text after them, making one name read as another.
    expect(printable("\u202eimth.exe")).toBe("\\u202eimth.exe");
    expect(printable("a\u200fb\u200ec\u061cd\u2028e")).toBe("a\\u200fb\\u200ec\\u061cd\\u2028e");
  });

  test("everything else is kept as it is, backslashes of Windows paths included", () => {
    for (const text of ["ünïcödé ✓ 漢字 🙂", "static\\components\\button.css", "a b/c.html"]) expect(printable(text)).toBe(text);
  });
});
