import { afterEach, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { mayServeOpened } from "../../../src/http/file-stream.ts";
import { resolveRequestPath, type ResolvedFile } from "../../../src/http/resolve.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { tree } from "../../helpers/files.ts";

afterEach(cleanup);

describe("what may be served of a file opened after the resolver's checks", () => {
  async function resolved() {
    const dir = tree({ "out/page.css": "p{}", "out/other.css": "q{}", "outside/secret.css": "SECRET" });
    const found = await resolveRequestPath(join(dir, "out"), "/page.css");
    if (found.kind !== "file") throw new Error(`resolved as ${found.kind}`);
    return { dir, file: found.file as ResolvedFile };
  }

  test("where the kernel says where it lies (Linux): anywhere inside the output but a dot name, whichever file it is", async () => {
    const { dir, file } = await resolved();
    const other = statSync(join(dir, "out/other.css"));
    expect(mayServeOpened(file, other, join(file.realRoot, "other.css"))).toBe(true);
    expect(mayServeOpened(file, other, join(file.realRoot, ".git/config"))).toBe(false);
    expect(mayServeOpened(file, other, join(dir, "outside/secret.css"))).toBe(false);
  });

  test("where it cannot say: only the very file the resolver checked", async () => {
    const { dir, file } = await resolved();
    expect(mayServeOpened(file, statSync(join(dir, "out/page.css")), null)).toBe(true);
    expect(mayServeOpened(file, statSync(join(dir, "outside/secret.css")), null)).toBe(false);
    expect(mayServeOpened(file, statSync(join(dir, "out/other.css")), null)).toBe(false);
  });
});
