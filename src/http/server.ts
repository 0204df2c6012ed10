import { basename, isAbsolute } from "node:path";
import type { Server, ServerWebSocket } from "bun";
import type { OutputChanges } from "./gate.ts";
import { clientScript, clientTag, clientUrl } from "./client-script.ts";
import { isExposed } from "../host.ts";
import { createGuard } from "./guard.ts";
import { SECURITY_HEADERS } from "./headers.ts";
import { pageEncoding, PRESCAN_BYTES, type PageEncoding } from "./charset.ts";
import { isCode } from "../errors.ts";
import { fileStream, openRegular, readBytes, type OpenFile } from "./file-stream.ts";
import { injectClient, injectClientStreaming, injectClientUtf16 } from "./inject.ts";
import { log } from "../terminal/log.ts";
import { PageCache, type CachedPage } from "./page-cache.ts";
import { displayPath } from "../paths.ts";
import { CLIENT_PATH, INTERNAL_PREFIX, RELOAD_MESSAGE, RELOAD_TOPIC, SOCKET_PATH } from "./protocol.ts";
import { requestedRange, type ByteRange } from "./range.ts";
import { resolveRequestPath } from "./resolve.ts";

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

const HTML_TYPE = "text/html; charset=utf-8";
/** Larger pages are injected as they stream and larger assets streamed, so one big file never holds the rest. */
const STREAM_ABOVE_BYTES = 1024 * 1024;
const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);
const NO_CACHE = "no-cache";
/** Room for the pages of a few open tabs: a catalog's pages weigh tens of kilobytes. */
const PAGE_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * How long a page request waits for a missing page to be written, if the output changed just
 * before: a clean build empties the output first and may think for a while before it writes.
 */
const MISSING_PAGE_GRACE_MS = 1_000;

