/**
 * The browser side of storytime-reload. The server sends this function's source text
 * with its arguments filled in, so it must not use anything from outside its own body.
 *
 * `version` is the server's change counter when it served this page: the server compares
 * it on connect and tells a page that is already stale to reload at once, so a change that
 * lands between "HTML served" and "socket open" is never lost.
 */
export function reloadClient(socketPath: string, version: string, debounceMs: number): void {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${socketPath}?v=${encodeURIComponent(version)}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  socket.onmessage = (event) => {
    if (event.data !== '{"type":"reload"}') return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Closing first: messages that arrive while the next page loads would only restart it.
      socket.close();
      location.reload();
    }, debounceMs);
  };
}
