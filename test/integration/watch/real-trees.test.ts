import { afterEach, expect, test } from "bun:test";
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { rootState } from "../../../src/watch/root.ts";
import { ROOT_CHECK_MS, watchTree } from "../../../src/watch/watch-tree.ts";
import { startWatcher, type WatcherKind } from "../../../src/watchers.ts";
import { cleanup, onCleanup } from "../../helpers/cleanup.ts";
import { eventually } from "../../helpers/eventually.ts";
import { tempDir, tree } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";
import { describeUnless, POSIX_FS_SKIP } from "../../helpers/skip.ts";

afterEach(cleanup);

/** Records what a watch reports; `next` resolves at the first report matching, or rejects after `ms`. */
function recorder() {
  const seen: Array<string | null> = [];
  const errors: string[] = [];
  return {
    seen,
    errors,
    push: (path: string | null) => seen.push(path),
    next: (match: (path: string | null) => boolean, from: number, ms = 3_000) =>
      eventually(() => seen.slice(from).some(match), { ms, what: () => `a report matching ${match} after ${from}; saw ${JSON.stringify(seen.slice(from))}` }),
  };
}

/** The output's watch on `root` alone, recording what it reports and its errors; closed by cleanup(). */
function watchOutput(root: string) {
  const r = recorder();
  const watch = watchTree(root, { change: r.push, error: (e) => r.errors.push(String(e.code)), unwatchable: (dir, code) => r.errors.push(`${dir}: ${code}`) });
  onCleanup(() => watch.close());
  return r;
}

/** A real watcher worker on `root`, recording what it reports; stopped by cleanup(), or by `stop()`. */
async function watchWorker(kind: WatcherKind, root: string) {
  const r = recorder();
  const watcher = startWatcher(kind, root, r.push);
  onCleanup(() => watcher.stop());
  await watcher.ready;
  return { ...r, stop: () => watcher.stop() };
}

/**
 * What the watch reported from `from` on, up to a sentinel file written into the tree now:
 * events come in the order they happened, so whatever was written before the sentinel has been
 * reported once the sentinel is. A watch armed again meanwhile may miss a sentinel (its re-arm is
 * reported instead): another is written every 100 ms until one comes through.
 */
let sentinels = 0;

async function reportedSince(r: ReturnType<typeof recorder>, from: number, root: string, ext = ".html"): Promise<Array<string | null>> {
  const written = new Set<string | null>();
  await eventually(
    () => {
      if (r.seen.slice(from).some((path) => written.has(path))) return true;
      const name = `sentinel-${++sentinels}${ext}`;
      written.add(name);
      writeFileSync(join(root, name), "x");
    },
    { ms: 3_000, every: 100, what: () => `a sentinel reported; saw ${JSON.stringify(r.seen.slice(from))}` },
  );
  const seen = r.seen.slice(from);
  return seen.slice(0, seen.findIndex((path) => written.has(path))).filter((path) => !path?.startsWith("sentinel-"));
}

/**
 * Builds `dir/<255 x>/<250 y>/…` (16 y's) past Linux's PATH_MAX (4096): each half is made short,
 * then the second is moved under the first, since no one path may name the whole.
 */
function nestBeyondPathMax(dir: string): { first: string; chain: string[] } {
  const first = "x".repeat(255);
  const chain = Array.from({ length: 16 }, () => "y".repeat(250));
  const upper = join(dir, first, ...chain.slice(0, 8));
  const lower = join(tempDir(), ...chain.slice(8));
  mkdirSync(upper, { recursive: true });
  mkdirSync(lower, { recursive: true });
  renameSync(join(lower, ...Array(7).fill("..")), join(upper, chain[8]!));
  return { first, chain };
}

/** Writes `file` every 50 ms until the watcher reports it as `reported` (after `from`), for at most 3 s: for a watch that starts a moment later. */
async function writeUntilReported(seen: Array<string | null>, file: string, reported: string, from = 0): Promise<void> {
  await eventually(
    () => {
      if (seen.slice(from).includes(reported)) return true;
      writeFileSync(file, String(Date.now()));
    },
    { ms: 3_000, every: 50, what: () => `${reported} reported; saw ${JSON.stringify(seen.slice(from))}` },
  );
}

