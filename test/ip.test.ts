import { describe, expect, test } from "bun:test";
import { isIP } from "node:net";
import { ipVersion } from "../src/host.ts";

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
