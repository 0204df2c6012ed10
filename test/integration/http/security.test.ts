import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { startApp, url } from "../../helpers/app.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { CLI, tempDir, tree } from "../../helpers/files.ts";
import { launch } from "../../helpers/process.ts";
import { servedCatalog } from "../../helpers/projects.ts";
import { rawRequest } from "../../helpers/raw-http.ts";
import { testUnless } from "../../helpers/skip.ts";

afterEach(cleanup);

const SECRET = "TOP-SECRET-MARKER";

const LAN_ADDRESS = Object.values(networkInterfaces()).flat().find((entry) => entry && !entry.internal && entry.family === "IPv4")?.address;

/** An output dir with secrets beside it, in a sibling with the same prefix, and behind dotfiles. */
async function exposedCatalog() {
  const base = tree({
    "out/index.html": "<html><head></head><body>catalog</body></html>",
    "out/static/site.css": "body{}",
    "out/.env": SECRET,
    "out/.git/config": SECRET,
    "secret.txt": SECRET,
    "out-private/secret.txt": SECRET,
  });
  const out = join(base, "out");
  symlinkSync(join(base, "secret.txt"), join(out, "link.txt"));
  symlinkSync(join(base, "out-private"), join(out, "linked-dir"));
  const app = await startApp({ output: out });
  return { app, out, base };
}

describe("path containment", () => {
  test.each([
    "/../secret.txt",
    "/../../../../etc/passwd",
    "/%2e%2e/secret.txt",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2fsecret.txt",
    "/..%2f..%2f..%2fetc/passwd",
    "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt",
    "/..\\secret.txt",
    "/..\\..\\..\\etc\\passwd",
    "/..%5csecret.txt",
    "/%5c..%5csecret.txt",
    "/index.html%00",
    "/static/site.css%00.html",
    "//etc/passwd",
    "///etc/passwd",
    "/#/../secret.txt",
    "/index.html#/../../secret.txt",
    "/index.html?/../../secret.txt",
    "/index.html?raw??",
    "/../out-private/secret.txt",
    "/%2e%2e/out-private/secret.txt",
    "/link.txt",
    "/linked-dir/secret.txt",
    "/.env",
    "/.git/config",
    "/%2egit/config",
    "/static/../.env",
    "/%2eenv",
    "/./.env",
    "/%2e%2e%2fsecret.txt",
  ])("%s leaks nothing", async (target) => {
    const { app } = await exposedCatalog();
    const response = await rawRequest(app.port, target);
    expect(response.body).not.toContain(SECRET);
    expect(response.body).not.toContain("root:x:0:0");
    if (response.status === 200) expect(response.body).toContain("catalog");
    else expect([400, 403, 404]).toContain(response.status);
  });

  test("malformed percent-encoding is a 400, and the server keeps answering", async () => {
    const { app } = await exposedCatalog();
    for (const target of ["/%E0%A4%A", "/%", "/%zz", "/static/%E0%A4%A.css"]) {
      expect([target, (await rawRequest(app.port, target)).status]).toEqual([target, 400]);
    }
    expect((await rawRequest(app.port, "/")).status).toBe(200);
  });

  test("paths echoed in the 404 page are HTML-escaped", async () => {
    const { app } = await exposedCatalog();
    const response = await rawRequest(app.port, "/<script>alert(1)</script>");
    expect(response.status).toBe(404);
    expect(response.body).not.toContain("<script>alert");
  });

  test("a page behind a symlink with an innocent name that leads to a dotfile is refused", async () => {
    const { app, out } = await servedCatalog();
    mkdirSync(join(out, ".secret"));
    writeFileSync(join(out, ".secret/index.html"), "secret");
    writeFileSync(join(out, ".env"), "TOKEN=1");
    symlinkSync(join(out, ".secret"), join(out, "public"));
    symlinkSync(join(out, ".env"), join(out, "env.txt"));
    expect((await fetch(url(app, "/public/"))).status).toBe(404);
    expect((await fetch(url(app, "/env.txt"))).status).toBe(404);
  });

  test("a redirect names a path on this server, never another host", async () => {
    const { app, out } = await exposedCatalog();
    mkdirSync(join(out, "evil.example"));
    const response = await rawRequest(app.port, "//evil.example");
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe("/evil.example/");
  });
});

