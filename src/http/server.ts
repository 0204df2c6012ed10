import type { Server, ServerWebSocket } from "bun";
import { log } from "../terminal/log.ts";
import { clientScript, clientUrl } from "./client-script.ts";
import type { OutputChanges } from "./gate.ts";
import { createGuard } from "./guard.ts";
import { NO_CACHE, secured } from "./headers.ts";
import { outputFiles } from "./pages.ts";
import { CLIENT_PATH, INTERNAL_PREFIX, RELOAD_CLOSE_CODE, RELOAD_MESSAGE, RELOAD_TOPIC, SOCKET_PATH } from "./protocol.ts";

export interface ServerConfig {
  root: string;
  host: string;
  port: number;
  changes: OutputChanges;
  /** Told when a page's socket connects, and when a page closes it to reload: the reload log counts pages still reloading. */
  pages: { pageConnected(): void; pageReloading(): void };
}

interface SocketData {
  /** The change counter stamped into the page that opened this socket, if it sent one. */
  version: string | null;
}

type ReloadServer = Server<SocketData>;

/**
 * The HTTP server: every request passes the guard, then goes to the reload socket, to the
 * client script, or to the output's files (pages.ts); every response carries the security headers.
 */
export function startServer({ root, host, port, changes, pages: pageEvents }: ServerConfig): ReloadServer {
  const serveOutput = outputFiles({ root, host, changes });
  const guard = createGuard(host);

  async function respond(request: Request, url: URL, server: ReloadServer): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    if (url.pathname.startsWith(INTERNAL_PREFIX)) return internal(url);
    return serveOutput(request, url, {
      // A build may take minutes; Bun's idle timeout (10 s) would otherwise drop the held request.
      hold: () => server.timeout(request, 0),
      signal: request.signal,
    });
  }

  return Bun.serve<SocketData>({
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
      return secured(await respond(request, url, server));
    },
    websocket: {
      open(socket: ServerWebSocket<SocketData>) {
        // Subscribe before comparing, so no change can fall between the two.
        socket.subscribe(RELOAD_TOPIC);
        const { version } = socket.data;
        if (version !== null && version !== String(changes.version)) socket.send(RELOAD_MESSAGE);
        pageEvents.pageConnected();
      },
      message() {},
      close(_socket, code) {
        if (code === RELOAD_CLOSE_CODE) pageEvents.pageReloading();
      },
    },
    error(error) {
      log.error(`Could not answer a request: ${error.message}`);
      return secured(new Response("Internal error\n", { status: 500 }));
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
