import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { UsageError } from "./errors.ts";
import { ipVersion } from "./ip.ts";

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

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

const LOOKUP_TIMEOUT_MS = 3_000;

/** Loaded when a name must be looked up, which an IP address or localhost never needs. */
const lookUp = async (host: string) => (await (await import("node:dns/promises")).lookup(host, { all: true })).map((found) => found.address);

/**
 * The addresses --host stands for: itself for an IP address or localhost, else what the name
 * resolves to, so that the start-up lines judge where the server is reachable from by address.
 * A name that does not resolve makes Bun's listen fail with ETIMEDOUT after the system's own DNS
 * timeout, or with EINVAL, both with a stack: it is looked up first, for a bounded time, and the
 * error says which addresses would work.
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
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([lookup(host).catch(() => "failed" as const), timedOut]);
  clearTimeout(timer);
  if (Array.isArray(outcome)) return outcome;
  const why = outcome === "timeout" ? `did not resolve within ${timeoutMs / 1000} s` : "does not resolve";
  const own = lanAddresses(interfaces, false);
  const network = own.length ? `, one of this machine's network addresses (${own.join(", ")})` : "";
  throw new UsageError(`Cannot listen on --host ${host}: the name ${why}; pass --host 127.0.0.1 (this machine only)${network}, or --host 0.0.0.0 (every interface).`);
}
