import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clientScript, clientUrl } from "../src/http/client-script.ts";
import { startApp, url } from "./helpers/app.ts";
import { cleanup } from "./helpers/cleanup.ts";
import { CLI, tempDir, tree } from "./helpers/files.ts";
import { launch } from "./helpers/process.ts";
import { POSIX_FS_SKIP, testUnless } from "./helpers/skip.ts";

afterEach(cleanup);

async function catalog() {
  const out = tree({
    "index.html": "<html><head><title>Catalog</title></head><body>home</body></html>",
    "section/button/index.html": "<p>button fragment</p>",
    "static/site.css": "body { color: red }",
    "static/app.js": "console.log(1)",
    "static/logo.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
  });
  return { out, app: await startApp({ output: out }) };
}

const TAG_PATTERN = /<script src="\/__storytime\/client\.js\?h=\w+" data-storytime-version="\d+" async><\/script>/;

describe("static serving", () => {
  test("an HTML page is served with the client injected and an explicit content type", async () => {
    const { app } = await catalog();
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
    const { app } = await catalog();
    const response = await fetch(url(app, "/section/button?story=2"), { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/section/button/?story=2");
  });

  test("a directory with a trailing slash serves its index.html, fragment or not", async () => {
    const { app } = await catalog();
    const body = await (await fetch(url(app, "/section/button/"))).text();
    expect(body).toStartWith("<p>button fragment</p><script");
  });

  test.each([
    ["/static/site.css", "text/css"],
    ["/static/app.js", "text/javascript"],
    ["/static/logo.png", "image/png"],
  ])("%s is served untouched as %s, revalidated on every load", async (path, type) => {
    const { app, out } = await catalog();
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
    const { app, out } = await catalog();
    writeFileSync(join(out, "LICENSE"), new Uint8Array([0x00, 0xff, 0x10]));
    const response = await fetch(url(app, "/LICENSE"));
    expect(response.headers.get("content-type")).not.toContain("text/html");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0x00, 0xff, 0x10]));
  });

  test("HEAD answers with headers and no body", async () => {
    const { app } = await catalog();
    const response = await fetch(url(app, "/static/site.css"), { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("19");
    expect(await response.text()).toBe("");
    const page = await fetch(url(app, "/"), { method: "HEAD" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toBe("");
  });

  test("a missing page is a small HTML 404 that carries the client, with the path escaped", async () => {
    const { app } = await catalog();
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

  test("other methods are refused", async () => {
    const { app } = await catalog();
    const response = await fetch(url(app, "/"), { method: "POST", body: "x" });
    expect(response.status).toBe(405);
  });

  test("the client script is served from the internal prefix and may be cached by its hash", async () => {
    const { app } = await catalog();
    const response = await fetch(url(app, clientUrl));
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toContain("immutable");
    expect(await response.text()).toBe(clientScript);
  });

  test("internal routes never fall through to catalog files", async () => {
    const { app, out } = await catalog();
    mkdirSync(join(out, "__storytime"));
    writeFileSync(join(out, "__storytime/secret.html"), "catalog file");
    expect((await fetch(url(app, "/__storytime/secret.html"))).status).toBe(404);
    expect((await fetch(url(app, "/__storytime/ws"))).status).toBe(426);
  });

  test("before the output directory exists every page is a 404", async () => {
    const app = await startApp({ output: join(tempDir(), "not-yet") });
    const response = await fetch(url(app, "/"));
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(TAG_PATTERN);
  });
});
