import { describe, expect, test } from "bun:test";
import { createGuard } from "../../../src/http/guard.ts";
import { SECURITY_HEADERS } from "../../../src/http/headers.ts";

const request = (headers: Record<string, string>) => new Request("http://127.0.0.1:8080/", { headers });

describe("createGuard", () => {
  const guard = createGuard("127.0.0.1");

  test.each([["127.0.0.1:8080"], ["localhost:8080"], ["LOCALHOST."], ["app.localhost"], ["[::1]:8080"], ["192.168.1.20:8080"]])("Host %p is let through", (host) => {
    expect(guard.refuse(request({ host }))).toBeNull();
  });

  test.each([["evil.example"], ["evil.example:8080"], ["localhost.evil.example"]])("Host %p is refused with a reason", async (host) => {
    const refusal = guard.refuse(request({ host }));
    expect(refusal?.status).toBe(403);
    expect(await refusal!.text()).toContain("DNS rebinding");
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(refusal!.headers.get(name)).toBe(value);
  });

  test.each([
    ["localhost:99999", "port 99999 is above 65535"],
    ["evil.com?.localhost", "a host is a name of letters"],
    ["evil.com#.localhost", "a host is a name of letters"],
    ["a@b.localhost", "a host is a name of letters"],
    ["a b", "a host is a name of letters"],
    ["[::1", "a host is a name of letters"],
    ["", "a host is a name of letters"],
  ])("a malformed Host %p is a 400 that says what is wrong with it", async (host, problem) => {
    const refusal = guard.refuse(request({ host }));
    expect(refusal?.status).toBe(400);
    expect(await refusal!.text()).toStartWith(`Bad request: Host "${host}" is not valid: ${problem}`);
  });

  test("the --host name itself is allowed, whatever its case", () => {
    expect(createGuard("MyBox.local").refuse(request({ host: "mybox.local:8080" }))).toBeNull();
  });

  test("a cross-site no-cors load is refused; same-site and navigations are not", () => {
    expect(guard.refuse(request({ host: "127.0.0.1:8080", "sec-fetch-mode": "no-cors", "sec-fetch-site": "cross-site" }))?.status).toBe(403);
    expect(guard.refuse(request({ host: "127.0.0.1:8080", "sec-fetch-mode": "no-cors", "sec-fetch-site": "same-origin" }))).toBeNull();
    expect(guard.refuse(request({ host: "127.0.0.1:8080", "sec-fetch-mode": "navigate", "sec-fetch-site": "cross-site" }))).toBeNull();
  });

  const upgrade = (origin: string, host = "127.0.0.1:8080") => request({ host, upgrade: "websocket", origin });

  test.each([["http://127.0.0.1:8080"], ["http://localhost:8080"], ["http://[::1]:8080"], ["http://localhost.:8080"], ["http://LOCALHOST.:8080"]])(
    "a WebSocket from %p, this server under a loopback name, is let through",
    (origin) => {
      expect(guard.refuseSocket(upgrade(origin))).toBeNull();
    },
  );

  test("a page at a fully qualified name (trailing dot) may connect to its own server", () => {
    expect(createGuard("mybox.local").refuseSocket(upgrade("http://mybox.local.:8080", "mybox.local.:8080"))).toBeNull();
  });

  test.each([["http://evil.example:8080"], ["http://127.0.0.1:9999"], ["https://127.0.0.1"], ["null"], ["file://"], ["http://evil.example.:8080"]])("a WebSocket from %p is refused", (origin) => {
    expect(guard.refuseSocket(upgrade(origin))?.status).toBe(403);
  });

  test("the socket path's origin check does not depend on the Upgrade header", () => {
    for (const upgradeHeader of ["websocket, foo", "foo, websocket", "WebSocket", "h2c"]) {
      expect([upgradeHeader, guard.refuseSocket(request({ host: "127.0.0.1:8080", upgrade: upgradeHeader, origin: "http://evil.example" }))?.status]).toEqual([upgradeHeader, 403]);
    }
    expect(guard.refuseSocket(request({ host: "127.0.0.1:8080", origin: "http://evil.example" }))?.status).toBe(403);
  });

  test("a WebSocket without Origin (a script, not a page) is let through", () => {
    expect(guard.refuseSocket(request({ host: "127.0.0.1:8080", upgrade: "websocket" }))).toBeNull();
  });
});
