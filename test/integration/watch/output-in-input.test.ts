import { afterEach, expect, test } from "bun:test";
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { isInside } from "../../../src/paths.ts";
import { watchLinkTargets } from "../../../src/watch/links.ts";
import { startWatcher } from "../../../src/watchers.ts";
import { cleanup, onCleanup } from "../../helpers/cleanup.ts";
import { eventually } from "../../helpers/eventually.ts";
import { tempDir, tree } from "../../helpers/files.ts";
import { describeUnless, POSIX_FS_SKIP } from "../../helpers/skip.ts";

afterEach(cleanup);

/**
 * An input watcher on `input` that leaves `output` out. Whether a write was left out is told by
 * evidence, not by waiting: a file system reports changes in order, so once a source file written
 * after the output's files is reported, nothing of the output can still be on its way.
 */
async function watchProject(input: string, output: string) {
  const seen: Array<string | null> = [];
  const watcher = startWatcher("input", input, (path) => seen.push(path), { exclude: output });
  onCleanup(() => watcher.stop());
  await watcher.ready;
  let sentinels = 0;
  return {
    seen,
    /** Writes a source file and resolves once it is reported: every event before it has been seen. */
    async settled(dir = input, shownAs = ""): Promise<void> {
      const name = `sentinel-${++sentinels}.md`;
      // Written again until seen: the link scan starts just after the watcher is ready.
      await eventually(
        () => {
          if (seen.includes(join(shownAs, name))) return true;
          writeFileSync(join(dir, name), String(Date.now()));
        },
        { every: 20, what: () => `${name} reported; saw ${JSON.stringify(seen)}` },
      );
    },
    /** What was reported from under `prefix` (a path relative to the input). */
    under: (prefix: string) => seen.filter((path) => path !== null && (path === prefix || path.startsWith(prefix + sep))),
  };
}

/** What a generator writes: five posts and a home page. */
function writeSite(output: string): void {
  tree({ ...Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`posts/p${i}.html`, `<p>${i}</p>`])), "index.html": "<p>home</p>" }, output);
}

test("an output that does not exist yet, created inside the input by the first build, is left out of the input watch", async () => {
  const project = tree({ "index.md": "# home" });
  const w = await watchProject(project, join(project, "_site"));
  writeSite(join(project, "_site"));
  writeFileSync(join(project, "index.md"), "# home, edited");
  await w.settled();
  expect(w.under("_site")).toEqual([]);
  expect(w.seen).toContain("index.md");
});

test("an output deleted and recreated by a clean build stays left out", async () => {
  const project = tempDir();
  const output = join(project, "public");
  writeSite(output);
  const w = await watchProject(project, output);
  for (let build = 0; build < 3; build++) {
    rmSync(output, { recursive: true });
    writeSite(output);
  }
  await w.settled();
  expect(w.under("public")).toEqual([]);
});

test("a directory whose name only starts like the output's is still watched", async () => {
  const project = tree({ "_site-notes/": "" });
  const w = await watchProject(project, join(project, "_site"));
  writeFileSync(join(project, "_site-notes", "todo.md"), "x");
  await w.settled();
  expect(w.seen).toContain(join("_site-notes", "todo.md"));
});

describeUnless(POSIX_FS_SKIP)("the output inside the input, judged on real paths", () => {
  test("an output named through a symlink that leads into the input is left out", async () => {
    const dir = tempDir();
    const project = join(dir, "project");
    mkdirSync(join(project, "build/html"), { recursive: true });
    symlinkSync(join(project, "build/html"), join(dir, "html"));
    const w = await watchProject(project, join(dir, "html"));
    writeSite(join(project, "build/html"));
    await w.settled();
    expect(w.under("build")).toEqual([]);
  });

  /** A project whose output holds a link to `vendor` outside the project, as some builds link their static files in. */
  function projectWithLinkingOutput(outputIsLink: boolean) {
    const dir = tempDir();
    const project = join(dir, "project");
    const shared = join(dir, "shared");
    const vendor = join(dir, "vendor");
    const out = outputIsLink ? join(dir, "out") : join(project, "_site");
    for (const each of [project, shared, vendor, out]) mkdirSync(each, { recursive: true });
    // A linked source that is followed, so that its sentinel proves the link scan has run.
    symlinkSync(shared, join(project, "shared"));
    symlinkSync(vendor, join(out, "vendor"));
    if (outputIsLink) symlinkSync(out, join(project, "_site"));
    return { project, shared, vendor, out };
  }

  test.each([
    ["a directory", false],
    ["a symlink to elsewhere", true],
  ])("an output inside the input that is %s is not scanned for links: what it links to is no source", async (_kind, outputIsLink) => {
    const { project, shared, vendor, out } = projectWithLinkingOutput(outputIsLink);
    const w = await watchProject(project, join(project, "_site"));
    await w.settled(shared, "shared");
    writeSite(out);
    writeFileSync(join(vendor, "lib.css"), "a{}");
    await w.settled(shared, "shared");
    expect(w.under("_site")).toEqual([]);
  });

  test("the link scan does not walk into an output directory inside the input", async () => {
    const { project, shared, vendor } = projectWithLinkingOutput(false);
    const reported: string[] = [];
    const site = realpathSync(join(project, "_site"));
    const links = watchLinkTargets(project, (path) => reported.push(path), () => {}, (path) => isInside(path, site));
    onCleanup(() => links.close());
    writeFileSync(join(vendor, "lib.css"), "a{}");
    writeFileSync(join(shared, "sentinel.md"), "x");
    await eventually(() => reported.includes(join("shared", "sentinel.md")), { what: () => `shared/sentinel.md reported; saw ${JSON.stringify(reported)}` });
    expect(reported.filter((path) => path.startsWith("_site"))).toEqual([]);
  });

  test("an output inside a linked-in source directory is left out of that link's watch", async () => {
    const dir = tempDir();
    const project = join(dir, "project");
    const docs = join(dir, "docs");
    mkdirSync(project);
    mkdirSync(docs);
    symlinkSync(docs, join(project, "docs"));
    const w = await watchProject(project, join(docs, "_build"));
    await w.settled(docs, "docs");
    writeSite(join(docs, "_build"));
    await w.settled(docs, "docs");
    expect(w.under(join("docs", "_build"))).toEqual([]);
  });
});
