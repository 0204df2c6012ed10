import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, readdirSync, readlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, url } from "../../helpers/app.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { fixture, tree } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";
import { servedCatalog } from "../../helpers/projects.ts";
import { IS_ROOT, POSIX_FS_SKIP, testUnless } from "../../helpers/skip.ts";

afterEach(cleanup);

describe("assets", () => {
  test.each([
    ["/static/site.css", "text/css"],
    ["/static/app.js", "text/javascript"],
    ["/static/logo.png", "image/png"],
  ])("%s is served untouched as %s, revalidated on every load", async (path, type) => {
    const { app, out } = await servedCatalog();
    const response = await fetch(url(app, path));
    expect(response.headers.get("content-type")).toStartWith(type);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(await Bun.file(join(out, path)).arrayBuffer()));
    const etag = response.headers.get("etag")!;
    const again = await fetch(url(app, path), { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    writeFileSync(join(out, path), "changed, and longer than before");
    const changed = await fetch(url(app, path), { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
  });

  test("a file without an extension is served as it is, not as a page", async () => {
    const { app, out } = await servedCatalog();
    writeFileSync(join(out, "LICENSE"), new Uint8Array([0x00, 0xff, 0x10]));
    const response = await fetch(url(app, "/LICENSE"));
    expect(response.headers.get("content-type")).not.toContain("text/html");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0x00, 0xff, 0x10]));
  });
});

