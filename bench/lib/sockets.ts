import type { ContenderName } from "./servers.ts";

/**
 * Each server's reload socket, spoken just far enough to be told "reload": connect like its
 * own browser client, finish its greeting, then recognise its reload message.
 */
export interface SocketProtocol {
  url(port: number): Promise<string>;
  subprotocol?: string;
  /** The server greets with nothing: the socket is ready once open. */
  readyOnOpen?: boolean;
  /** Answers the server's greeting; returns "ready" once the socket would be told of changes. */
  onMessage(socket: WebSocket, data: string | ArrayBuffer): "ready" | "reload" | null;
}

const text = (data: string | ArrayBuffer) => (typeof data === "string" ? data : new TextDecoder().decode(data));

export const PROTOCOLS: Record<ContenderName, SocketProtocol> = {
  "storytime-reload": {
    // Without a page version the server has nothing to compare, so it stays silent on connect.
    url: async (port) => `ws://127.0.0.1:${port}/__storytime/ws`,
    readyOnOpen: true,
    onMessage: (_socket, data) => (text(data) === '{"type":"reload"}' ? "reload" : null),
  },
  "live-server": {
    url: async (port) => `ws://127.0.0.1:${port}/ws`,
    onMessage(_socket, data) {
      const message = text(data);
      if (message === "connected") return "ready";
      return message === "reload" ? "reload" : null;
    },
  },
  vite: {
    // Vite refuses sockets without the token it writes into its client script.
    async url(port) {
      const client = await (await fetch(`http://127.0.0.1:${port}/@vite/client`)).text();
      const token = client.match(/const wsToken = "([^"]*)"/)?.[1];
      if (token === undefined) throw new Error("no wsToken in /@vite/client");
      return `ws://127.0.0.1:${port}/?token=${encodeURIComponent(token)}`;
    },
    subprotocol: "vite-hmr",
    onMessage(_socket, data) {
      const message = JSON.parse(text(data)) as { type: string };
      if (message.type === "connected") return "ready";
      return message.type === "full-reload" ? "reload" : null;
    },
  },
  "browser-sync": {
    // socket.io 4 over a bare WebSocket: engine.io open, then join the /browser-sync namespace.
    url: async (port) => `ws://127.0.0.1:${port}/browser-sync/socket.io/?EIO=4&transport=websocket`,
    onMessage(socket, data) {
      const message = text(data);
      if (message.startsWith("0{")) socket.send("40/browser-sync,");
      else if (message === "2") socket.send("3");
      else if (message.startsWith("40/browser-sync,")) return "ready";
      else if (message.startsWith("42/browser-sync,") && message.includes("browser:reload")) return "reload";
      return null;
    },
  },
  bun: {
    // Binary messages tagged by their first byte: "V" greets with the build version, the client
    // subscribes ("s" + topics) and names its page ("n" + path), "u" carries an update.
    url: async (port) => `ws://127.0.0.1:${port}/_bun/hmr`,
    onMessage(socket, data) {
      if (typeof data === "string") return null;
      const tag = new Uint8Array(data)[0];
      if (tag === 0x56) {
        socket.send("she");
        socket.send("n/");
        return "ready";
      }
      return tag === 0x75 ? "reload" : null;
    },
  },
};
