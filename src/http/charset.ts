/** How a page's bytes are to be read, decided as a browser would: byte order mark, then a <meta> declaration. */
export type PageEncoding =
  | { kind: "utf-16le" | "utf-16be"; charset: string }
  /** Any encoding that writes ASCII as ASCII: the client tag's bytes are the same in all of them. */
  | { kind: "ascii-compatible"; charset: string };

/**
 * Catalog builds write UTF-8, as HTML itself recommends; a page that declares nothing is read
 * as that rather than left to each browser's locale-dependent guess.
 */
const DEFAULT_CHARSET = "utf-8";
/** How far browsers look for a <meta charset> (the HTML spec's prescan). */
export const PRESCAN_BYTES = 1024;

const META_CHARSET = /<meta\s[^>]*?charset\s*=\s*["']?\s*([a-z0-9._:+-]+)/i;

/** `head` is the first PRESCAN_BYTES of the page (or all of it, if shorter). */
export function pageEncoding(head: Uint8Array): PageEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { kind: "ascii-compatible", charset: "utf-8" };
  if (head[0] === 0xff && head[1] === 0xfe) return { kind: "utf-16le", charset: "utf-16le" };
  if (head[0] === 0xfe && head[1] === 0xff) return { kind: "utf-16be", charset: "utf-16be" };
  const declared = META_CHARSET.exec(Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, PRESCAN_BYTES)).toString("latin1"))?.[1]?.toLowerCase();
  // A <meta> naming UTF-16 is read as UTF-8 by browsers: without a BOM the bytes cannot be UTF-16.
  if (!declared || declared.startsWith("utf-16")) return { kind: "ascii-compatible", charset: DEFAULT_CHARSET };
  return { kind: "ascii-compatible", charset: declared };
}
