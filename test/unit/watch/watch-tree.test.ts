import { afterEach, expect } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT_CHECK_MS } from "../../../src/watch/watch-tree.ts";
import { TestSocket, cleanup, tempDir, testUnless } from "../../helpers.ts";
import { CLI, asNobody, launch, nobodySkipReason } from "../../process.ts";

afterEach(cleanup);

const IS_ROOT = process.getuid?.() === 0;
const UNREADABLE_SKIP = process.platform === "win32" ? "chmod 000 does not make a directory unreadable on Windows" : IS_ROOT ? nobodySkipReason() : null;

// `..name` is a name like any other: only `..` itself climbs out of the watched tree.
testUnless(UNREADABLE_SKIP)("an unreadable directory whose name starts with two dots is left out like any other, told once, and reloads nothing", async () => {
  const dir = tempDir();
  const out = join(dir, "out");
  const locked = join(out, "..locked");
  mkdirSync(locked, { recursive: true });
  writeFileSync(join(out, "index.html"), "<p>catalog</p>");
  if (IS_ROOT) Bun.spawnSync(["chown", "-R", "65534:65534", dir]);
  chmodSync(locked, 0o000);
  const args = ["bun", CLI, "--output", out, "--port", "0"];
  const server = await launch(IS_ROOT ? asNobody(args) : args, { cwd: dir });
  try {
    const page = await TestSocket.open(server);
    // Past two root checks: a watch that took the directory for the root's own trouble would re-arm at each, reloading every page.
    await Bun.sleep(2 * ROOT_CHECK_MS + 300);
    expect(page.messages).toEqual([]);
    const told = server.output().split("\n").filter((line) => line.includes(`${locked} is not watched`));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain("permission denied");
  } finally {
    server.proc.kill("SIGKILL");
    chmodSync(locked, 0o755);
  }
});
