import { describe, expect, test } from "bun:test";
import { OutputChanges } from "../src/changes.ts";
import { PageCache } from "../src/page-cache.ts";
import { PAGE_GATE } from "../src/start.ts";

const MiB = 1024 * 1024;
const page = (bytes: number) => ({ body: new Uint8Array(bytes), headers: { "content-type": "text/html; charset=utf-8" } });

function cache(maxBytes = 4 * MiB) {
  const changes = new OutputChanges(PAGE_GATE);
  return { changes, pages: new PageCache(changes, maxBytes) };
}

describe("PageCache", () => {
  test("keeps a page until the output changes, then nothing at all", () => {
    const { changes, pages } = cache();
    pages.set("/out/a.html", changes.version, page(10));
    pages.set("/out/b.html", changes.version, page(10));
    expect(pages.get("/out/a.html")?.body.byteLength).toBe(10);
    changes.record();
    expect(pages.get("/out/a.html")).toBeNull();
    expect(pages.get("/out/b.html")).toBeNull();
  });

  test("a page read before the last change is not kept", () => {
    const { changes, pages } = cache();
    const version = changes.version;
    changes.record();
    pages.set("/out/a.html", version, page(10));
    expect(pages.get("/out/a.html")).toBeNull();
  });

  test("holds at most its size in bytes, dropping the least recently used first", () => {
    const { changes, pages } = cache(4 * MiB);
    for (const name of ["a", "b", "c", "d"]) pages.set(`/out/${name}.html`, changes.version, page(MiB));
    expect(pages.get("/out/a.html")).not.toBeNull();
    pages.set("/out/e.html", changes.version, page(MiB));
    expect(["a", "b", "c", "d", "e"].filter((name) => pages.get(`/out/${name}.html`))).toEqual(["a", "c", "d", "e"]);
    pages.set("/out/big.html", changes.version, page(3 * MiB));
    // The reads just above used a, c, d and e in that order: e, the last, is the one left beside big.
    expect(["a", "c", "d", "e", "big"].filter((name) => pages.get(`/out/${name}.html`))).toEqual(["e", "big"]);
  });

  test("a page larger than the whole cache is not kept, and keeps out nothing else", () => {
    const { changes, pages } = cache(4 * MiB);
    pages.set("/out/a.html", changes.version, page(MiB));
    pages.set("/out/huge.html", changes.version, page(5 * MiB));
    expect(pages.get("/out/huge.html")).toBeNull();
    expect(pages.get("/out/a.html")).not.toBeNull();
  });

  test("a page stored again replaces itself, not a neighbour", () => {
    const { changes, pages } = cache(2 * MiB);
    pages.set("/out/a.html", changes.version, page(MiB));
    pages.set("/out/b.html", changes.version, page(MiB));
    pages.set("/out/b.html", changes.version, page(MiB));
    expect(pages.get("/out/a.html")).not.toBeNull();
  });
});
