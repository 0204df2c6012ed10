import { readFileSync, statSync, type BigIntStats } from "node:fs";

/** Enough for any save; a trigger of more files (a checkout) is not recorded, and every late event of it builds again. */
const RECORDED_FILES = 50;
/**
 * Bytes read to record the files of one build, on the server's main thread just before the build
 * starts: a save's sources and images, not a folder of photos (bench/README.md has the cost).
 * Files past it are not recorded, and their late events build again.
 */
const RECORDED_BYTES = 8 * 1024 * 1024;
/** Files recorded at once, across builds, before the record starts over. */
const KEPT_FILES = 10_000;

interface Recorded {
  stat: string;
  size: number;
  content: number | bigint;
}

/**
 * What the changed files held when the build they started began, so that a late event of a save
 * already built starts no second build. One write can reach us as several events (the truncation
 * and the write of a save arrive apart when the watcher falls behind on a loaded machine), and
 * the later ones may come after the build started. The state is taken as the build starts, not
 * as the first event arrives (which may see the file empty, between truncation and write), and
 * holds the file's content as well as its times: on a file system whose clock ticks once a second
 * (ext3, HFS+, FAT, network mounts) two saves of one size share all their times.
 */
export class ReadByBuild {
  private readonly changed = new Set<string>();
  private readonly atBuildStart = new Map<string, Recorded>();

  /** `stat` is the seam through which tests stand in for a file system with a coarse clock. */
  constructor(private readonly stat: (file: string) => BigIntStats = (file) => statSync(file, { bigint: true })) {}

  /** Whether an event of `file` may show a change the last build did not read; false only when the file holds what it held as that build started. */
  isNew(file: string): boolean {
    const recorded = this.atBuildStart.get(file);
    if (recorded) {
      const now = this.record(file, recorded.stat);
      if (now && now.content === recorded.content) return false;
      this.atBuildStart.delete(file);
    }
    this.changed.add(file);
    return true;
  }

  /** A build is about to start: what it reads of each file changed since the last one is what the file holds now. */
  buildStarting(): void {
    if (this.changed.size <= RECORDED_FILES) {
      if (this.atBuildStart.size + this.changed.size > KEPT_FILES) this.atBuildStart.clear();
      let bytesLeft = RECORDED_BYTES;
      for (const file of this.changed) {
        const now = this.record(file, undefined, bytesLeft);
        if (!now) continue;
        this.atBuildStart.set(file, now);
        bytesLeft -= now.size;
      }
    }
    this.changed.clear();
  }

  /** The file's state, with its content read only when its stat matches `sameStatAs` (when given); null when gone, unreadable or larger than `bytesLeft`. */
  private record(file: string, sameStatAs?: string, bytesLeft = RECORDED_BYTES): Recorded | null {
    try {
      const info = this.stat(file);
      if (!info.isFile() || info.size > bytesLeft) return null;
      const stat = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
      if (sameStatAs !== undefined && stat !== sameStatAs) return null;
      return { stat, size: Number(info.size), content: Bun.hash(readFileSync(file)) };
    } catch {
      return null;
    }
  }
}
