import { STREAM_ABOVE_BYTES, answerFromFile } from "./file-stream.ts";
import { NO_CACHE } from "./headers.ts";
import { rangeInit, requestedRange, unsatisfiable } from "./range.ts";
import type { ResolvedFile } from "./resolve.ts";

/** A file of the output that is not a page: served as it is, revalidated by ETag, in byte ranges for media, streamed when large. */
export function serveAsset(request: Request, file: ResolvedFile): Promise<Response> {
  const { path } = file;
  return answerFromFile(file, () => new Response("Not found\n", { status: 404 }), async ({ stats, read, stream }) => {
    // The ctime changes on every write, even one that keeps the size and sets the mtime back (Nix,
    // touch -d), at the resolution of the file system's clock (docs/architecture.md says so).
    const etag = `W/"${[stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino].map((n) => Math.trunc(n).toString(36)).join("-")}"`;
    const headers = { etag, "cache-control": NO_CACHE, "content-type": Bun.file(path).type, "accept-ranges": "bytes" };
    if (matchesEtag(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
    const range = requestedRange(request.headers, stats.size);
    if (range === "unsatisfiable") return unsatisfiable(headers, stats.size);
    const { start, end } = range ?? { start: 0, end: stats.size - 1 };
    const init = rangeInit(headers, range, stats.size);
    // Read, not sent from the file: a file truncated while the kernel sends it would leave the
    // response short of its announced length, and the browser waiting, until the idle timeout
    // (fileStream says more).
    if (end - start < STREAM_ABOVE_BYTES) return new Response(await read(start, end - start + 1), init);
    return new Response(stream(start, range ? end : undefined), init);
  });
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
