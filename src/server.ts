import type { Server, ServerWebSocket } from "bun";
import type { OutputChanges } from "./changes.ts";
import { clientScript, clientTag, clientUrl } from "./client.ts";
import { SECURITY_HEADERS, createGuard } from "./guard.ts";
import { pageEncoding, PRESCAN_BYTES, type PageEncoding } from "./charset.ts";
import { isCode } from "./errors.ts";
import { fileStream } from "./file-stream.ts";
import { injectClient, injectClientStreaming, injectClientUtf16 } from "./inject.ts";
import { log } from "./log.ts";
import { CLIENT_PATH, INTERNAL_PREFIX, RELOAD_MESSAGE, RELOAD_TOPIC, SOCKET_PATH } from "./protocol.ts";
import { resolveRequestPath, type Resolution } from "./static.ts";

export interface ServerConfig {
  root: string;
  host: string;
  port: number;
  changes: OutputChanges;
  /** Told when a page's socket connects, and when a page closes it to reload: the reload log counts pages still reloading. */
  pages?: { pageConnected(): void; pageReloading(): void };
}

interface SocketData {
  /** The change counter stamped into the page that opened this socket, if it sent one. */
  version: string | null;
}

export type ReloadServer = Server<SocketData>;
type FoundFile = Extract<Resolution, { kind: "file" }>;

const HTML_TYPE = "text/html; charset=utf-8";
/** Larger pages are injected as they stream and larger assets streamed, so one big file never holds the rest. */
const STREAM_ABOVE_BYTES = 1024 * 1024;
const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);
const NO_CACHE = "no-cache";

/**
 * How long a page request waits for a missing page to be written, if the output changed just
 * before: a clean build empties the output first and may think for a while before it writes.
 */
const MISSING_PAGE_GRACE_MS = 1_000;

export function startServer({ root, host, port, changes, pages: pageEvents }: ServerConfig): ReloadServer {
  const pages = new PageCache(changes);

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
    if (page) {
      await settled(request);
      const cached = pages.get(pathname);
      if (cached) return cached;
    }
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
    return isHtml(found.path) ? servePage(found, pathname, version) : await serveAsset(request, found);
  }

  async function servePage(found: FoundFile, pathname: string, version: number): Promise<Response> {
    const file = Bun.file(found.path);
    const tag = clientTag(version);
    try {
      if (found.size > STREAM_ABOVE_BYTES) {
        const encoding = pageEncoding(new Uint8Array(await file.slice(0, PRESCAN_BYTES).arrayBuffer()));
        if (encoding.kind === "ascii-compatible") {
          return new Response(injectClientStreaming(new Response(await fileStream(found.path)), tag), { headers: pageHeaders(encoding) });
        }
      }
      const html = await file.arrayBuffer();
      const encoding = pageEncoding(new Uint8Array(html, 0, Math.min(html.byteLength, PRESCAN_BYTES)));
      const body = encoding.kind === "ascii-compatible" ? injectClient(html, tag) : injectClientUtf16(html, tag, encoding.kind === "utf-16be");
      const headers = pageHeaders(encoding);
      pages.set(pathname, version, body, headers);
      return new Response(body, { headers });
    } catch (error) {
      // Deleted between the stat and the read: as missing as it looks.
      if (isCode(error, "ENOENT")) return notFound(pathname, version);
      return unreadable(found.path, error);
    }
  }

  async function serveAsset(request: Request, found: FoundFile): Promise<Response> {
    // The inode and ctime change on every write, even one that keeps the size and sets the mtime back (Nix, touch -d).
    const etag = `W/"${[found.size, found.mtimeMs, found.ctimeMs, found.ino].map((n) => Math.trunc(n).toString(36)).join("-")}"`;
    const file = Bun.file(found.path);
    const headers = { etag, "cache-control": NO_CACHE, "content-type": file.type };
    if (matchesEtag(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
    // Byte ranges (video seeking) are Bun's to answer from the file.
    if (request.headers.has("range")) return new Response(file, { headers: { etag, "cache-control": NO_CACHE } });
    try {
      // Read, not sent from the file: a file truncated while the kernel sends it would leave the
      // response short of its announced length, and the browser waiting, until the idle timeout.
      if (found.size <= STREAM_ABOVE_BYTES) return new Response(await file.bytes(), { headers });
      return new Response(await fileStream(found.path), { headers });
    } catch (error) {
      if (isCode(error, "ENOENT")) return new Response("Not found\n", { status: 404 });
      return unreadable(found.path, error);
    }
  }

  async function respond(request: Request, url: URL): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    if (url.pathname.startsWith(INTERNAL_PREFIX)) return internal(url);
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
      const url = request.headers.has("host") ? URL.parse(request.url) : null;
      if (!url) return secured(new Response("Bad request: a Host header is required\n", { status: 400 }));
      if (url.pathname === SOCKET_PATH && request.method === "GET" && server.upgrade(request, { data: { version: url.searchParams.get("v") } })) {
        return undefined;
      }
      return secured(await respond(request, url));
    },
    websocket: {
      open(socket: ServerWebSocket<SocketData>) {
        // Subscribe before comparing, so no change can fall between the two.
        socket.subscribe(RELOAD_TOPIC);
        const { version } = socket.data;
        if (version !== null && version !== String(changes.version)) socket.send(RELOAD_MESSAGE);
        pageEvents?.pageConnected();
      },
      message() {},
      // The client closes its socket only to reload, without a code (1005); a browser leaving a page sends 1001.
      close(_socket, code) {
        if (code === 1005) pageEvents?.pageReloading();
      },
    },
    error(error) {
      log.error(`Could not answer a request: ${error.message}`);
      return secured(new Response("Internal error\n", { status: 500 }));
    },
  });
  return server;
}

