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
const lookUp = async (host: string) => (await import("node:dns/promises")).lookup(host);

/**
 * A --host name that does not resolve makes Bun's listen fail with ETIMEDOUT after the system's
 * own DNS timeout, or with EINVAL, both with a stack: look it up first, for a bounded time, and
 * say which addresses would work.
 */
export async function assertResolvable(
  host: string,
  { lookup = lookUp, timeoutMs = LOOKUP_TIMEOUT_MS, interfaces = networkInterfaces() }: { lookup?: (host: string) => Promise<unknown>; timeoutMs?: number; interfaces?: Interfaces } = {},
): Promise<void> {
  if (ipVersion(host) || host === "localhost") return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([lookup(host).then(() => "ok" as const, () => "failed" as const), timedOut]);
  clearTimeout(timer);
  if (outcome === "ok") return;
  const why = outcome === "timeout" ? `did not resolve within ${timeoutMs / 1000} s` : "does not resolve";
  const own = lanAddresses(interfaces, false);
  const instead = own.length ? `one of this machine's addresses (${own.join(", ")})` : "127.0.0.1";
  throw new UsageError(`Cannot listen on --host ${host}: the name ${why}; pass ${instead}, or --host 0.0.0.0 for every interface.`);
}
