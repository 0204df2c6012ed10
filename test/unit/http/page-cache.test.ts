import { describe, expect, test } from "bun:test";
import { OutputChanges } from "../../../src/http/gate.ts";
import { PageCache } from "../../../src/http/page-cache.ts";
import { platformTiming } from "../../../src/timing.ts";

const MiB = 1024 * 1024;

const page = (bytes: number) => ({ body: new Uint8Array(bytes), headers: { "content-type": "text/html; charset=utf-8" } });

function cache(maxBytes = 4 * MiB) {
  const changes = new OutputChanges(platformTiming(process.platform).gate);
  const pages = new PageCache(changes, maxBytes);
  /** Stores a page of `bytes` for /NAME.html, read from /out/NAME.html now. */
  const keep = (name: string, bytes: number) => pages.set(`/${name}.html`, `/out/${name}.html`, changes.version, page(bytes));
  /** Which of `names` are still kept (asking counts as a use). */
  const kept = (...names: string[]) => names.filter((name) => pages.byFile(`/${name}.html`, `/out/${name}.html`));
  return { changes, pages, keep, kept };
}

describe("PageCache", () => {
  test("keeps a page until the output changes, then nothing at all", () => {
    const { changes, pages, keep, kept } = cache();
    keep("a", 10);
    keep("b", 10);
    expect(pages.byUrl("/a.html")?.body.byteLength).toBe(10);
    changes.record();
    expect(pages.byUrl("/a.html")).toBeNull();
    expect(kept("a", "b")).toEqual([]);
  });

  test("a page read before the last change is not kept", () => {
    const { changes, pages } = cache();
    const version = changes.version;
    changes.record();
    pages.set("/a.html", "/out/a.html", version, page(10));
    expect(pages.byFile("/a.html", "/out/a.html")).toBeNull();
  });

  test("another spelling of a URL finds the page by its file, and is then known by itself", () => {
    const { pages, keep } = cache();
    keep("a", 10);
    expect(pages.byUrl("//a.html")).toBeNull();
    expect(pages.byFile("//a.html", "/out/a.html")).not.toBeNull();
    expect(pages.byUrl("//a.html")).not.toBeNull();
  });

  test("the spellings it remembers are bounded: a flood of them is forgotten, the page is not", () => {
    const { pages, keep } = cache();
    keep("a", 10);
    for (let slashes = 1; slashes <= 200; slashes++) pages.byFile(`${"/".repeat(slashes * 10)}a.html`, "/out/a.html");
    expect(pages.byUrl("/a.html")).toBeNull();
    expect(pages.byFile("/a.html", "/out/a.html")).not.toBeNull();
  });

  test("holds at most its size in bytes, dropping the least recently used first", () => {
    const { keep, kept } = cache(4 * MiB);
    for (const name of ["a", "b", "c", "d"]) keep(name, MiB);
    expect(kept("a")).toEqual(["a"]);
    keep("e", MiB);
    expect(kept("a", "b", "c", "d", "e")).toEqual(["a", "c", "d", "e"]);
    keep("big", 3 * MiB);
    // The check just above used a, c, d and e in that order: e, the last, is the one left beside big.
    expect(kept("a", "c", "d", "e", "big")).toEqual(["e", "big"]);
  });

  test("a page larger than the whole cache is not kept, and keeps out nothing else", () => {
    const { keep, kept } = cache(4 * MiB);
    keep("a", MiB);
    keep("huge", 5 * MiB);
    expect(kept("huge", "a")).toEqual(["a"]);
  });

  test("a page stored again replaces itself, not a neighbour", () => {
    const { keep, kept } = cache(2 * MiB);
    keep("a", MiB);
    keep("b", MiB);
    keep("b", MiB);
    expect(kept("a", "b")).toEqual(["a", "b"]);
  });
});
