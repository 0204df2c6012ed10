import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { UsageError } from "./errors.ts";
import { settlesWithin } from "./promises.ts";

/*
 * What --host means: whether it is an IP address, the URLs to print for it, what a name resolves
 * to, and whether it reaches beyond this machine (the guard and the start-up warning ask).
 */

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * node:net's `isIP` without node:net: that module brings sockets and streams along, which cost
 * start-up (bench/README.md has the number), for a check of a few characters. Same answers: the
 * tests hold it to node:net's.
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

/** Listening on every interface: the URL to print is localhost's, and the LAN's addresses are listed too. */
function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::";
}

/** The URL to open on this machine. */
export function localUrl(host: string, port: number): string {
  return urlFor(isWildcard(host) ? "localhost" : host, port);
}

/**
 * The URLs other machines use when the server listens on every interface, as Vite prints them:
 * IPv4 for 0.0.0.0, IPv4 and IPv6 for ::. Link-local IPv6 needs a zone a browser cannot take.
 */
export function networkUrls(host: string, port: number, interfaces: Interfaces = networkInterfaces()): string[] {
  if (!isWildcard(host)) return [];
  return lanAddresses(interfaces, host === "::").map((address) => urlFor(address, port));
}

function lanAddresses(interfaces: Interfaces, withIPv6: boolean): string[] {
  return Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((info) => !info.internal && (info.family === "IPv4" || (withIPv6 && !info.address.startsWith("fe80:"))))
    .map((info) => info.address);
}

function urlFor(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}

export const LOOKUP_TIMEOUT_MS = 3_000;

/** Loaded when a name must be looked up, which an IP address or localhost never needs. */
const lookUp = async (host: string) => (await (await import("node:dns/promises")).lookup(host, { all: true })).map((found) => found.address);

/**
 * The addresses --host stands for: itself for an IP address or localhost, else what the name
 * resolves to, so that the start-up lines judge where the server is reachable from by address.
 * A name that does not resolve makes Bun 1.4.5's listen fail with ETIMEDOUT after the system's own
 * DNS timeout, or with EINVAL, both with a stack (https://github.com/oven-sh/bun/pull/37690): it is
 * looked up first, for a bounded time, and the error says which addresses would work.
 */
export async function resolveHost(
  host: string,
  { lookup = lookUp, timeoutMs = LOOKUP_TIMEOUT_MS, interfaces = networkInterfaces() }: { lookup?: (host: string) => Promise<string[]>; timeoutMs?: number; interfaces?: Interfaces } = {},
): Promise<string[]> {
  if (ipVersion(host) || host === "localhost") return [host];
  const withPort = /^(?:\[(.+)\]|([^:]+)):(\d+)$/.exec(host);
  if (withPort) {
    throw new UsageError(`--host ${host} includes a port; put the port in --port: --host ${withPort[1] ?? withPort[2]} --port ${withPort[3]}.`);
  }
  const found = lookup(host).catch(() => "failed" as const);
  const outcome = (await settlesWithin(found, timeoutMs)) ? await found : "timeout";
  if (Array.isArray(outcome)) return outcome;
  const why = outcome === "timeout" ? `did not resolve within ${timeoutMs / 1000} s` : "does not resolve";
  const own = lanAddresses(interfaces, false);
  const network = own.length ? `, one of this machine's network addresses (${own.join(", ")})` : "";
  throw new UsageError(`Cannot listen on --host ${host}: the name ${why}; pass --host 127.0.0.1 (this machine only)${network}, or --host 0.0.0.0 (every interface).`);
}

/** A name or address of this machine only: localhost and its subdomains, 127.0.0.0/8, ::1. `hostname` is lowercase, IPv6 without brackets. */
export function isLoopbackName(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname.endsWith(".localhost") ||
    hostname === "::1" ||
    (ipVersion(hostname) === 4 && hostname.startsWith("127."))
  );
}

/** True when `host` makes the server reachable from other machines. */
export function isExposed(host: string): boolean {
  return !isLoopbackName(host.toLowerCase());
}
