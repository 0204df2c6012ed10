/**
 * node:net's `isIP` without node:net: loading that module costs 4-5 ms of start-up (it brings
 * sockets and streams along), for a check of a few characters. Same answers, test/ip.test.ts
 * holds it to node:net's.
 */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  const [address = "", zone, extra] = text.split("%");
  if (extra !== undefined || (zone !== undefined && !ZONE.test(zone))) return 0;
  // The character check comes first: it keeps "]", "@" and "/" away from the URL parser, which
  // would otherwise read "::1]@evil.example/[" as a user name before a host.
  return IPV6_CHARS.test(address) && URL.canParse(`http://[${address}]/`) ? 6 : 0;
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const IPV6_CHARS = /^[\da-f:.]*:[\da-f:.]*$/i;
const ZONE = /^[\da-z.:-]+$/i;
