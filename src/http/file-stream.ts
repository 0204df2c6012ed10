import { constants, type Stats } from "node:fs";
import { open, readlink, type FileHandle } from "node:fs/promises";
import { isCode } from "../errors.ts";
import { log } from "../terminal/log.ts";
import { servableRealPath, type ResolvedFile } from "./resolve.ts";

/** Larger pages are injected as they stream and larger assets streamed, so one big file never holds the rest. */
export const STREAM_ABOVE_BYTES = 1024 * 1024;
const CHUNK_BYTES = 256 * 1024;
/** Windows has no O_NONBLOCK, nor FIFOs to swap in. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

interface OpenFile {
  handle: FileHandle;
  /** Of the file opened, not of whatever the path named when it was resolved. */
  stats: Stats;
}

/**
 * Opens a file to serve it, or returns null (and holds nothing) when what it opened may not be
 * served. The resolver's checks and this open are two moments: a build, or another user, may swap
 * in between them a FIFO, whose blocking open would wait for a writer forever (holding the request,
 * a descriptor and a thread), or a symlink, in place of the file or of a folder above it, that
 * leads out of the output. So the open does not block, and the checks are made again on the
 * descriptor: a regular file, lying where a file may be served, as the kernel says; where it
 * cannot say, the very file the resolver checked. Every file served is opened here.
 */
async function openResolved(resolved: ResolvedFile): Promise<OpenFile | null> {
  const handle = await open(resolved.path, OPEN_FLAGS);
  let allowed = false;
  let stats: Stats;
  try {
    stats = await handle.stat();
    allowed = stats.isFile() && mayServeOpened(resolved, stats, await openedPath(handle));
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (allowed) return { handle, stats };
  await handle.close();
  return null;
}

/** Whether the regular file opened for `resolved` may be served: by where the kernel says it lies (`where`), or where it cannot say, by being the very file the resolver checked. */
export function mayServeOpened(resolved: ResolvedFile, opened: { dev: number; ino: number }, where: string | null): boolean {
  if (where === null) return opened.dev === resolved.dev && opened.ino === resolved.ino;
  return servableRealPath(resolved.realRoot, where);
}

/**
 * The real path of an open file, as the kernel tells it (a file rewritten by a rename since its
 * check is still allowed, where its new inode would fail a comparison); null where no platform
 * file says: only Linux has /proc/self/fd.
 */
async function openedPath(handle: FileHandle): Promise<string | null> {
  if (process.platform !== "linux") return null;
  try {
    return (await readlink(`/proc/self/fd/${handle.fd}`)).replace(/ \(deleted\)$/, "");
  } catch {
    return null;
  }
}

/** An open file being served: its stats, and its bytes read whole or handed to a stream (which then closes it). */
interface ServedFile {
  stats: Stats;
  read(start: number, length: number): Promise<Uint8Array<ArrayBuffer>>;
  stream(start?: number, end?: number): ReadableStream<Uint8Array>;
}

/**
 * Answers from the file resolved: `answer` gets it open, and its handle is closed afterwards
 * unless `answer` handed it to a stream. A file gone or no longer the one resolved is `missing()`,
 * one that cannot be read a refusal.
 */
export async function answerFromFile(resolved: ResolvedFile, missing: () => Response, answer: (file: ServedFile) => Promise<Response>): Promise<Response> {
  const { path } = resolved;
  const file = await openToServe(resolved);
  if (file === "missing") return missing();
  if (file instanceof Response) return file;
  const { handle, stats } = file;
  let streamed = false;
  try {
    return await answer({
      stats,
      read: (start, length) => readBytes(handle, start, length),
      stream(start, end) {
        streamed = true;
        return fileStream(handle, start, end);
      },
    });
  } catch (error) {
    return unreadable(path, error);
  } finally {
    if (!streamed) await handle.close();
  }
}

/** The file opened, "missing" when it is gone or no longer the one resolved, or the refusal when it cannot be read. */
async function openToServe(resolved: ResolvedFile): Promise<OpenFile | "missing" | Response> {
  try {
    return (await openResolved(resolved)) ?? "missing";
  } catch (error) {
    // Deleted between the stat and the open: as missing as it looks.
    return isCode(error, "ENOENT") ? "missing" : unreadable(resolved.path, error);
  }
}

/** Refused as nginx does: 403 when permission is the reason, 500 otherwise; the cause is logged once, here. */
function unreadable(path: string, error: unknown): Response {
  const denied = isCode(error, "EACCES") || isCode(error, "EPERM");
  log.error(`Cannot read ${path}: ${(error as Error).message ?? error}${denied ? "; fix its permissions" : ""}`);
  return denied ? new Response("Forbidden\n", { status: 403 }) : new Response("Internal error\n", { status: 500 });
}

/** Up to `length` bytes from `start`: fewer if the file is shorter now, in a buffer of exactly the bytes read. */
async function readBytes(handle: FileHandle, start: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.slice(0, filled);
}

/**
 * Bytes `start` to `end` (inclusive; by default to the end) of an open file as a stream that ends
 * where the file ends when it is read, and closes the handle when it ends or is cancelled. Bun
 * 1.4.5's own file streams (and sendfile) go by the size seen at open: a file truncated meanwhile
 * (a build rewriting it) leaves the response waiting for bytes that never come, until the idle
 * timeout (https://github.com/oven-sh/bun/pull/41622, open; checked by the test "an asset
 * truncated while it is sent ends the response promptly").
 */
function fileStream(handle: FileHandle, start = 0, end = Number.POSITIVE_INFINITY): ReadableStream<Uint8Array> {
  let position = start;
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const wanted = Math.min(CHUNK_BYTES, end + 1 - position);
      const chunk = wanted > 0 ? await readBytes(handle, position, wanted) : new Uint8Array(0);
      if (chunk.byteLength === 0) {
        await handle.close();
        controller.close();
        return;
      }
      position += chunk.byteLength;
      controller.enqueue(chunk);
    },
    async cancel() {
      await handle.close();
    },
  });
}
