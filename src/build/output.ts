import { plural } from "../terminal/log.ts";

/**
 * A build's output: read as lines, and what of it is shown. By default a successful build is
 * folded to its last line, since a generator that names every page it writes would print tens of
 * lines per save; a failed build always shows its last lines, and the last lines it wrote to
 * stderr (where errors go), once it has failed. Memory stays bounded whatever the build prints:
 * a line is cut at MAX_LINE_CHARS and only those last lines are kept.
 */

/** A failed build shows at least its last TAIL_LINES lines, and its last STDERR_LINES lines of stderr among the rest. */
export const TAIL_LINES = 20;
const STDERR_LINES = 100;
/** Past this rate shown output is counted, not printed: a flooding build must not stall the server on a slow terminal. */
const SHOWN_LINES_PER_SECOND = 200;
/** Where a note says lines were left out: how to see them. */
export const VERBOSE_HINT = `--verbose shows them as they come, ${SHOWN_LINES_PER_SECOND} a second at most`;

interface OutputSink {
  /** A line of the build's own output, as it wrote it. */
  line(text: string): void;
  /** A note about the output (what was left out), in our own words. */
  note(text: string): void;
}

interface Line {
  /** Its place among every line of the build. */
  at: number;
  /** How many lines before it were not shown, to count the gaps between the lines a failure shows. */
  unshownBefore: number;
  text: string;
  shown: boolean;
}

export class BuildOutput {
  private count = 0;
  private unshown = 0;
  private readonly tail: Line[] = [];
  private readonly stderrTail: Line[] = [];
  private last = "";
  private windowStart = 0;
  private shownInWindow = 0;
  private hiddenInWindow = 0;

  /** `live`: every line is shown as it comes (--verbose), up to SHOWN_LINES_PER_SECOND. */
  constructor(
    private readonly live: boolean,
    private readonly sink: OutputSink,
  ) {}

  get lines(): number {
    return this.count;
  }

  /** The last line that is not blank, which is where generators put their summary ("Wrote 30 files in 0.5 seconds"). */
  get lastLine(): string {
    return this.last;
  }

  add(text: string, stderr: boolean): void {
    const line: Line = { at: this.count++, unshownBefore: this.unshown, text, shown: this.live && this.admitted() };
    if (line.shown) this.sink.line(text);
    else this.unshown++;
    if (text.trim()) this.last = text;
    keep(this.tail, line, TAIL_LINES);
    if (stderr) keep(this.stderrTail, line, STDERR_LINES);
  }

  /** Ends the output: says how many lines the rate limit left out in its last second. */
  end(): void {
    if (this.hiddenInWindow) this.sink.note(`(${plural(this.hiddenInWindow, "more line")} of build output not shown)`);
    this.hiddenInWindow = 0;
  }

  /** For a failed build: the kept lines not shown yet, in the order written, each gap counted; the first names the way to see them all. */
  showFailure(): void {
    const unseen = [...new Set([...this.stderrTail, ...this.tail])].filter((line) => !line.shown).sort((a, b) => a.at - b.at);
    let unshownSoFar = 0;
    for (const line of unseen) {
      const gap = line.unshownBefore - unshownSoFar;
      if (gap && unshownSoFar === 0) this.sink.note(`(${plural(gap, "earlier line")} of build output not shown${this.live ? "" : `; ${VERBOSE_HINT}`})`);
      else if (gap) this.sink.note(`(${plural(gap, "line")} of build output not shown)`);
      this.sink.line(line.text);
      unshownSoFar = line.unshownBefore + 1;
    }
  }

  private admitted(): boolean {
    const now = performance.now();
    if (now - this.windowStart >= 1000) {
      this.end();
      this.windowStart = now;
      this.shownInWindow = 0;
    }
    if (this.shownInWindow < SHOWN_LINES_PER_SECOND) {
      this.shownInWindow++;
      return true;
    }
    this.hiddenInWindow++;
    return false;
  }
}

function keep(lines: Line[], line: Line, limit: number): void {
  lines.push(line);
  if (lines.length > limit) lines.shift();
}
