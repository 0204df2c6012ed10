/** The rewriter that adds `tag` once: before </head>, else before </body>, else at the very end. */
function rewriter(tag: string): HTMLRewriter {
  let injected = false;
  const beforeEndTag = {
    element(element: HTMLRewriterTypes.Element) {
      element.onEndTag((end) => {
        if (injected) return;
        end.before(tag, { html: true });
        injected = true;
      });
    },
  };
  return new HTMLRewriter()
    .on("head", beforeEndTag)
    .on("body", beforeEndTag)
    .onDocument({
      end(end) {
        if (!injected) end.append(tag, { html: true });
      },
    });
}

/**
 * Adds `tag` once to an HTML document in an ASCII-compatible encoding (fragments and empty
 * files too). Every other byte passes through untouched, which keeps pages in legacy
 * encodings such as windows-1252 intact.
 */
export function injectClient(html: ArrayBuffer, tag: string): ArrayBuffer {
  return rewriter(tag).transform(html);
}

/** The same, chunk by chunk as the page is read: a 50 MB page must not hold every other request. */
export function injectClientStreaming(page: Response, tag: string): ReadableStream<Uint8Array> | null {
  return rewriter(tag).transform(page).body;
}

/**
 * UTF-16 pages, which the rewriter cannot read: the tag is encoded in the page's own byte order
 * and placed by the same rule, found in the decoded text.
 */
export function injectClientUtf16(html: ArrayBuffer, tag: string, bigEndian: boolean): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(html);
  const units = bytes.subarray(2, bytes.length - (bytes.length % 2));
  const text = new TextDecoder("utf-16le").decode(bigEndian ? swapPairs(units) : units);
  const head = text.search(/<\/head/i);
  const body = head === -1 ? text.search(/<\/body/i) : -1;
  const at = head !== -1 ? head : body !== -1 ? body : text.length;
  const encoded = new Uint8Array(tag.length * 2);
  for (let i = 0; i < tag.length; i++) {
    const code = tag.charCodeAt(i);
    encoded[i * 2 + (bigEndian ? 1 : 0)] = code & 0xff;
    encoded[i * 2 + (bigEndian ? 0 : 1)] = code >> 8;
  }
  const split = 2 + at * 2;
  const out = new Uint8Array(bytes.length + encoded.length);
  out.set(bytes.subarray(0, split));
  out.set(encoded, split);
  out.set(bytes.subarray(split), split + encoded.length);
  return out;
}

function swapPairs(units: Uint8Array): Uint8Array {
  const swapped = new Uint8Array(units.length);
  for (let i = 0; i + 1 < units.length; i += 2) {
    swapped[i] = units[i + 1]!;
    swapped[i + 1] = units[i]!;
  }
  return swapped;
}