export function startServer({ root, host, port, changes, pages: pageEvents }: ServerConfig): ReloadServer {
  const pages = new PageCache(changes, PAGE_CACHE_BYTES);
  const outputShown = outputName(root, host);

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
      const kept = pages.byUrl(pathname);
      if (kept) return fromMemory(request, kept);
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
    if (found.kind === "missing") return notFound(pathname, outputShown, version);
    // Decided by the file found, not the URL: /LICENSE is not a page, whatever its name suggests.
    return isHtml(found.path) ? servePage(request, found.path, pathname, version) : serveAsset(request, found.path);
  }

  async function servePage(request: Request, path: string, pathname: string, version: number): Promise<Response> {
    const kept = pages.byFile(pathname, path);
    if (kept) return fromMemory(request, kept);
    const file = await openToServe(path);
    if (file === "missing") return notFound(pathname, outputShown, version);
    if (file instanceof Response) return file;
    const { handle, stats } = file;
    const tag = clientTag(version);
    let streaming = false;
    try {
      if (stats.size > STREAM_ABOVE_BYTES) {
        const encoding = pageEncoding(await readBytes(handle, 0, PRESCAN_BYTES));
        if (encoding.kind === "ascii-compatible") {
          // Its length is known only once it is sent: a Range is not answered for it.
          streaming = true;
          return new Response(injectClientStreaming(new Response(fileStream(handle)), tag), { headers: pageHeaders(encoding) });
        }
      }
      const html = (await readBytes(handle, 0, stats.size)).buffer;
      const encoding = pageEncoding(new Uint8Array(html, 0, Math.min(html.byteLength, PRESCAN_BYTES)));
      const body = encoding.kind === "ascii-compatible" ? injectClient(html, tag) : injectClientUtf16(html, tag, encoding.kind === "utf-16be");
      const served = { body, headers: pageHeaders(encoding) };
      pages.set(pathname, path, version, served);
      return fromMemory(request, served);
    } catch (error) {
      return unreadable(path, error);
    } finally {
      if (!streaming) await handle.close();
    }
  }

  async function serveAsset(request: Request, path: string): Promise<Response> {
    const file = await openToServe(path);
    if (file === "missing") return new Response("Not found\n", { status: 404 });
    if (file instanceof Response) return file;
    const { handle, stats } = file;
    // The inode and ctime change on every write, even one that keeps the size and sets the mtime back (Nix, touch -d).
    const etag = `W/"${[stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino].map((n) => Math.trunc(n).toString(36)).join("-")}"`;
    const headers = { etag, "cache-control": NO_CACHE, "content-type": Bun.file(path).type, "accept-ranges": "bytes" };
    let streaming = false;
    try {
      if (matchesEtag(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
      const range = requestedRange(request.headers, stats.size);
      if (range === "unsatisfiable") return unsatisfiable(headers, stats.size);
      const { start, end } = range ?? { start: 0, end: stats.size - 1 };
      const init = rangeInit(headers, range, stats.size);
      // Read, not sent from the file: a file truncated while the kernel sends it would leave the
      // response short of its announced length, and the browser waiting, until the idle timeout.
      if (end - start < STREAM_ABOVE_BYTES) return new Response(await readBytes(handle, start, end - start + 1), init);
      streaming = true;
      return new Response(fileStream(handle, start, range ? end : undefined), init);
    } catch (error) {
      return unreadable(path, error);
    } finally {
      if (!streaming) await handle.close();
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
      if (url.pathname === SOCKET_PATH && request.method === "GET") {
        const socketRefusal = guard.refuseSocket(request);
        if (socketRefusal) return socketRefusal;
        if (server.upgrade(request, { data: { version: url.searchParams.get("v") } })) return undefined;
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

/** Names the directory served, so a build that writes elsewhere shows; carries the client, so a tab showing it reloads once the page appears. */
function notFound(pathname: string, output: string, version: number): Response {
  const page =
    `<!doctype html><html><head><meta charset="utf-8"><title>Not found</title></head>` +
    `<body><h1>Not found</h1><p>Nothing at <code>${escapeHtml(pathname)}</code> in <code>${escapeHtml(output)}</code> yet, ` +
    `the output directory served. This tab reloads when the catalog changes.</p></body></html>`;
  const html = injectClient(new TextEncoder().encode(page).buffer as ArrayBuffer, clientTag(version));
  return new Response(html, { status: 404, headers: { "content-type": HTML_TYPE, "cache-control": NO_CACHE } });
}

/**
 * How the 404 page names the output. On loopback only this user's own tabs can read it (the guard
 * keeps other sites from reading any response), so it names the directory as the terminal does.
 * Served to the network (--host 0.0.0.0), it keeps this machine's layout (home directory, user
 * name) to itself: a directory outside the working directory is named by its last part only.
 */
function outputName(root: string, host: string): string {
  const shown = displayPath(root);
  return isExposed(host) && isAbsolute(shown) ? basename(root) : shown;
}

/** The file opened, "missing" when it is gone or no longer a regular file, or the refusal when it cannot be read. */
async function openToServe(path: string): Promise<OpenFile | "missing" | Response> {
  try {
    return (await openRegular(path)) ?? "missing";
  } catch (error) {
    // Deleted between the stat and the open: as missing as it looks.
    return isCode(error, "ENOENT") ? "missing" : unreadable(path, error);
  }
}

/** A body held in memory, whole or the one byte range asked for. */
function fromMemory(request: Request, { body, headers }: CachedPage): Response {
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(body);
  const range = requestedRange(request.headers, bytes.byteLength);
  if (range === "unsatisfiable") return unsatisfiable(headers, bytes.byteLength);
  return new Response(range ? bytes.subarray(range.start, range.end + 1) : bytes, rangeInit(headers, range, bytes.byteLength));
}

/** 206 with the range's place in the whole, or 200 for the whole. */
function rangeInit(headers: Record<string, string>, range: ByteRange | null, size: number): ResponseInit {
  return range ? { status: 206, headers: { ...headers, "content-range": `bytes ${range.start}-${range.end}/${size}` } } : { headers };
}

function unsatisfiable(headers: Record<string, string>, size: number): Response {
  return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
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