describeUnless(POSIX_FS_SKIP)("sources linked into the input from elsewhere", () => {
  async function input() {
    const dir = tree({ "src/": "", "shared/deep/button.css": "a", "README.md": "a" });
    const src = join(dir, "src");
    const shared = join(dir, "shared");
    symlinkSync(shared, join(src, "shared"));
    symlinkSync("../README.md", join(src, "README.md"));
    symlinkSync("/nonexistent/storytime", join(src, "broken.py"));
    // A cycle outside the input: shared/deep/up -> shared.
    symlinkSync(shared, join(shared, "deep/up"));
    return { dir, src, shared, r: await watchWorker("input", src) };
  }

  test("edits inside a linked directory and to a linked file are reported under the link's path", async () => {
    const { dir, shared, r } = await input();
    // Links are looked for just after the watcher is ready (so a large tree does not delay
    // start-up): write until the first edit comes through, then expect each edit at once.
    await writeUntilReported(r.seen, join(shared, "deep/button.css"), join("shared", "deep/button.css"));
    const mark = r.seen.length;
    writeFileSync(join(dir, "README.md"), "b");
    await r.next((p) => p === "README.md", mark);
  });

  test("a link broken at start, directly or down a chain of links, is followed once its target appears, and that is a change", async () => {
    const dir = tree({ "in/": "", "ext/": "" });
    const input = join(dir, "in");
    const ext = join(dir, "ext");
    symlinkSync("../ext/later", join(input, "later"));
    symlinkSync("../ext/hop", join(input, "chained"));
    symlinkSync("chained-target", join(ext, "hop"));
    const w = await watchWorker("input", input);
    await reportedSince(w, 0, input, ".py");
    for (const target of ["later", "chained-target"]) {
      const mark = w.seen.length;
      const staged = join(dir, "staged");
      mkdirSync(staged);
      writeFileSync(join(staged, "card.py"), "x");
      renameSync(staged, join(ext, target));
      // Seen at once, through a watch on where the target was to appear: before anything written after it.
      expect(await reportedSince(w, mark, input, ".py")).toEqual([null]);
    }
    await writeUntilReported(w.seen, join(ext, "later/card.py"), join("later", "card.py"));
    await writeUntilReported(w.seen, join(ext, "chained-target/card.py"), join("chained", "card.py"));
  });

  test("a new link to a directory, even one already linked, is a change at once", async () => {
    const { dir, src, shared, r } = await input();
    await reportedSince(r, 0, src, ".py");
    const other = join(dir, "other");
    mkdirSync(other);
    writeFileSync(join(other, "card.py"), "x");
    for (const [target, link] of [
      [other, "other"],
      [shared, "shared-again"],
    ] as const) {
      const mark = r.seen.length;
      symlinkSync(target, join(src, link));
      expect(await reportedSince(r, mark, src, ".py")).toEqual([null]);
    }
  });

  test("a link created later is followed, a broken link and a link cycle do not stop the watcher", async () => {
    const { dir, src, r } = await input();
    const later = join(dir, "later");
    mkdirSync(later);
    symlinkSync(later, join(src, "later"));
    // The new link is picked up from its own event; write until the target's edits come through.
    await writeUntilReported(r.seen, join(later, "card.py"), join("later", "card.py"));
    const mark2 = r.seen.length;
    writeFileSync(join(src, "own.py"), "x");
    await r.next((p) => p === "own.py", mark2);
  });
});