describe("host allowlist (DNS rebinding)", () => {
  test.each(["evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.1.nip.io"])(
    "Host %p is refused with 403 and a reason",
    async (host) => {
      const { app } = await exposedCatalog();
      const response = await rawRequest(app.port, "/", { host });
      expect(response.status).toBe(403);
      expect(response.body).toContain("not allowed");
      expect(response.body).not.toContain("catalog");
    },
  );

  test.each([
    ["localhost:99999", "port 99999 is above 65535"],
    ["evil.com?.localhost", "a host is a name of letters"],
    ["bad host", "a host is a name of letters"],
    ["", "a host is a name of letters"],
  ])("a malformed Host %p is a 400 that says what is wrong with it", async (host, problem) => {
    const { app } = await exposedCatalog();
    const response = await rawRequest(app.port, "/", { host });
    expect(response.status).toBe(400);
    expect(response.body).toStartWith(`Bad request: Host "${host}" is not valid: ${problem}`);
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });

  test.each(["localhost", "localhost:1234", "app.localhost", "127.0.0.1", "127.0.0.2:99", "[::1]:8080", "192.168.1.20", "LOCALHOST", "localhost.", "127.0.0.1.:80"])(
    "Host %p is served",
    async (host) => {
      const { app } = await exposedCatalog();
      expect((await rawRequest(app.port, "/", { host })).status).toBe(200);
    },
  );

  test("the --host value itself is allowed", async () => {
    const app = await startApp({ output: tree({ "index.html": "catalog" }), host: "localhost" });
    expect((await rawRequest(app.port, "/", { host: `localhost:${app.port}` })).status).toBe(200);
  });

  test("WebSocket upgrades are checked too", async () => {
    const { app } = await exposedCatalog();
    const upgrade = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };
    expect((await rawRequest(app.port, "/__storytime/ws", { ...upgrade, host: "evil.example" })).status).toBe(403);
  });
});

describe("WebSocket origin", () => {
  const upgrade = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };

  test("an upgrade from another site's page is refused", async () => {
    const { app } = await exposedCatalog();
    for (const origin of ["http://evil.example", `http://evil.example:${app.port}`, "null", `http://127.0.0.1:${app.port + 1}`, "file://", `ftp://127.0.0.1:${app.port}`]) {
      expect([origin, (await rawRequest(app.port, "/__storytime/ws", { ...upgrade, origin })).status]).toEqual([origin, 403]);
    }
  });

  test("an upgrade from this server's own pages, under any loopback name, is accepted", async () => {
    const { app } = await exposedCatalog();
    for (const origin of [`http://127.0.0.1:${app.port}`, `http://localhost:${app.port}`, `http://[::1]:${app.port}`]) {
      expect([origin, (await rawRequest(app.port, "/__storytime/ws", { ...upgrade, origin })).status]).toEqual([origin, 101]);
    }
  });

  test("an upgrade Bun accepts under any spelling of its headers is refused from another site's page", async () => {
    const { app } = await exposedCatalog();
    const { upgrade: _, ...handshake } = upgrade;
    // Two Upgrade lines: the object's keys differ only in case, so both are sent.
    const spellings: Array<Record<string, string>> = [{ upgrade: "websocket, foo" }, { upgrade: "foo, websocket" }, { upgrade: "h2c", Upgrade: "websocket" }];
    for (const spelling of spellings) {
      const headers = { ...handshake, ...spelling };
      expect([spelling, (await rawRequest(app.port, "/__storytime/ws", { ...headers, origin: "http://evil.example" })).status]).toEqual([spelling, 403]);
      expect([spelling, (await rawRequest(app.port, "/__storytime/ws", { ...headers, origin: `http://127.0.0.1:${app.port}` })).status]).toEqual([spelling, 101]);
    }
  });

  test("a page opened at a fully qualified name (http://localhost.:PORT/) may connect", async () => {
    const { app } = await exposedCatalog();
    const host = `localhost.:${app.port}`;
    expect((await rawRequest(app.port, "/", { host })).status).toBe(200);
    expect((await rawRequest(app.port, "/__storytime/ws", { ...upgrade, host, origin: `http://${host}` })).status).toBe(101);
  });

  test("an upgrade without Origin (a non-browser client) is accepted", async () => {
    const { app } = await exposedCatalog();
    expect((await rawRequest(app.port, "/__storytime/ws", upgrade)).status).toBe(101);
  });
});

