import type { Server, ServerWebSocket } from "bun";
import type { OutputChanges } from "./changes.ts";
import { clientScript, clientTag, clientUrl } from "./client.ts";
import { SECURITY_HEADERS, createGuard } from "./guard.ts";
import { injectClient } from "./inject.ts";
import { log } from "./log.ts";
import { CLIENT_PATH, INTERNAL_PREFIX, RELOAD_MESSAGE, RELOAD_TOPIC, SOCKET_PATH } from "./protocol.ts";
import { resolveRequestPath, type Resolution } from "./static.ts";

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
type FoundFile = Extract<Resolution, { kind: "file" }>;

const HTML_TYPE = "text/html; charset=utf-8";
const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);
const NO_CACHE = "no-cache";

/**
 * How long a page request waits for a missing page to be written, if the output changed just
 * before: a clean build empties the output first and may think for a while before it writes.
 */
const MISSING_PAGE_GRACE_MS = 1_000;

export function startServer({ root, host, port, changes }: ServerConfig): ReloadServer {
  /** Pages wait for the gate before they are resolved: mid-build they may be missing or half written. */
  async function settled(request: Request): Promise<void> {
    const wait = changes.settled();
    if (!wait) return;
    // A build may take minutes; Bun's idle timeout (10 s) would otherwise drop the held request.
    server.timeout(request, 0);
    if (!(await wait) && !request.signal.aborted) {
      log.warn(`A page waited ${changes.limits.maxBuildWaitMs / 1000} s for the build and is served as the output stands; it reloads when the build writes.`);
    }
  }

  async function serve(request: Request, { pathname, search }: URL): Promise<Response> {
    const page = looksLikePage(pathname);
    if (page) await settled(request);
    // Stamp before reading: a write after this point moves the counter past the stamp.
    let version = changes.version;
    let found = await resolveRequestPath(root, pathname);
    const until = performance.now() + MISSING_PAGE_GRACE_MS;
    while (page && found.kind === "missing" && changes.msSinceChange() < MISSING_PAGE_GRACE_MS) {
      const left = until - performance.now();
      if (left <= 0 || !(await changes.nextChange(left))) break;
      await settled(request);
      version = changes.version;
      found = await resolveRequestPath(root, pathname);
    }
    if (found.kind === "redirect") return new Response(null, { status: 302, headers: { location: found.location + search } });
    if (found.kind === "malformed") return new Response("Malformed URL encoding\n", { status: 400 });
    if (found.kind === "missing") return notFound(pathname, version);
    // Decided by the file found, not the URL: /LICENSE is not a page, whatever its name suggests.
    return isHtml(found.path) ? servePage(found, pathname, version) : serveAsset(request, found);
  }

  async function servePage(found: FoundFile, pathname: string, version: number): Promise<Response> {
    try {
      const html = injectClient(await Bun.file(found.path).arrayBuffer(), clientTag(version));
      return new Response(html, { headers: { "content-type": HTML_TYPE, "cache-control": NO_CACHE } });
    } catch {
      return notFound(pathname, version);
    }
  }

  function serveAsset(request: Request, found: FoundFile): Response {
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
    return serve(request, url);
  }

  const guard = createGuard(host);
  const server: ReloadServer = Bun.serve<SocketData>({
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
      for (const [name, value] of SECURITY_HEADER_ENTRIES) response.headers.set(name, value);
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
  return server;
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

/** Carries the client, so a tab showing it reloads once the page appears. */
function notFound(pathname: string, version: number): Response {
  const page =
    `<!doctype html><html><head><meta charset="utf-8"><title>Not found</title></head>` +
    `<body><h1>Not found</h1><p>Nothing at <code>${escapeHtml(pathname)}</code> in the output directory yet. ` +
    `This tab reloads when the catalog changes.</p></body></html>`;
  const html = injectClient(new TextEncoder().encode(page).buffer as ArrayBuffer, clientTag(version));
  return new Response(html, { status: 404, headers: { "content-type": HTML_TYPE, "cache-control": NO_CACHE } });
}

/** Directory URLs and .html names may be pages, so they wait for the gate; other names are served at once. */
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
