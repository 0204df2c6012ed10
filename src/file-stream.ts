import { open } from "node:fs/promises";

const CHUNK_BYTES = 256 * 1024;

/**
 * A file's bytes as a stream that ends where the file ends when it is read. Bun's own file
 * streams (and sendfile) go by the size seen at open: a file truncated meanwhile (a build
 * rewriting it) leaves the response waiting for bytes that never come, until the idle timeout.
 */
export async function fileStream(path: string): Promise<ReadableStream<Uint8Array>> {
  const handle = await open(path, "r");
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const buffer = new Uint8Array(CHUNK_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES);
      if (bytesRead === 0) {
        await handle.close();
        controller.close();
        return;
      }
      controller.enqueue(buffer.subarray(0, bytesRead));
    },
    async cancel() {
      await handle.close();
    },
  });
}
