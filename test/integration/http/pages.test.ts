import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, url } from "../../helpers/app.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { CLI, tempDir } from "../../helpers/files.ts";
import { launch } from "../../helpers/process.ts";
import { servedCatalog } from "../../helpers/projects.ts";
import { POSIX_FS_SKIP, testUnless } from "../../helpers/skip.ts";
import { TestSocket } from "../../helpers/socket.ts";

afterEach(cleanup);

const TAG_PATTERN = /<script src="\/__storytime\/client\.js\?h=\w+" data-storytime-version="\d+" async><\/script>/;

describe("pages", () => {
  test("an HTML page is served with the client injected and an explicit content type", async () => {
    const { app } = await servedCatalog();
    const response = await fetch(url(app, "/"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const body = await response.text();
    expect(body).toMatch(TAG_PATTERN);
    expect(body.replace(TAG_PATTERN, "")).toBe("<html><head><title>Catalog</title></head><body>home</body></html>");
    expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(body));
  });

  test("a directory without a trailing slash redirects to it, keeping the query", async () => {
    const { app } = await servedCatalog();
    const response = await fetch(url(app, "/section/button?story=2"), { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/section/button/?story=2");
  });

  test("a directory with a trailing slash serves its index.html, fragment or not", async () => {
    const { app } = await servedCatalog();
    const body = await (await fetch(url(app, "/section/button/"))).text();
    expect(body).toStartWith("<p>button fragment</p><script");
  });

  test("a file URL with a trailing slash is 404, as it would be once deployed", async () => {
    const { app } = await servedCatalog();
    expect((await fetch(url(app, "/foo/index.html/"))).status).toBe(404);
    expect((await fetch(url(app, "/foo/style.css/"))).status).toBe(404);
    expect((await fetch(url(app, "/foo/"))).status).toBe(200);
  });

  test("a page up to 1 MiB answers a Range from the page as served, client included", async () => {
    const { app } = await servedCatalog();
    const whole = await (await fetch(url(app, "/foo/"))).text();
    const response = await fetch(url(app, "/foo/"), { headers: { range: "bytes=-9" } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe(`bytes ${whole.length - 9}-${whole.length - 1}/${whole.length}`);
    expect(await response.text()).toBe(whole.slice(-9));
  });

  test("a page over 1 MiB is injected as it streams (no length known up front); a small one is sent whole with its length", async () => {
    const { app, out } = await servedCatalog();
    const line = `<p>${"x".repeat(90)}</p>\n`;
    const body = line.repeat((2 * 1024 * 1024) / line.length);
    writeFileSync(join(out, "big.html"), `<html><head></head><body>${body}</body></html>`);
    const big = await fetch(url(app, "/big.html"));
    expect(big.headers.get("content-length")).toBeNull();
    const text = await big.text();
    expect(text).toMatch(/^<html><head><script src="\/__storytime\/client\.js[^>]*><\/script><\/head><body>/);
    expect(text.endsWith(`${body}</body></html>`)).toBe(true);
    const small = await fetch(url(app, "/foo/"));
    expect(Number(small.headers.get("content-length"))).toBe((await small.text()).length);
  });
});

describe("missing pages", () => {
  test("a missing page is a small HTML 404 that carries the client, with the path escaped", async () => {
    const { app } = await servedCatalog();
    const response = await fetch(url(app, "/missing/%3Cimg%20src=x%3E/"));
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const body = await response.text();
    expect(body).toMatch(TAG_PATTERN);
    expect(body).not.toContain("<img");
  });

  testUnless(POSIX_FS_SKIP)("a missing page names the output directory as the terminal does, escaped", async () => {
    const out = join(tempDir(), "<b>cat&log");
    mkdirSync(out);
    const app = await startApp({ output: out });
    const shown = (await app.logs.waitFor(/Serving .* at http/, 1_000)).match(/Serving (.*) at http/)![1]!;
    const body = await (await fetch(url(app, "/missing/"))).text();
    expect(body).toContain(`Nothing at <code>/missing/</code> in <code>${shown.replaceAll("&", "&#38;").replaceAll("<", "&#60;").replaceAll(">", "&#62;")}</code> yet`);
    expect(body).not.toContain("<b>");
  });

  test("a missing page names the output relative to the working directory", async () => {
    const base = tempDir();
    mkdirSync(join(base, "build/catalog"), { recursive: true });
    const server = await launch(["bun", CLI, "--output", "build/catalog", "--port", "0"], { cwd: base });
    expect(await (await fetch(`${server.url}missing/`)).text()).toContain(`in <code>${join("build", "catalog")}</code> yet`);
  });

  test("served to the network, a missing page names an output outside the working directory by its last part only", async () => {
    const out = join(tempDir(), "catalog");
    mkdirSync(out);
    const server = await launch(["bun", CLI, "--output", out, "--host", "0.0.0.0", "--port", "0"], { cwd: tempDir() });
    const body = await (await fetch(`http://127.0.0.1:${server.port}/missing/`)).text();
    expect(body).not.toContain(out);
    expect(body).toContain("in <code>catalog</code> yet");
  });

  test("before the output directory exists every page is a 404", async () => {
    const app = await startApp({ output: join(tempDir(), "not-yet") });
    const response = await fetch(url(app, "/"));
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(TAG_PATTERN);
  });
});

describe("pages during an outside clean build", () => {
  test("a page requested after the output was emptied waits for the build to write it: no 404 flash", async () => {
    const { out, app } = await servedCatalog();
    const client = await TestSocket.open(app);
    rmSync(join(out, "index.html"));
    await client.waitFor(1);
    const writer = Bun.sleep(300).then(() => writeFileSync(join(out, "index.html"), "<p>rebuilt</p>"));
    const response = await fetch(url(app, "/"));
    await writer;
    expect(response.status).toBe(200);
    expect(await response.text()).toStartWith("<p>rebuilt</p>");
  });
});
