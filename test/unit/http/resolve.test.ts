import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveRequestPath } from "../../../src/http/resolve.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { tree } from "../../helpers/files.ts";

afterEach(cleanup);

function catalog() {
  const base = tree({
    "out/index.html": "root",
    "out/section/button/index.html": "button",
    "out/static/site.css": "css",
    "out/.env": "SECRET",
    "out-private/secret.txt": "SECRET",
    "outside.txt": "SECRET",
  });
  return { base, root: join(base, "out") };
}

describe("resolveRequestPath", () => {
  test("a file maps to itself", async () => {
    const { root } = catalog();
    const { ino } = statSync(join(root, "static/site.css"));
    expect(await resolveRequestPath(root, "/static/site.css")).toMatchObject({ kind: "file", file: { path: join(root, "static/site.css"), ino } });
  });

  test("a directory with a trailing slash serves its index.html", async () => {
    const { root } = catalog();
    expect(await resolveRequestPath(root, "/")).toMatchObject({ kind: "file", file: { path: join(root, "index.html") } });
    expect(await resolveRequestPath(root, "/section/button/")).toMatchObject({ kind: "file", file: { path: join(root, "section/button/index.html") } });
  });

  test("a directory without the trailing slash redirects to it", async () => {
    const { root } = catalog();
    expect(await resolveRequestPath(root, "/section/button")).toEqual({ kind: "redirect", location: "/section/button/" });
  });

  test("a redirect is rebuilt from clean segments, so it cannot point at another host", async () => {
    const { root } = catalog();
    mkdirSync(join(root, "evil.example"));
    expect(await resolveRequestPath(root, "//evil.example")).toEqual({ kind: "redirect", location: "/evil.example/" });
  });

  test("percent-encoded names are decoded", async () => {
    const { root } = catalog();
    writeFileSync(join(root, "a b.css"), "x");
    expect(await resolveRequestPath(root, "/a%20b.css")).toMatchObject({ kind: "file", file: { path: join(root, "a b.css") } });
  });

  test("missing files, and files under a file, are missing", async () => {
    const { root } = catalog();
    expect(await resolveRequestPath(root, "/nope.html")).toEqual({ kind: "missing" });
    expect(await resolveRequestPath(root, "/index.html/x")).toEqual({ kind: "missing" });
  });

  test("double encoding stays encoded: %252e%252e is a literal name, not a parent", async () => {
    const { root } = catalog();
    expect(await resolveRequestPath(root, "/%252e%252e/outside.txt")).toEqual({ kind: "missing" });
  });

  test("a symlink that stays inside the root is served", async () => {
    const { root } = catalog();
    symlinkSync(join(root, "static/site.css"), join(root, "alias.css"));
    expect(await resolveRequestPath(root, "/alias.css")).toMatchObject({ kind: "file" });
  });
});
