import { describe, expect, test } from "bun:test";
import { SECURITY_HEADERS, createGuard, isExposed } from "../src/guard.ts";

const request = (headers: Record<string, string>) => new Request("http://127.0.0.1:8080/", { headers });

describe("createGuard", () => {
  const guard = createGuard("127.0.0.1");

  test.each([["127.0.0.1:8080"], ["localhost:8080"], ["LOCALHOST."], ["app.localhost"], ["[::1]:8080"], ["192.168.1.20:8080"]])("Host %p is let through", (host) => {
    expect(guard.refuse(request({ host }))).toBeNull();
  });

  test.each([["evil.example"], ["evil.example:8080"], ["localhost.evil.example"], ["a b"], ["[::1"]])("Host %p is refused with a reason", async (host) => {
    const refusal = guard.refuse(request({ host }));
    expect(refusal?.status).toBe(403);
    expect(await refusal!.text()).toContain("DNS rebinding");
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(refusal!.headers.get(name)).toBe(value);
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

  test.each([["http://127.0.0.1:8080"], ["http://localhost:8080"], ["http://[::1]:8080"]])("a WebSocket from %p, this server under a loopback name, is let through", (origin) => {
    expect(guard.refuse(upgrade(origin))).toBeNull();
  });

  test.each([["http://evil.example:8080"], ["http://127.0.0.1:9999"], ["https://127.0.0.1"], ["null"], ["file://"]])("a WebSocket from %p is refused", (origin) => {
    expect(guard.refuse(upgrade(origin))?.status).toBe(403);
  });

  test("a WebSocket without Origin (a script, not a page) is let through", () => {
    expect(guard.refuse(request({ host: "127.0.0.1:8080", upgrade: "websocket" }))).toBeNull();
  });
});

describe("isExposed", () => {
  test.each([["127.0.0.1", false], ["127.4.5.6", false], ["localhost", false], ["::1", false], ["0.0.0.0", true], ["::", true], ["192.168.1.20", true], ["mybox.local", true]])(
    "%p: %p",
    (host, exposed) => {
      expect(isExposed(host)).toBe(exposed);
    },
  );
});
