import type { OutputChanges } from "./gate.ts";

export interface CachedPage {
  body: ArrayBuffer | Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

/** The URL spellings remembered, in characters: a request line is at most a few kilobytes. */
const MAX_URL_CHARS = 64 * 1024;

/**
 * Pages as last served, with the client injected, reused while the output has not changed: every
 * change in the output empties the cache, so a page is never reused past an edit the server has
 * heard of, and one read before an edit is not kept (it carries the old counter, which makes the
 * tab reload as it always did). Kept by file, so the many spellings of one URL (`//page.html`,
 * `/%70age.html`) share one copy, and bounded by total bytes, least recently used out first: what
 * anyone can make the server hold stays small. The URLs that led to a kept page are remembered
 * too (a few kilobytes' worth), so a page asked for again is served without resolving its path.
 */
export class PageCache {
  private readonly pages = new Map<string, CachedPage>();
  private readonly files = new Map<string, string>();
  private bytes = 0;
  private urlChars = 0;

  constructor(
    private readonly changes: OutputChanges,
    private readonly maxBytes: number,
  ) {
    // Only a cache that holds something is emptied: clearing a Map allocates a new table, which a
    // stream of changes with no page asked for in between would pay on every event
    // (bench/README.md has the cost).
    changes.onChange(() => {
      if (this.pages.size) this.pages.clear();
      if (this.files.size) this.files.clear();
      this.bytes = 0;
      this.urlChars = 0;
    });
  }

  /** The page kept for a URL that led to it before, or null: then resolve the URL and ask `byFile`. */
  byUrl(pathname: string): CachedPage | null {
    const path = this.files.get(pathname);
    return path === undefined ? null : this.use(path);
  }

  /** The page kept for the file `pathname` resolved to, or null; remembers the way for `byUrl`. */
  byFile(pathname: string, path: string): CachedPage | null {
    const page = this.use(path);
    if (page) this.remember(pathname, path);
    return page;
  }

  /** Keeps `page`, read from `path` when the output's counter was `version`, unless the output has changed since. */
  set(pathname: string, path: string, version: number, page: CachedPage): void {
    const size = page.body.byteLength;
    if (version !== this.changes.version || size > this.maxBytes) return;
    this.drop(path);
    for (const [oldest] of this.pages) {
      if (this.bytes + size <= this.maxBytes) break;
      this.drop(oldest);
    }
    this.pages.set(path, page);
    this.bytes += size;
    this.remember(pathname, path);
  }

  private use(path: string): CachedPage | null {
    const page = this.pages.get(path);
    if (!page) return null;
    // Map order is the eviction order: a page used now goes to the back.
    this.pages.delete(path);
    this.pages.set(path, page);
    return page;
  }

  private remember(pathname: string, path: string): void {
    if (this.files.has(pathname)) return;
    // Forgetting every way at once costs a resolution each, never a page read.
    if (this.urlChars + pathname.length > MAX_URL_CHARS) {
      this.files.clear();
      this.urlChars = 0;
    }
    this.files.set(pathname, path);
    this.urlChars += pathname.length;
  }

  private drop(path: string): void {
    const page = this.pages.get(path);
    if (!page) return;
    this.pages.delete(path);
    this.bytes -= page.body.byteLength;
  }
}
