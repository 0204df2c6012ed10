import type { OutputChanges } from "./changes.ts";

export interface CachedPage {
  body: ArrayBuffer | Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

/**
 * Pages as last served, with the client injected, reused while the output has not changed: every
 * change in the output empties the cache, so a page is never reused past an edit the server has
 * heard of, and one read before an edit is not kept (it carries the old counter, which makes the
 * tab reload as it always did). Keyed by the file, not the URL, so the many spellings of one URL
 * (`//page.html`, `/%70age.html`) are one entry, and bounded by total bytes, least recently used
 * out first: what anyone can make the server hold stays small.
 */
export class PageCache {
  private readonly pages = new Map<string, CachedPage>();
  private bytes = 0;

  constructor(
    private readonly changes: OutputChanges,
    private readonly maxBytes: number,
  ) {
    changes.onChange(() => {
      this.pages.clear();
      this.bytes = 0;
    });
  }

  get(path: string): CachedPage | null {
    const page = this.pages.get(path);
    if (!page) return null;
    // Map order is the eviction order: a page used now goes to the back.
    this.pages.delete(path);
    this.pages.set(path, page);
    return page;
  }

  /** Keeps `page`, read from `path` when the output's counter was `version`, unless the output has changed since. */
  set(path: string, version: number, page: CachedPage): void {
    const size = page.body.byteLength;
    if (version !== this.changes.version || size > this.maxBytes) return;
    this.drop(path);
    for (const [oldest] of this.pages) {
      if (this.bytes + size <= this.maxBytes) break;
      this.drop(oldest);
    }
    this.pages.set(path, page);
    this.bytes += size;
  }

  private drop(path: string): void {
    const page = this.pages.get(path);
    if (!page) return;
    this.pages.delete(path);
    this.bytes -= page.body.byteLength;
  }
}