describe("cross-origin reads", () => {
  test("no-cors loads from another site or another port of the same site are refused; same-origin and typed URLs are served", async () => {
    const { app } = await exposedCatalog();
    const load = (site: string) => rawRequest(app.port, "/static/site.css", { "sec-fetch-mode": "no-cors", "sec-fetch-site": site });
    expect((await load("cross-site")).status).toBe(403);
    expect((await load("same-site")).status).toBe(403);
    expect((await load("same-origin")).status).toBe(200);
    expect((await load("none")).status).toBe(200);
  });

  test("the catalog's own loads pass, with CORP same-origin and no CORS headers", async () => {
    const { app } = await exposedCatalog();
    const response = await fetch(url(app, "/static/site.css"), { headers: { "sec-fetch-mode": "no-cors", "sec-fetch-site": "same-origin", origin: "http://evil.example" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect([...response.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });
});

describe("memory a web page can make the server hold", () => {
  testUnless(process.platform === "linux" ? null : "it reads the server's resident memory from /proc")(
    "250 cross-site fetches of one 1 MB page under 250 spellings of its URL hold it once",
    async () => {
      const line = `<p>${"x".repeat(90)}</p>\n`;
      const out = tree({ "big.html": `<html><head></head><body>${line.repeat(Math.floor(1_000_000 / line.length))}</body></html>` });
      const server = await launch(["bun", CLI, "--output", out, "--port", "0"]);
      const residentMB = () => Number(readFileSync(`/proc/${server.proc.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) / 1024;
      expect((await rawRequest(server.port, "/big.html")).status).toBe(200);
      const before = residentMB();
      // What a hostile page can send with fetch(url, {mode: "cors"}): it cannot read the answers, only make them.
      for (let slashes = 1; slashes <= 250; slashes++) {
        const response = await rawRequest(server.port, `${"/".repeat(slashes)}big.html`, { "sec-fetch-mode": "cors", "sec-fetch-site": "cross-site", origin: "http://evil.example" });
        expect(response.status).toBe(200);
      }
      // Keyed by URL, each spelling held its own megabyte: +250 MB. Keyed by file and bounded by bytes: a few MB.
      expect(residentMB() - before).toBeLessThan(64);
    },
    30_000,
  );
});

describe("network exposure", () => {
  testUnless(LAN_ADDRESS ? null : "this machine has no non-loopback IPv4 address to try")("by default it cannot be reached on this machine's other addresses", async () => {
    const app = await startApp({ output: tempDir() });
    expect(app.url).toStartWith("http://127.0.0.1:");
    expect(await fetch(`http://${LAN_ADDRESS}:${app.port}/`).then(() => "reached", () => "refused")).toBe("refused");
  });

  test("a non-loopback --host works and warns that the catalog is on the network", async () => {
    const app = await startApp({ output: tempDir(), host: "0.0.0.0" });
    await app.logs.waitFor(/reachable from the network/, 1_000);
    expect((await fetch(url(app, "/"))).status).toBe(404);
  });
});
