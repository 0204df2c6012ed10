/**
 * Control characters, Unicode's line separators, and its marks that set the direction of the text
 * after them: written raw, a file named `evil\x1b[2J.html` clears the terminal, one holding a
 * newline prints a line of its own, and a right-to-left mark makes one name read as another.
 */
const UNPRINTABLE = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` as it may be shown in a terminal: what could act on the terminal or forge a line is escaped (`\x1b`, `\n`). */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0);
    return NAMED[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
  });
}
