import { basename, isAbsolute } from "node:path";
import { isExposed } from "../host.ts";
import { displayPath, isHtml } from "../paths.ts";
import { serveAsset } from "./assets.ts";
import { pageEncoding, PRESCAN_BYTES, type PageEncoding } from "./charset.ts";
import { clientTag } from "./client-script.ts";
import { STREAM_ABOVE_BYTES, answerFromFile } from "./file-stream.ts";
import type { HeldRequest, OutputChanges } from "./gate.ts";
import { NO_CACHE } from "./headers.ts";
import { injectClient, injectClientStreaming, injectClientUtf16 } from "./inject.ts";
import { PageCache, type CachedPage } from "./page-cache.ts";
import { rangeInit, requestedRange, unsatisfiable } from "./range.ts";
import { resolveRequestPath, type ResolvedFile } from "./resolve.ts";

interface OutputConfig {
  /** The output directory. */
  root: string;
  /** The address listened on: served to the network, the 404 page names less of this machine. */
  host: string;
  changes: OutputChanges;
}

const HTML_TYPE = "text/html; charset=utf-8";
/** Room for the pages of a few open tabs: a catalog's pages weigh tens of kilobytes. */
export const PAGE_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * Answers requests for the output directory. Pages (directory URLs and .html names) wait for the
 * gate, are stamped with the output's change counter and served with the reload client injected,
 * from memory while the output has not changed; a missing one gets a 404 page that reloads once it
 * appears. Every other file is an asset (assets.ts).
 */
export function outputFiles({ root, host, changes }: OutputConfig) {
  const pages = new PageCache(changes, PAGE_CACHE_BYTES);
  const outputShown = outputName(root, host);

  async function servePage(request: Request, file: ResolvedFile, pathname: string, version: number): Promise<Response> {
    const { path } = file;
    const kept = pages.byFile(pathname, path);
    if (kept) return fromMemory(request, kept);
    return answerFromFile(file, () => notFound(pathname, outputShown, version), async ({ stats, read, stream }) => {
      const tag = clientTag(version);
      if (stats.size > STREAM_ABOVE_BYTES) {
        const encoding = pageEncoding(await read(0, PRESCAN_BYTES));
        // Its length is known only once it is sent: a Range is not answered for it.
        if (encoding.kind === "ascii-compatible") return new Response(injectClientStreaming(new Response(stream()), tag), { headers: pageHeaders(encoding) });
      }
      const html = (await read(0, stats.size)).buffer;
      const encoding = pageEncoding(new Uint8Array(html, 0, Math.min(html.byteLength, PRESCAN_BYTES)));
      const body = encoding.kind === "ascii-compatible" ? injectClient(html, tag) : injectClientUtf16(html, tag, encoding.kind === "utf-16be");
      const served = { body, headers: pageHeaders(encoding) };
      pages.set(pathname, path, version, served);
      return fromMemory(request, served);
    });
  }

  /** `held` is the request as the gate may hold it. */
  return async function serve(request: Request, { pathname, search }: URL, held: HeldRequest): Promise<Response> {
    const page = looksLikePage(pathname);
    if (page) {
      // Mid-build a page may be missing or half written.
      await changes.pageWait(held);
      const kept = pages.byUrl(pathname);
      if (kept) return fromMemory(request, kept);
    }
    // Stamp before reading: a write after this point moves the counter past the stamp.
    let version = changes.version;
    let found = await resolveRequestPath(root, pathname);
    const missingSince = performance.now();
    while (page && found.kind === "missing" && (await changes.missingPageMayAppear(held, missingSince))) {
      version = changes.version;
      found = await resolveRequestPath(root, pathname);
    }
    if (found.kind === "redirect") return new Response(null, { status: 302, headers: { location: found.location + search } });
    if (found.kind === "malformed") return new Response("Malformed URL encoding\n", { status: 400 });
    if (found.kind === "missing") return notFound(pathname, outputShown, version);
    // Decided by the file found, not the URL: /LICENSE is not a page, whatever its name suggests.
    return isHtml(found.file.path) ? servePage(request, found.file, pathname, version) : serveAsset(request, found.file);
  };
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

/** A body held in memory, whole or the one byte range asked for. */
function fromMemory(request: Request, { body, headers }: CachedPage): Response {
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(body);
  const range = requestedRange(request.headers, bytes.byteLength);
  if (range === "unsatisfiable") return unsatisfiable(headers, bytes.byteLength);
  return new Response(range ? bytes.subarray(range.start, range.end + 1) : bytes, rangeInit(headers, range, bytes.byteLength));
}

function pageHeaders(encoding: PageEncoding): Record<string, string> {
  return { "content-type": `text/html; charset=${encoding.charset}`, "cache-control": NO_CACHE };
}

/** Directory URLs and .html names may be pages, so they wait for the gate; other names are served at once. */
function looksLikePage(pathname: string): boolean {
  const name = pathname.slice(pathname.lastIndexOf("/") + 1);
  return !name.includes(".") || isHtml(name);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
