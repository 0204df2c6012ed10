export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `request` byte for byte and resolves with everything the server sent until it closed the
 * connection, or until the head of a 101 (which keeps it open); rejects after `ms`.
 */
export function exchange(port: number, request: string, ms = 5_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let received = "";
    const timer = setTimeout(() => reject(new Error(`no complete answer to ${JSON.stringify(request.split("\r\n")[0])}; got ${JSON.stringify(received)}`)), ms);
    const finish = () => {
      clearTimeout(timer);
      resolve(received);
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (socket) => void socket.write(request),
        data(socket, chunk) {
          received += chunk.toString("latin1");
          if (/^HTTP\/1\.1 101/.test(received) && received.includes("\r\n\r\n")) {
            socket.end();
            finish();
          }
        },
        close: finish,
        error: finish,
      },
    }).catch(reject);
  });
}

/**
 * A GET sent exactly as given, so a test can use request targets and headers that fetch()
 * would normalise or refuse to send (raw "..", "#", a forged Host, an Upgrade with an Origin).
 */
export async function rawRequest(port: number, target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const lines = [`GET ${target} HTTP/1.1`, ...Object.entries({ host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}`)];
  const text = await exchange(port, `${lines.join("\r\n")}\r\nconnection: close\r\n\r\n`);
  const [head = "", ...rest] = text.split("\r\n\r\n");
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  return {
    status: Number(statusLine.split(" ")[1]),
    headers: Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()])),
    body: rest.join("\r\n\r\n"),
  };
}
