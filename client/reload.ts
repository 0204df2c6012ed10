/**
 * The browser side of storytime-reload. The server sends this function's source text
 * with its arguments filled in, so it must not use anything from outside its own body.
 *
 * `version` is the server's change counter when it served this page: the server compares
 * it on connect and tells a page that is already stale to reload at once, so a change that
 * lands between "HTML served" and "socket open" is never lost.
 */
export function reloadClient(socketPath: string, reloadMessage: string, reloadCloseCode: number, version: string, debounceMs: number, commitMs: number): void {
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${socketPath}?v=${encodeURIComponent(version)}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reloading = false;
  let leavings = 0;
  const listen = () => {
    const socket = new WebSocket(url);
    socket.onmessage = (event) => {
      if (event.data !== reloadMessage) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        reloading = true;
        // Closing first: messages that arrive while the next page loads would only restart it. The
        // code tells the server this page is on its way back, so its next reload line counts it.
        socket.close(reloadCloseCode);
        location.reload();
      }, debounceMs);
    };
    return socket;
  };
  let socket = listen();
  addEventListener("beforeunload", () => {
    if (reloading) return;
    // The user is leaving (a link, a typed URL, a form, history). The server holds that navigation
    // until the build ends, and a reload now would replace it: the page asked for would be lost.
    clearTimeout(timer);
    socket.close();
    // Some navigations never replace the page (a download, a 204, a cancelled prompt). Asking for
    // this page is answered when the server lets pages through, as the navigation is; a page still
    // here a moment later was not left, and listens again with its version, so the server reloads
    // it at once if it missed a change.
    const leaving = ++leavings;
    void fetch(location.href, { method: "HEAD" })
      .catch(() => {})
      .then(() =>
        setTimeout(() => {
          if (leaving === leavings) socket = listen();
        }, commitMs),
      );
  });
}
