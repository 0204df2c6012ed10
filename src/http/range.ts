interface ByteRange {
  start: number;
  /** Inclusive, as in Content-Range. */
  end: number;
}

/**
 * The one byte range a request asks of a body of `size` bytes (RFC 9110 §14), "unsatisfiable"
 * when none of the ranges it lists lies within the body (a 416, as Bun and nginx answer), or null
 * to send the whole body: no Range, another unit or a malformed one (to be ignored), several
 * satisfiable ranges (a multipart answer is optional, and video seeking asks for one), or an
 * If-Range, whose validator must be strong where ours are weak.
 */
export function requestedRange(headers: Headers, size: number): ByteRange | "unsatisfiable" | null {
  const header = headers.get("range");
  if (header === null || headers.has("if-range")) return null;
  const set = /^bytes=(.+)$/i.exec(header.trim());
  if (!set) return null;
  const ranges: ByteRange[] = [];
  for (const spec of set[1]!.split(",")) {
    const match = /^(\d*)-(\d*)$/.exec(spec.trim());
    if (!match || (!match[1] && !match[2])) return null;
    const last = match[2] ? Number(match[2]) : null;
    if (!match[1]) {
      // A suffix: the last `last` bytes.
      if (last! > 0 && size > 0) ranges.push({ start: Math.max(0, size - last!), end: size - 1 });
      continue;
    }
    const first = Number(match[1]);
    if (last !== null && last < first) return null;
    if (first < size) ranges.push({ start: first, end: Math.min(last ?? size - 1, size - 1) });
  }
  if (ranges.length === 0) return "unsatisfiable";
  return ranges.length === 1 ? ranges[0]! : null;
}

/** 206 with the range's place in the whole, or 200 for the whole. */
export function rangeInit(headers: Record<string, string>, range: ByteRange | null, size: number): ResponseInit {
  return range ? { status: 206, headers: { ...headers, "content-range": `bytes ${range.start}-${range.end}/${size}` } } : { headers };
}

export function unsatisfiable(headers: Record<string, string>, size: number): Response {
  return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
}