describeUnless(POSIX_FS_SKIP)("an output directory that changes under the watch", () => {
  test("a symlinked output swapped to a new target (ln -sfn) is followed at once; the old target no longer counts", async () => {
    const dir = tree({ "gen1/index.html": "gen1", "gen2/index.html": "gen2" });
    symlinkSync("gen1", join(dir, "result"));
    const w = watchOutput(join(dir, "result"));
    await Bun.sleep(50);
    expect(Bun.spawnSync(["ln", "-sfn", "gen2", join(dir, "result")]).exitCode).toBe(0);
    // Well inside the one-second root check: the swap is seen through the link's parent.
    await w.next((p) => p === null, 0, 500);
    const mark = w.seen.length;
    writeFileSync(join(dir, "gen2/index.html"), "gen2 edited");
    await w.next((p) => p === "index.html", mark);
    const mark2 = w.seen.length;
    writeFileSync(join(dir, "gen1/index.html"), "old target edited");
    // A sentinel written through the link after the edit: once it is reported, the edit would have been.
    expect(await reportedSince(w, mark2, join(dir, "result"))).toEqual([]);
  });

  // As root, chmod 000 denies nothing, so the unreadable half is exercised only as a normal user
  // (the suite runs so in README's non-root check); the decision itself is unit-tested below.
  test("an output made unreadable and readable again, or replaced by a file and then a directory, is watched again", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    mkdirSync(out);
    const w = watchOutput(out);
    chmodSync(out, 0o000);
    await Bun.sleep(100);
    chmodSync(out, 0o755);
    await Bun.sleep(1_100);
    const mark = w.seen.length;
    writeFileSync(join(out, "index.html"), "after chmod");
    await w.next((p) => p === "index.html", mark);

    rmSync(out, { recursive: true });
    writeFileSync(out, "a file for a moment");
    await Bun.sleep(100);
    rmSync(out);
    mkdirSync(out);
    await w.next((p) => p === null, mark);
    // That null may still be the deletion's: on a loaded machine the directory is armed a moment later.
    await writeUntilReported(w.seen, join(out, "index.html"), "index.html", w.seen.length);
  });

  test("a missing output whose parent turns into a file waits without crashing, and is watched once it exists", async () => {
    const dir = tempDir();
    const root = join(dir, "build/catalog");
    writeFileSync(join(dir, "build"), "not a directory");
    expect(rootState(root)).toEqual({ kind: "missing" });
    const w = watchOutput(root);
    await Bun.sleep(100);
    rmSync(join(dir, "build"));
    mkdirSync(root, { recursive: true });
    await w.next((p) => p === null, 0);
    await Bun.sleep(50);
    const mark = w.seen.length;
    writeFileSync(join(root, "index.html"), "x");
    await w.next((p) => p === "index.html", mark);
    expect(w.errors).toEqual([]);
  });

  test("a root replaced in one step (rename over it) is announced once, not twice", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    mkdirSync(out);
    const w = watchOutput(out);
    await Bun.sleep(50);
    const fresh = join(dir, "fresh");
    mkdirSync(fresh);
    rmSync(out, { recursive: true });
    renameSync(fresh, out);
    await w.next((p) => p === null, 0);
    // Past two root checks, each of which would announce the new root again if it took it for another.
    await Bun.sleep(2 * ROOT_CHECK_MS + 200);
    expect(w.seen.filter((p) => p === null)).toHaveLength(1);
  });
});

/** Only Linux's watcher opens every directory of a tree, so only there can one of them fail. */
const INOTIFY_SKIP = process.platform === "linux" ? null : "FSEvents and ReadDirectoryChangesW watch a tree whole, without opening each directory";

describeUnless(INOTIFY_SKIP)("a directory inside the tree that cannot be watched", () => {
  test("one nested past PATH_MAX is told once, costs no re-arm and no change, the rest is watched, and it is watched once moved up", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    mkdirSync(join(out, "docs"), { recursive: true });
    const { first, chain } = nestBeyondPathMax(join(out, "deep"));
    const logs = captureLogs();
    const told = () => logs.lines.filter((line) => line.includes("is not watched"));
    const w = await watchWorker("output", out);
    try {
      // Past two root checks: before, each re-armed the watch and announced the re-arm as a change.
      await Bun.sleep(2 * ROOT_CHECK_MS + 200);
      expect(await reportedSince(w, 0, out)).toEqual([]);
      expect(told()).toHaveLength(1);
      expect(told()[0]).toContain(join(out, "deep", first).slice(0, 60));
      expect(told()[0]).toContain("longer than the system allows");
      expect(told()[0]!.length).toBeLessThan(600);

      // Watched afresh for another reason, the same directory is not told again.
      renameSync(out, `${out}-away`);
      renameSync(`${out}-away`, out);
      await w.next((p) => p === null, 0);
      await reportedSince(w, 0, out);
      expect(told()).toHaveLength(1);

      writeFileSync(join(out, "docs/page.html"), "x");
      await w.next((p) => p === "docs/page.html", 0);

      renameSync(join(out, "deep", first), join(out, "deep/x"));
      await writeUntilReported(w.seen, join(out, "deep/x", ...chain, "page.html"), join("deep/x", ...chain, "page.html"));
      // Moved up, it was forgotten: moved back down, it is told again.
      renameSync(join(out, "deep/x"), join(out, "deep", first));
      await reportedSince(w, 0, out);
      expect(told()).toHaveLength(2);
    } finally {
      w.stop();
      Bun.spawnSync(["rm", "-rf", dir]);
    }
  });
});

