import { ipVersion, isLoopbackName } from "../host.ts";
import { SECURITY_HEADERS } from "./headers.ts";

/**
 * Every check that stands between a hostile web page and the files on this machine, in one
 * place. A dev server is reached by the user's own browser, which also runs every other site
 * the user visits: those sites must not read the catalog through DNS rebinding (Host), a
 * cross-site WebSocket (Origin), or a cross-site <script>/<img> load (Sec-Fetch-*).
 */
interface Guard {
  /** A 400 (malformed Host) or 403 for a request that must not be answered, or null to let it through. */
  refuse(request: Request): Response | null;
  /**
   * A 403 for a request on the WebSocket path from a page of another origin. Asked of every request
   * on that path, whatever its Upgrade headers: Bun 1.4.5 upgrades on more spellings of them
   * (`websocket, foo`, two Upgrade lines; checked by the test "an upgrade Bun accepts under any
   * spelling of its headers is refused from another site's page") than a check of the header
   * could keep up with.
   */
  refuseSocket(request: Request): Response | null;
}

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
        if ("problem" in parsed) return refusal(400, `Host "${host}" is not valid: ${parsed.problem}.`);
        if (!hostAllowed(parsed.hostname)) {
          return refusal(
            403,
            `Host "${host}" is not allowed: storytime-reload answers only to localhost, IP addresses and its --host, which stops DNS rebinding.`,
          );
        }
      }
      // As Vite does for scripts, for every kind of no-cors load (XSSI: a page on another port of
      // localhost is same-site, not same-origin, and could run or embed what it loads; see
      // https://github.com/webpack/webpack-dev-server/security/advisories/GHSA-4v9v-hfq4-rm2v):
      // the catalog's own pages load it same-origin, and a typed URL or bookmark says "none".
      const fetchSite = request.headers.get("sec-fetch-site");
      if (request.headers.get("sec-fetch-mode") === "no-cors" && fetchSite !== null && fetchSite !== "same-origin" && fetchSite !== "none") {
        return refusal(403, "Loads of the catalog from other sites are refused: only its own pages may load its files.");
      }
      return null;
    },

    refuseSocket(request) {
      const origin = request.headers.get("origin");
      if (origin === null || sameOrigin(origin, request.headers.get("host"))) return null;
      return refusal(403, `WebSocket from origin "${origin}" refused: only pages served by this server may connect.`);
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
  if ("problem" in target) return false;
  const fromPort = from.port || (from.protocol === "https:" ? "443" : "80");
  const targetPort = target.port || "80";
  if (fromPort !== targetPort) return false;
  const fromHost = normalHostname(from.hostname);
  return fromHost === target.hostname || (isLoopbackName(fromHost) && isLoopbackName(target.hostname));
}

/**
 * Splits a Host header into a normal hostname and a port, or says what is wrong with it: only
 * names of letters, digits, "-", "_" and "." and bracketed IPv6 addresses are taken, so nothing
 * that would change the meaning of the URL built from it ("?", "#", "@", "/") passes.
 */
function parseHost(host: string): { hostname: string; port: string } | { problem: string } {
  const match = /^(?:(\[[0-9a-f:.]+\])|([a-z0-9_-][a-z0-9_.-]*))(?::(\d*))?$/i.exec(host.trim());
  if (!match) return { problem: 'a host is a name of letters, digits, "-", "_" and ".", or an IP address, with an optional :port' };
  const port = match[3] ?? "";
  if (Number(port) > 65535) return { problem: `port ${port} is above 65535` };
  return { hostname: normalHostname(match[1] ?? match[2]!), port };
}

/** Lowercase, IPv6 without brackets, and without the trailing dot of a fully qualified name ("localhost." is localhost). */
function normalHostname(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase().replace(/\.$/, "");
}

function refusal(status: 400 | 403, reason: string): Response {
  return new Response(`${status === 400 ? "Bad request" : "Forbidden"}: ${reason}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS },
  });
}
