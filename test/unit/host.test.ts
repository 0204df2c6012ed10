import { describe, expect, test } from "bun:test";
import { isIP } from "node:net";
import type { NetworkInterfaceInfo } from "node:os";
import { ipVersion, isExposed, localUrl, networkUrls, resolveHost } from "../../src/host.ts";

const info = (address: string, family: "IPv4" | "IPv6", internal = false) => ({ address, family, internal }) as NetworkInterfaceInfo;

const INTERFACES = {
  lo: [info("127.0.0.1", "IPv4", true), info("::1", "IPv6", true)],
  eth0: [info("192.168.1.20", "IPv4"), info("fe80::1", "IPv6"), info("2001:db8::20", "IPv6")],
  wlan0: [info("10.0.0.5", "IPv4")],
};

describe("URLs", () => {
  test("the local URL: localhost for every interface, brackets for IPv6", () => {
    expect(localUrl("127.0.0.1", 8080)).toBe("http://127.0.0.1:8080/");
    expect(localUrl("0.0.0.0", 8080)).toBe("http://localhost:8080/");
    expect(localUrl("::", 8080)).toBe("http://localhost:8080/");
    expect(localUrl("::1", 8080)).toBe("http://[::1]:8080/");
  });

  test("0.0.0.0 lists this machine's LAN IPv4 addresses, :: the IPv6 ones too, never loopback or link-local", () => {
    expect(networkUrls("0.0.0.0", 8080, INTERFACES)).toEqual(["http://192.168.1.20:8080/", "http://10.0.0.5:8080/"]);
    expect(networkUrls("::", 8080, INTERFACES)).toEqual(["http://192.168.1.20:8080/", "http://[2001:db8::20]:8080/", "http://10.0.0.5:8080/"]);
  });

  test("a specific address lists nothing more", () => {
    expect(networkUrls("127.0.0.1", 8080, INTERFACES)).toEqual([]);
    expect(networkUrls("192.168.1.20", 8080, INTERFACES)).toEqual([]);
  });
});

describe("resolveHost", () => {
  const notFound = () => Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }));
  const never = () => Promise.reject(new Error("looked up"));

  test("a name that does not resolve: one sentence naming it, loopback, this machine's network addresses and 0.0.0.0", async () => {
    await expect(resolveHost("mybox.local", { lookup: notFound, interfaces: INTERFACES })).rejects.toThrow(
      "Cannot listen on --host mybox.local: the name does not resolve; pass --host 127.0.0.1 (this machine only), one of this machine's network addresses (192.168.1.20, 10.0.0.5), or --host 0.0.0.0 (every interface).",
    );
  });

  test("a lookup that hangs is given up after the bound, not the system's DNS timeout", async () => {
    const started = performance.now();
    await expect(resolveHost("slow.example", { lookup: () => new Promise(() => {}), timeoutMs: 50, interfaces: {} })).rejects.toThrow(
      "Cannot listen on --host slow.example: the name did not resolve within 0.05 s; pass --host 127.0.0.1 (this machine only), or --host 0.0.0.0 (every interface).",
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test.each([
    ["127.0.0.1:8080", "--host 127.0.0.1:8080 includes a port; put the port in --port: --host 127.0.0.1 --port 8080."],
    ["localhost:3000", "--host localhost:3000 includes a port; put the port in --port: --host localhost --port 3000."],
    ["[::1]:8080", "--host [::1]:8080 includes a port; put the port in --port: --host ::1 --port 8080."],
  ])("%s, an address with a port, is told to put the port in --port, without a lookup", async (host, message) => {
    await expect(resolveHost(host, { lookup: never })).rejects.toThrow(message);
  });

  test("IP addresses and localhost stand for themselves, unlooked-up; a name for every address it resolves to", async () => {
    for (const host of ["127.0.0.1", "::1", "0.0.0.0", "fe80::1", "localhost"]) expect(await resolveHost(host, { lookup: never })).toEqual([host]);
    expect(await resolveHost("vm", { lookup: () => Promise.resolve(["127.0.0.1"]) })).toEqual(["127.0.0.1"]);
    expect(await resolveHost("mybox.local", { lookup: () => Promise.resolve(["192.168.1.20", "::1"]) })).toEqual(["192.168.1.20", "::1"]);
  });
});

const CASES = [
  "127.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.1.20", "256.1.1.1", "999.1.1.1", "1.2.3", "1.2.3.4.5",
  "01.2.3.4", "1.2.3.04", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "", ".", "localhost", "example.com", "1e1.1.1.1",
  "::", "::1", "[::1]", "fe80::1", "fe80::1%eth0", "fe80::1%", "fe80::1%eth0%x", "::ffff:127.0.0.1", "::ffff:1.2.3",
  "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "gggg::1", ":::", "::1]@evil.example/[",
  "::1/128", "::1#x", "2001:db8::", "2001:DB8::AbCd", ":1", "1:", "0x7f.0.0.1", "127.1",
];

describe("ipVersion", () => {
  test("answers as node:net's isIP does", () => {
    for (const text of CASES) expect([text, ipVersion(text)]).toEqual([text, isIP(text) as 0 | 4 | 6]);
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
