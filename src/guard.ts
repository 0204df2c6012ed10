import { ipVersion } from "./ip.ts";

/**
 * Every check that stands between a hostile web page and the files on this machine, in one
 * place. A dev server is reached by the user's own browser, which also runs every other site
 * the user visits: those sites must not read the catalog through DNS rebinding (Host), a
 * cross-site WebSocket (Origin), or a cross-site <script>/<img> load (Sec-Fetch-*).
 */
export interface Guard {
  /** A 403 for a request that must not be answered, or null to let it through. */
  refuse(request: Request): Response | null;
}

/** Headers added to every response: nothing is readable or embeddable cross-origin. */
export const SECURITY_HEADERS = {
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
} as const;

export function createGuard(listenHost: string): Guard {
  const allowedHost = listenHost.toLowerCase();

  function hostAllowed(hostname: string): boolean {
    return hostname === allowedHost || isLoopbackName(hostname) || ipVersion(hostname) !== 0;
  }

  return {
    refuse(request) {
      const host = request.headers.get("host");
      if (host !== null) {
        const parsed = parseHost(host);
        if (!parsed || !hostAllowed(parsed.hostname)) {
          return forbidden(
            `Host "${host}" is not allowed: storytime-reload answers only to localhost, IP addresses and its --host, which stops DNS rebinding.`,
          );
        }
      }
      // As Vite does for scripts (XSSI: a page on another port of localhost is same-site, not
      // same-origin, and could run or embed what it loads), for every kind of no-cors load: the
      // catalog's own pages load it same-origin, and a typed URL or bookmark says "none".
      const fetchSite = request.headers.get("sec-fetch-site");
      if (request.headers.get("sec-fetch-mode") === "no-cors" && fetchSite !== null && fetchSite !== "same-origin" && fetchSite !== "none") {
        return forbidden("Loads of the catalog from other sites are refused: only its own pages may load its files.");
      }
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        const origin = request.headers.get("origin");
        if (origin !== null && !sameOrigin(origin, host)) {
          return forbidden(`WebSocket from origin "${origin}" refused: only pages served by this server may connect.`);
        }
      }
      return null;
    },
  };
}

/**
 * Same origin as the server, where every loopback name (localhost, 127.0.0.1, [::1]) counts as
 * one. Browsers always send Host, so an Origin without one is forged and refused.
 */
function sameOrigin(origin: string, host: string | null): boolean {
  if (host === null) return false;
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return false;
  }
  if (from.protocol !== "http:" && from.protocol !== "https:") return false;
  const target = parseHost(host);
  if (!target) return false;
  const fromPort = from.port || (from.protocol === "https:" ? "443" : "80");
  const targetPort = target.port || "80";
  if (fromPort !== targetPort) return false;
  const fromHost = from.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return fromHost === target.hostname || (isLoopbackName(fromHost) && isLoopbackName(target.hostname));
}

/** Splits a Host header into a lowercase hostname (IPv6 without brackets) and a port, or null if malformed. */
function parseHost(host: string): { hostname: string; port: string } | null {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s/]+))(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!match) return null;
  // "localhost." is the same name, fully qualified.
  return { hostname: (match[1] ?? match[2]!).toLowerCase().replace(/\.$/, ""), port: match[3] ?? "" };
}

function isLoopbackName(hostname: string): boolean {
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

function forbidden(reason: string): Response {
  return new Response(`Forbidden: ${reason}\n`, {
    status: 403,
    headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS },
  });
}