describe("validators", () => {
  test("an asset rewritten with the same size and its mtime set back is not answered 304", async () => {
    const { app, out } = await servedCatalog();
    const file = join(out, "foo/style.css");
    utimesSync(file, 1_000_000, 1_000_000);
    const first = await fetch(url(app, "/foo/style.css"));
    const etag = first.headers.get("etag")!;
    // The ctime, which no tool sets back, is stamped from a clock that moves every 4-10 ms on Linux
    // (15.6 ms on Windows): a rewrite within the same tick keeps all four parts of the tag.
    await Bun.sleep(20);
    writeFileSync(file, "b{}");
    utimesSync(file, 1_000_000, 1_000_000);
    const again = await fetch(url(app, "/foo/style.css"), { headers: { "if-none-match": etag } });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe("b{}");
  });

  test("If-None-Match with a list of tags, weak or strong, or *, is honoured", async () => {
    const { app } = await servedCatalog();
    const etag = (await fetch(url(app, "/foo/style.css"))).headers.get("etag")!;
    const strong = etag.replace(/^W\//, "");
    for (const header of [`"nope", ${etag}`, `${strong}`, `"a" , "b",${strong}`, "*"]) {
      expect((await fetch(url(app, "/foo/style.css"), { headers: { "if-none-match": header } })).status).toBe(304);
    }
    expect((await fetch(url(app, "/foo/style.css"), { headers: { "if-none-match": `"nope", "other"` } })).status).toBe(200);
  });
});

describe("byte ranges", () => {
  test("a Range request is answered 206 with just those bytes, as README promises for video seeking", async () => {
    const { app } = await servedCatalog();
    const response = await fetch(url(app, "/foo/style.css"), { headers: { range: "bytes=1-2" } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe("bytes 1-2/3");
    expect(await response.text()).toBe("{}");
  });

  test("a Range that lies wholly past the end is 416 with the size, for an asset and for a page", async () => {
    const { app } = await servedCatalog();
    for (const [path, range] of [["/foo/style.css", "bytes=10-20, 30-40"], ["/foo/style.css", "bytes=3-"], ["/foo/", "bytes=99999-"]] as const) {
      const response = await fetch(url(app, path), { headers: { range } });
      expect([path, range, response.status]).toEqual([path, range, 416]);
      expect(response.headers.get("content-range")).toMatch(/^bytes \*\/\d+$/);
    }
  });

  test("a Range inside a streamed asset (over 1 MiB) sends just those bytes", async () => {
    const { app, out } = await servedCatalog();
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    writeFileSync(join(out, "big.bin"), bytes);
    const response = await fetch(url(app, "/big.bin"), { headers: { range: "bytes=1000-2100000" } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe(`bytes 1000-2100000/${bytes.length}`);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes.subarray(1000, 2100001));
  });

  test("an If-Range is answered with the whole file: its validator would have to be strong", async () => {
    const { app } = await servedCatalog();
    const etag = (await fetch(url(app, "/foo/style.css"))).headers.get("etag")!;
    const response = await fetch(url(app, "/foo/style.css"), { headers: { range: "bytes=0-0", "if-range": etag } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("a{}");
  });
});

describe("files that misbehave while served", () => {
  test.skipIf(!Bun.which("curl"))("an asset truncated while it is sent ends the response promptly, not at the idle timeout (needs curl)", async () => {
    const { app, out } = await servedCatalog();
    const file = join(out, "big.bin");
    writeFileSync(file, new Uint8Array(64 * 1024 * 1024));
    // A slow reader, so the file is truncated mid-send.
    const curl = Bun.spawn(["curl", "-s", "--limit-rate", "20M", "-o", "/dev/null", "-w", "%{time_total}", url(app, "/big.bin")], { stdout: "pipe" });
    await Bun.sleep(300);
    truncateSync(file, 10);
    const seconds = Number(await new Response(curl.stdout).text());
    // Bun's idle timeout, which used to end it, is 10 s; at 20 MB/s the whole file would take 3 s.
    expect(seconds).toBeLessThan(5);
  }, 15_000);

  testUnless(process.platform === "linux" ? null : "it counts the server's open descriptors in /proc/self/fd")(
    "a file swapped for a FIFO while it is requested: every request is answered at once, and no descriptor is left open",
    async () => {
      const { out, outcomes } = await requestedWhileSwapped("fifo");
      expect(outcomes.filter((outcome) => !["200 p{}", "206 p{", "404"].includes(outcome))).toEqual([]);
      const openInOutput = readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(out);
        } catch {
          return false;
        }
      });
      expect(openInOutput).toEqual([]);
    },
    30_000,
  );

  testUnless(POSIX_FS_SKIP)("a file, or a folder above it, swapped for a symlink that leads out while it is requested: what lies outside is never served", async () => {
    for (const kind of ["link", "dir"] as const) {
      const { outcomes } = await requestedWhileSwapped(kind);
      expect(outcomes.filter((outcome) => !["200 p{}", "206 p{", "404"].includes(outcome)), kind).toEqual([]);
    }
  }, 30_000);

  test.skipIf(IS_ROOT)("an unreadable page or asset is 403 and its cause is logged once (skipped as root, who can read every file)", async () => {
    const { app, out } = await servedCatalog();
    chmodSync(join(out, "foo/index.html"), 0o000);
    chmodSync(join(out, "foo/style.css"), 0o000);
    const logs = captureLogs();
    expect((await fetch(url(app, "/foo/"))).status).toBe(403);
    expect((await fetch(url(app, "/foo/style.css"))).status).toBe(403);
    const lines = logs.lines.filter((line) => line.includes("Cannot read"));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("fix its permissions");
  });
});

/**
 * Requests a race.css holding "p{}", whole and in ranges, 8 at a time for 100 rounds while
 * fixtures/swapper.ts swaps it, or with `dir` the folder it is in, for a `kind`; returns each
 * different outcome once.
 */
async function requestedWhileSwapped(kind: "fifo" | "link" | "dir"): Promise<{ out: string; outcomes: string[] }> {
  const base = tree({ "out/sub/race.css": "p{}", "aside/": "" });
  const [out, aside] = [join(base, "out"), join(base, "aside")];
  const app = await startApp({ output: out });
  const target = kind === "dir" ? join(out, "sub") : join(out, "sub", "race.css");
  const swapper = Bun.spawn([process.execPath, fixture("swapper.ts"), target, aside, kind], { stdout: "pipe" });
  const outcomes = new Set<string>();
  try {
    await swapper.stdout.getReader().read();
    // A blocking open of a FIFO would wait for a writer forever: 2 s without an answer is a hang.
    for (let round = 0; round < 100 && !outcomes.has("hung"); round++) {
      const requests = Array.from({ length: 8 }, (_, i) =>
        fetch(url(app, "/sub/race.css"), { headers: i % 2 ? { range: "bytes=0-1" } : {}, signal: AbortSignal.timeout(2_000) }).then(
          async (response) => (response.status === 404 ? "404" : `${response.status} ${await response.text()}`),
          () => "hung",
        ),
      );
      for (const outcome of await Promise.all(requests)) outcomes.add(outcome);
    }
  } finally {
    swapper.kill("SIGKILL");
    await swapper.exited;
  }
  return { out, outcomes: [...outcomes] };
}