function secured(response: Response): Response {
  for (const [name, value] of SECURITY_HEADER_ENTRIES) response.headers.set(name, value);
  return response;
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

/**
 * Pages as last served, reused while the output counter has not moved: every change in the output
 * moves it, so a page is never reused past an edit the server has heard of, and one served just
 * before an edit carries the old counter, which makes the tab reload as it always did. Small
 * pages only, and a bounded number of them.
 */
class PageCache {
  private readonly entries = new Map<string, { version: number; body: ArrayBuffer | Uint8Array<ArrayBuffer>; headers: Record<string, string> }>();
  private static readonly MAX_ENTRIES = 200;

  constructor(private readonly changes: OutputChanges) {}

  get(pathname: string): Response | null {
    const entry = this.entries.get(pathname);
    if (!entry) return null;
    if (entry.version !== this.changes.version) {
      this.entries.delete(pathname);
      return null;
    }
    return new Response(entry.body, { headers: entry.headers });
  }

  set(pathname: string, version: number, body: ArrayBuffer | Uint8Array<ArrayBuffer>, headers: Record<string, string>): void {
    if (version !== this.changes.version) return;
    if (this.entries.size >= PageCache.MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(pathname, { version, body, headers });
  }
}

function pageHeaders(encoding: PageEncoding): Record<string, string> {
  return { "content-type": `text/html; charset=${encoding.charset}`, "cache-control": NO_CACHE };
}

/** Refused as nginx does: 403 when permission is the reason, 500 otherwise; the cause is logged once, here. */
function unreadable(path: string, error: unknown): Response {
  const denied = isCode(error, "EACCES") || isCode(error, "EPERM");
  log.error(`Cannot read ${path}: ${(error as Error).message ?? error}${denied ? "; fix its permissions" : ""}`);
  return denied ? new Response("Forbidden\n", { status: 403 }) : new Response("Internal error\n", { status: 500 });
}

/** RFC 9110 13.1.2: a list of tags, compared weakly, or `*` for any current file. */
function matchesEtag(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag.replace(/^W\//, "") === bare;
  });
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
