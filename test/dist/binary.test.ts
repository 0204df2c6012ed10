import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { cleanup } from "../helpers/cleanup.ts";
import { ROOT, tempDir } from "../helpers/files.ts";
import { launch, run, type Running } from "../helpers/process.ts";
import { TestSocket } from "../helpers/socket.ts";

// Everything here is built once per file and shared by its tests, so it is removed after all of them.
afterAll(cleanup);

const RELOAD = '{"type":"reload"}';

/**
 * Serves `out/` under `cwd`, checks that a write there reaches a WebSocket client as a reload
 * and that the page comes back with the client injected, runs `more`, then stops the server
 * with SIGTERM, whatever happened: a wrapper such as bunx passes that on to the server it started.
 */
async function serveAndReload(
  command: string[],
  cwd: string,
  env?: Record<string, string>,
  more: (server: Running) => Promise<void> = async () => {},
): Promise<void> {
  const out = join(cwd, "out");
  mkdirSync(out, { recursive: true });
  const server = await launch([...command, "--output", "out", "--port", "0"], { cwd, env });
  let code: number | null;
  try {
    const client = await TestSocket.open(server);
    writeFileSync(join(out, "index.html"), "<h1>hello</h1>");
    await client.waitFor(1);
    expect(client.messages[0]).toBe(RELOAD);
    const page = await fetch(server.url);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toMatch(/<h1>hello<\/h1><script src="\/__storytime\/client\.js\?h=\w+" data-storytime-version="\d+" async><\/script>/);
    await more(server);
  } finally {
    server.proc.kill("SIGTERM");
    code = await Promise.race([server.proc.exited, Bun.sleep(3_000).then(() => null)]);
    if (code === null) server.proc.kill("SIGKILL");
  }
  // Windows has no signals: there the kill ends the process outright, with no code of its choosing.
  if (process.platform === "win32") expect(code).not.toBeNull();
  else expect(code).toBe(143);
}

describe("the single executable", () => {
  let home: string;
  let binary: string;
  /** No Bun, no node_modules: only what the system's shell needs. */
  let bare: Record<string, string>;

  beforeAll(async () => {
    const build = tempDir("storytime-compile-");
    const compiled = await run(["bun", join(ROOT, "scripts", "compile.ts"), "--outfile", join(build, "storytime-reload")], {
      timeoutMs: 60_000,
    });
    expect(compiled.all).toContain("Built");
    expect(compiled.code).toBe(0);
    home = tempDir("storytime-binary-");
    const [name] = readdirSync(build);
    binary = join(home, name!);
    renameSync(join(build, name!), binary);
    bare = process.platform === "win32" ? {} : { PATH: tempDir("storytime-no-bun-") };
  }, 60_000);

  test("--version from another directory prints the package version", async () => {
    const { code, stdout } = await run([binary, "--version"], { cwd: home, env: bare });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.version);
  });

  test("serves with the client injected, reloads on output changes, rebuilds on input changes", async () => {
    mkdirSync(join(home, "in"));
    // `echo text> file` means the same to sh and cmd.exe.
    const command = [binary, "--input", "in", "--build", `echo built> ${join("out", "built.html")}`];
    await serveAndReload(command, home, bare, async (server) => {
      await server.waitForOutput("Built in");
      const client = await TestSocket.open(server);
      const script = await (await fetch(new URL("/__storytime/client.js", server.url))).text();
      expect(script).toContain("location.reload()");
      writeFileSync(join(home, "in", "button.css"), "button { color: red }");
      await server.waitForOutput(/Building \(button\.css changed\)[\s\S]*Built in/);
      await client.waitFor(1);
      expect(client.messages.every((message) => message === RELOAD)).toBe(true);
      expect(await (await fetch(new URL("/built.html", server.url))).text()).toContain("built");
    });
  });
});

describe("the release script", () => {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const host = `bun-${platform}-${process.arch}`;

  test("names binaries by platform and writes SHA256SUMS that match them", async () => {
    const outdir = tempDir("storytime-release-");
    const release = await run(["bun", join(ROOT, "scripts", "release.ts"), "--outdir", outdir, "--target", host], { timeoutMs: 60_000 });
    expect(release.code).toBe(0);
    const name = `storytime-reload-${platform}-${process.arch}${platform === "windows" ? ".exe" : ""}`;
    expect(readdirSync(outdir).sort()).toEqual(["SHA256SUMS", name].sort());
    const digest = new Bun.CryptoHasher("sha256").update(readFileSync(join(outdir, name))).digest("hex");
    expect(readFileSync(join(outdir, "SHA256SUMS"), "utf8")).toBe(`${digest}  ${name}\n`);
  }, 60_000);

  test("an unknown target is one line and exit 2", async () => {
    const { code, all } = await run(["bun", join(ROOT, "scripts", "release.ts"), "--outdir", tempDir(), "--target", "bun-plan9-x64"]);
    expect(code).toBe(2);
    expect(all.trim()).toStartWith("release: unknown target bun-plan9-x64;");
    expect(all.trim().split("\n")).toHaveLength(1);
  });
});

describe("the npm package", () => {
  let project: string;
  let packed: { filename: string; size: number; files: Array<{ path: string }> };

  beforeAll(async () => {
    // Fresh caches: nothing of this package is left in the user's npm or Bun cache afterwards.
    const env = { npm_config_cache: tempDir("storytime-npm-cache-"), BUN_INSTALL_CACHE_DIR: tempDir("storytime-bun-cache-") };
    const tarballs = tempDir("storytime-pack-");
    const pack = await run(["npm", "pack", "--json", "--pack-destination", tarballs], { timeoutMs: 60_000, env });
    expect(pack.code).toBe(0);
    [packed] = JSON.parse(pack.stdout);
    project = tempDir("storytime-project-");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "storytime-reload-smoke", private: true }));
    const add = await run(["bun", "add", join(tarballs, packed.filename)], { cwd: project, timeoutMs: 60_000, env });
    expect(add.code).toBe(0);
  }, 90_000);

  test("ships only what runs, with the bin behind a bun shebang", () => {
    const paths = packed.files.map((file) => file.path);
    for (const path of paths) expect(path).toMatch(/^(src\/|client\/|package\.json$|README\.md$|LICENSE$)/);
    expect(paths).toContain("LICENSE");
    expect(paths).toContain("src/cli.ts");
    // Sources and README only (79 kB packed today; the bound was last raised for the generators'
    // input types and their README); a stray fixture or build output would blow it.
    expect(packed.size).toBeLessThan(100_000);
    const bin = readFileSync(join(project, "node_modules", "storytime-reload", pkg.bin["storytime-reload"]), "utf8");
    expect(bin.split("\n")[0]).toBe("#!/usr/bin/env bun");
  });

  test("bunx storytime-reload --version prints the package version", async () => {
    const { code, stdout } = await run(["bunx", "storytime-reload", "--version"], { cwd: project });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.version);
  });

  test("bunx storytime-reload serves and reloads", async () => {
    await serveAndReload(["bunx", "storytime-reload"], project);
  });
});
