import { afterEach, describe, expect, test } from "bun:test";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { modifiedSince } from "../../../src/watch/worker-main.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { tree } from "../../helpers/files.ts";

afterEach(cleanup);

describe("a recheck for events another watcher's re-arm may have cost", () => {
  test("reports the files modified since the given time, and only those", () => {
    const root = tree({ "components/old.py": "", "components/.git/": "" });
    utimesSync(join(root, "components/old.py"), 1_000, 1_000);
    const since = Date.now() - 5_000;
    writeFileSync(join(root, "components/new.py"), "");
    writeFileSync(join(root, "components/.git/index"), "");
    expect(modifiedSince(root, since)).toEqual([join("components", "new.py")]);
  });
});
