/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable with the pages' own
 * clock (see PAGE_REPORTER). Date.now() ticks in whole milliseconds, so both sides take the
 * instant it ticks over as the exact wall time of a monotonic reading, then count from there.
 */
let offset = calibrate();

function calibrate(): number {
  const start = Date.now();
  let now = start;
  while (now === start) now = Date.now();
  return now - performance.now();
}

export function wall(): number {
  return performance.now() + offset;
}

/** Re-anchors against the system clock, which NTP may have slewed since the last call. */
export function recalibrate(): void {
  offset = calibrate();
}
