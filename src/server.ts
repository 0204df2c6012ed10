import type { Server, ServerWebSocket } from "bun";
import type { OutputChanges } from "./changes.ts";
import { clientScript, clientTag, clientUrl } from "./client.ts";
import { SECURITY_HEADERS, createGuard } from "./guard.ts";
import { injectClient } from "./inject.ts";
import { CLIENT_PATH, INTERNAL_PREFIX, RELOAD_MESSAGE, RELOAD_TOPIC, SOCKET_PATH } from "./protocol.ts";
import { resolveRequestPath } from "./static.ts";

export interface ServerConfig {
  root: string;
  host: string;
  port: number;
  changes: OutputChanges;
}

interface SocketData {
  /** The change counter stamped into the page that opened this socket, if it sent one. */
  version: string | null;
}

export type ReloadServer = Server<SocketData>;

const HTML_TYPE = "text/html; charset=utf-8";
const NO_CACHE = "no-cache";

export function startServer({ root, host, port, changes }: ServerConfig): ReloadServer {
  async function servePage({ pathname, search }: URL): Promise<Response> {
    // Wait before resolving: mid-build the page may be missing or half written.
    const settled = changes.settled();
    if (settled) await settled;
    // Stamp before reading: a write after this point moves the counter past the stamp.
    const version = changes.version;
    const found = await resolveRequestPath(root, pathname);
    if (found.kind !== "file") return answer(found, pathname, search, version);
    try {
      const html = injectClient(await Bun.file(found.path).arrayBuffer(), clientTag(version));
      return new Response(html, { headers: { "content-type": HTML_TYPE, "cache-control": NO_CACHE } });
    } catch {
      return notFound(pathname, version);
    }
  }

  async function serveAsset(request: Request, url: URL): Promise<Response> {
    const found = await resolveRequestPath(root, url.pathname);
    if (found.kind !== "file") return answer(found, url.pathname, url.search, changes.version);
    if (isHtml(found.path)) return servePage(url);
    const etag = `W/"${found.size.toString(36)}-${found.mtimeMs.toString(36)}"`;
    const headers = { etag, "cache-control": NO_CACHE };
    if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
    return new Response(Bun.file(found.path), { headers });
  }

  async function respond(request: Request, url: URL): Promise<Response> {
    if (url.pathname.startsWith(INTERNAL_PREFIX)) return internal(url);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    return looksLikePage(url.pathname) ? servePage(url) : serveAsset(request, url);
  }

  const guard = createGuard(host);
  return Bun.serve<SocketData>({
    hostname: host,
    port,
    async fetch(request, server) {
      // Checked before the URL is parsed: a hostile Host header would otherwise become its host.
      const refusal = guard.refuse(request);
      if (refusal) return refusal;
      const url = URL.parse(request.url);
      if (!url) return new Response("Bad request\n", { status: 400 });
      if (url.pathname === SOCKET_PATH && server.upgrade(request, { data: { version: url.searchParams.get("v") } })) {
        return undefined;
      }
      const response = await respond(request, url);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
      return response;
    },
    websocket: {
      open(socket: ServerWebSocket<SocketData>) {
        // Subscribe before comparing, so no change can fall between the two.
        socket.subscribe(RELOAD_TOPIC);
        const { version } = socket.data;
        if (version !== null && version !== String(changes.version)) socket.send(RELOAD_MESSAGE);
      },
      message() {},
    },
    error() {
      return new Response("Internal error\n", { status: 500 });
    },
  });
}

function internal(url: URL): Response {
  if (url.pathname === SOCKET_PATH) {
    return new Response("Expected a WebSocket upgrade\n", { status: 426, headers: { upgrade: "websocket" } });
  }
  if (url.pathname === CLIENT_PATH) {
    const pinned = url.pathname + url.search === clientUrl;
    return new Response(clientScript, {
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": pinned ? "public, max-age=31536000, immutable" : NO_CACHE,
      },
    });
  }
  return new Response("Not found\n", { status: 404 });
}

function answer(
  found: { kind: "redirect"; location: string } | { kind: "missing" } | { kind: "malformed" },
  pathname: string,
  search: string,
  version: number,
): Response {
  if (found.kind === "redirect") return new Response(null, { status: 302, headers: { location: found.location + search } });
  if (found.kind === "malformed") return new Response("Malformed URL encoding\n", { status: 400 });
  return notFound(pathname, version);
}

/** Carries the client, so a tab showing it reloads once the page appears. */
function notFound(pathname: string, version: number): Response {
  const page =
    `<!doctype html><html><head><meta charset="utf-8"><title>Not found</title></head>` +
    `<body><h1>Not found</h1><p>Nothing at <code>${escapeHtml(pathname)}</code> in the output directory yet. ` +
    `This tab reloads when the catalog changes.</p></body></html>`;
  const html = injectClient(new TextEncoder().encode(page).buffer as ArrayBuffer, clientTag(version));
  return new Response(html, { status: 404, headers: { "content-type": HTML_TYPE, "cache-control": NO_CACHE } });
}

/** Directory URLs and .html files are pages; a name with any other extension is an asset. */
function looksLikePage(pathname: string): boolean {
  const name = pathname.slice(pathname.lastIndexOf("/") + 1);
  return !name.includes(".") || isHtml(name);
}

function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
