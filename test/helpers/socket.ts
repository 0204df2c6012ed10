import { RELOAD_CLOSE_CODE, SOCKET_PATH } from "../../src/http/protocol.ts";
import { onCleanup } from "./cleanup.ts";
import { eventually } from "./eventually.ts";

/** A real WebSocket client that records every message it gets. */
export class TestSocket {
  readonly messages: string[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.onmessage = (event) => void this.messages.push(String(event.data));
  }

  /** Connects as a page stamped with `version` would, or as a page without a stamp. */
  static async open(server: { port: number }, version?: number | string): Promise<TestSocket> {
    const query = version === undefined ? "" : `?v=${version}`;
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}${SOCKET_PATH}${query}`);
    onCleanup(() => socket.close());
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error("WebSocket failed to open"));
    });
    return new TestSocket(socket);
  }

  /** Resolves with the message count once at least `count` messages arrived; rejects after `ms`. */
  waitFor(count: number, ms = 3_000): Promise<number> {
    return eventually(() => this.messages.length >= count && this.messages.length, { ms, what: () => `${count} message(s); got ${this.messages.length}` });
  }

  /** True if no new message arrives within `ms`: used only to check that something did NOT happen. */
  async staysQuiet(ms: number): Promise<boolean> {
    const before = this.messages.length;
    await Bun.sleep(ms);
    return this.messages.length === before;
  }

  /** Closes as the client does before it reloads, or with `code` (null: none) as a page closed or left; resolves once the closing handshake is over. */
  async close(code: number | null = RELOAD_CLOSE_CODE): Promise<void> {
    const closed = new Promise((resolve) => this.socket.addEventListener("close", resolve));
    if (code === null) this.socket.close();
    else this.socket.close(code);
    await closed;
  }
}