describeUnless(POSIX_FS_SKIP)("a directory that leaves the tree", () => {
  /** `dir/<kind>/<file>` watched, its first report in, and `dir/ext` to move things to. */
  async function treeWith(kind: WatcherKind, file: string) {
    const dir = tempDir();
    const root = join(dir, kind);
    const ext = join(dir, "ext");
    mkdirSync(join(root, dirname(file)), { recursive: true });
    mkdirSync(ext);
    writeFileSync(join(root, file), "x");
    const w = await watchWorker(kind, root);
    await reportedSince(w, 0, root, extname(file));
    return { dir, root, ext, w };
  }

  test("moved out of the input, it is a change; edits in its new place, even once its name is back, are not", async () => {
    const { root: input, ext, w } = await treeWith("input", "components/button/stories.py");
    const mark = w.seen.length;
    renameSync(join(input, "components"), join(ext, "components"));
    expect(await reportedSince(w, mark, input, ".py")).toEqual([null]);

    const mark2 = w.seen.length;
    writeFileSync(join(ext, "components/button/stories.py"), "edited there");
    writeFileSync(join(ext, "components/button/new.py"), "new there");
    expect(await reportedSince(w, mark2, input, ".py")).toEqual([]);

    mkdirSync(join(input, "components/button"), { recursive: true });
    const mark3 = w.seen.length;
    writeFileSync(join(ext, "components/button/later.py"), "later there");
    unlinkSync(join(ext, "components/button/new.py"));
    expect(await reportedSince(w, mark3, input, ".py")).toEqual([]);
  });

  test("removed from the input, it is a change; a folder that held no sources is none", async () => {
    const { dir, root: input, w } = await treeWith("input", "components/button/stories.py");
    mkdirSync(join(input, "components/__pycache__"));
    mkdirSync(join(input, "scratch"));
    writeFileSync(join(input, "components/__pycache__/stories.cpython-311.pyc"), "x");
    writeFileSync(join(input, "scratch/state.sqlite"), "x");
    const none = w.seen.length;
    rmSync(join(input, "components/__pycache__"), { recursive: true });
    renameSync(join(input, "scratch"), join(dir, "scratch"));
    expect(await reportedSince(w, none, input, ".py")).toEqual([]);
    const mark = w.seen.length;
    rmSync(join(input, "components"), { recursive: true });
    expect(await reportedSince(w, mark, input, ".py")).not.toEqual([]);
  });

  test("moved out of the output, it is reported; edits to its files in their new place are not, even once its name is back", async () => {
    const { root: out, ext, w } = await treeWith("output", "section/index.html");
    const mark = w.seen.length;
    renameSync(join(out, "section"), join(ext, "section"));
    await w.next((p) => p === "section", mark);
    const mark2 = w.seen.length;
    writeFileSync(join(ext, "section/index.html"), "edited there");
    writeFileSync(join(ext, "section/new.html"), "new there");
    expect(await reportedSince(w, mark2, out)).toEqual([]);

    const mark3 = w.seen.length;
    mkdirSync(join(out, "section"));
    writeFileSync(join(ext, "section/index.html"), "edited there again");
    expect(await reportedSince(w, mark3, out)).toEqual(["section"]);
  });
});

describeUnless(POSIX_FS_SKIP)("names the server never serves", () => {
  test("dotfiles and dot-directories in the output are not reported; a dot temp file renamed onto a page is, once", async () => {
    const out = join(tempDir(), "out");
    mkdirSync(join(out, ".git"), { recursive: true });
    const w = await watchWorker("output", out);
    await reportedSince(w, 0, out);
    const mark = w.seen.length;
    writeFileSync(join(out, ".index.html.swp"), "vim");
    writeFileSync(join(out, ".git/index"), "git");
    writeFileSync(join(out, ".DS_Store"), "finder");
    mkdirSync(join(out, ".~tmp~"));
    writeFileSync(join(out, ".~tmp~/index.html"), "rsync");
    writeFileSync(join(out, ".index.html.tmp"), "saved");
    renameSync(join(out, ".index.html.tmp"), join(out, "index.html"));
    expect([...new Set(await reportedSince(w, mark, out))]).toEqual(["index.html"]);
  });
});
