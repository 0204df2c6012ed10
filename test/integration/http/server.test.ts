import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clientScript, clientUrl } from "../../../src/http/client-script.ts";
import { RELOAD_MESSAGE } from "../../../src/http/protocol.ts";
import { stampOf, url } from "../../helpers/app.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { servedCatalog } from "../../helpers/projects.ts";
import { exchange } from "../../helpers/raw-http.ts";
import { TestSocket } from "../../helpers/socket.ts";

afterEach(cleanup);

describe("routes and methods", () => {
  test("other methods are refused", async () => {
    const { app } = await servedCatalog();
    const response = await fetch(url(app, "/"), { method: "POST", body: "x" });
    expect(response.status).toBe(405);
  });

  test("internal routes answer only GET and HEAD", async () => {
    const { app } = await servedCatalog();
    const response = await fetch(url(app, "/__storytime/client.js"), { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });

  test("HEAD answers with headers and no body", async () => {
    const { app } = await servedCatalog();
    const response = await fetch(url(app, "/static/site.css"), { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("19");
    expect(await response.text()).toBe("");
    const page = await fetch(url(app, "/"), { method: "HEAD" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toBe("");
  });

  test("the client script is served from the internal prefix and may be cached by its hash", async () => {
    const { app } = await servedCatalog();
    const response = await fetch(url(app, clientUrl));
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toContain("immutable");
    expect(await response.text()).toBe(clientScript);
  });

  test("internal routes never fall through to catalog files", async () => {
    const { app, out } = await servedCatalog();
    mkdirSync(join(out, "__storytime"));
    writeFileSync(join(out, "__storytime/secret.html"), "catalog file");
    expect((await fetch(url(app, "/__storytime/secret.html"))).status).toBe(404);
    expect((await fetch(url(app, "/__storytime/ws"))).status).toBe(426);
  });

  test("a request without Host (HTTP/1.0) is 400 and still carries the security headers", async () => {
    const { app } = await servedCatalog();
    const text = await exchange(app.port, "GET / HTTP/1.0\r\n\r\n");
    expect(text).toStartWith("HTTP/1.1 400");
    expect(text.toLowerCase()).toContain("x-content-type-options: nosniff");
    expect(text.toLowerCase()).toContain("cross-origin-resource-policy: same-origin");
  });
});

describe("version handshake", () => {
  test("a page stamped with an old counter is told to reload as soon as it connects", async () => {
    const { out, app } = await servedCatalog();
    const html = await (await fetch(url(app, "/"))).text();
    const stamped = stampOf(html);
    const watcher = await TestSocket.open(app);
    writeFileSync(join(out, "index.html"), "changed after serving");
    await watcher.waitFor(1);
    const late = await TestSocket.open(app, stamped);
    await late.waitFor(1);
    expect(late.messages).toEqual([RELOAD_MESSAGE]);
  });

  test("a page stamped with the current counter is not told anything", async () => {
    const { app } = await servedCatalog();
    const html = await (await fetch(url(app, "/"))).text();
    const current = await TestSocket.open(app, stampOf(html));
    expect(await current.staysQuiet(200)).toBe(true);
  });
});
