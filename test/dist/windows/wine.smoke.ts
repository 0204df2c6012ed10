/**
 * The real windows-x64 executable under Wine: `bun run test:windows` (needs wine and
 * x86_64-w64-mingw32-gcc; .ci/run installs both from Debian). Not part of `bun test`: the file
 * name does not end in .test.ts, because it compiles a Windows binary and boots Wine.
 *
 * Wine is an emulation of Windows, so every case asserts only what Wine does deterministically:
 * events for new files (not overwrites, which Wine 8.0 sometimes misses), files a build wrote
 * (not cmd.exe's exit codes), and HTTP status codes and bodies.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../../package.json" with { type: "json" };
import { compile } from "../../../scripts/compile.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { eventually } from "../../helpers/eventually.ts";
import { tempDir } from "../../helpers/files.ts";
import { launch, run, type Running } from "../../helpers/process.ts";
import { rawRequest } from "../../helpers/raw-http.ts";
import { TestSocket } from "../../helpers/socket.ts";

const RELOAD = '{"type":"reload"}';
/** Wine answers in seconds, not milliseconds; still bounded, so a lost event fails the case. */
const EVENT_MS = 10_000;
const CASE_MS = 60_000;

const work = tempDir("storytime-wine-");
// A prefix of our own, never the user's ~/.wine; no Mono or Gecko install prompts at first start.
const env = { WINEPREFIX: join(work, "prefix"), WINEDEBUG: "-all", WINEDLLOVERRIDES: "mscoree,mshtml=" };
let exe = "";
const servers: Running[] = [];

/** The Windows path Wine gives a Linux path: drive Z: is the Linux root. */
function windowsPath(path: string): string {
  return `Z:${path.replaceAll("/", "\\")}`;
}

function wine(args: string[], cwd = work, timeoutMs = 60_000) {
  return run(["wine", ...args], { cwd, env, timeoutMs });
}

async function serve(cwd: string, args: string[]): Promise<Running> {
  const server = await launch(["wine", exe, "--host", "127.0.0.1", "--port", "0", ...args], { cwd, env });
  servers.push(server);
  return server;
}

/** Lets events from earlier writes arrive first, so the next count belongs to the next write. */
async function settle(client: TestSocket): Promise<number> {
  for (let tries = 0; tries < 20 && !(await client.staysQuiet(300)); tries++);
  return client.messages.length;
}

async function stop(server: Running): Promise<void> {
  server.proc.kill("SIGKILL");
  await server.proc.exited;
}

/** Polls for a file a Windows process writes; its content once it is complete, or null. */
function fileAppears(path: string, ms = EVENT_MS): Promise<string | null> {
  const complete = () => {
    const text = existsSync(path) ? readFileSync(path, "utf8") : "";
    return text.endsWith("\n") && text;
  };
  return eventually(complete, { ms, every: 50, what: `${path} written` }).catch(() => null);
}

beforeAll(async () => {
  for (const tool of ["wine", "x86_64-w64-mingw32-gcc"]) {
    if (!Bun.which(tool)) throw new Error(`${tool} is not installed: apt-get install wine64 gcc-mingw-w64-x86-64 (or run .ci/run).`);
  }
  const bin = join(work, "bin");
  mkdirSync(bin);
  exe = await compile(join(bin, "storytime-reload"), "bun-windows-x64");
  // Wine 8.0's bcryptprimitives.dll lacks ProcessPrng, which Bun imports; the stub beside the .exe supplies it.
  const gcc = await run(
    ["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s", "-o", join(bin, "bcryptprimitives.dll"), join(import.meta.dir, "processprng.c"), "-ladvapi32"],
    { timeoutMs: 60_000 },
  );
  if (gcc.code !== 0) throw new Error(`the ProcessPrng stub did not compile:\n${gcc.all}`);
  // The first start creates the Wine prefix (several seconds); done here so no case pays for it.
  await wine(["wineboot", "--init"], work, 120_000);
}, 300_000);

afterAll(async () => {
  for (const server of servers) server.proc.kill("SIGKILL");
  // wineserver outlives the processes for a few seconds; it is ours (our own prefix), so stop it.
  Bun.spawnSync(["wineserver", "-k"], { env: { ...process.env, ...env } });
  await cleanup();
});

describe("windows-x64 executable under Wine", () => {
  test("--version prints the package version", async () => {
    const result = await wine([exe, "--version"]);
    expect(result.stdout.trim()).toBe(pkg.version);
    expect(result.code).toBe(0);
  }, CASE_MS);

  describe("serving and reloading", () => {
    const site = join(work, "site");
    const out = join(site, "out");
    let server: Running;
    let client: TestSocket;

    beforeAll(async () => {
      mkdirSync(join(out, ".git"), { recursive: true });
      writeFileSync(join(out, "index.html"), "<h1>hello from wine</h1>");
      writeFileSync(join(out, ".env"), "SECRET=dotenv-under-wine\n");
      writeFileSync(join(out, ".git", "config"), "[core] secret-git-config\n");
      writeFileSync(join(site, "secret.txt"), "outside-the-output-dir\n");
      server = await serve(site, ["--output", "out"]);
      client = await TestSocket.open(server);
    }, CASE_MS);

    afterAll(async () => {
      if (server) await stop(server);
    });

    test("a page is served with the reload client injected", async () => {
      const page = await rawRequest(server.port, "/");
      expect(page.status).toBe(200);
      expect(page.headers["content-type"]).toContain("text/html");
      expect(page.body).toMatch(/<h1>hello from wine<\/h1><script src="\/__storytime\/client\.js\?h=\w+" data-storytime-version="\d+" async><\/script>/);
    }, CASE_MS);

    test("writing a new file reloads", async () => {
      const before = await settle(client);
      writeFileSync(join(out, "first.html"), "<p>first</p>");
      await client.waitFor(before + 1, EVENT_MS);
      expect(client.messages.at(-1)).toBe(RELOAD);
    }, CASE_MS);

    test("path traversal is refused", async () => {
      for (const target of ["/../secret.txt", "/..%2fsecret.txt", "/..%5csecret.txt", "/%2e%2e%5csecret.txt", "/..\\secret.txt", "/foo/..%5c..%5csecret.txt"]) {
        const answer = await rawRequest(server.port, target);
        expect({ target, leaked: answer.body.includes("outside-the-output-dir") }).toEqual({ target, leaked: false });
        expect({ target, status: answer.status }).not.toEqual({ target, status: 200 });
      }
    }, CASE_MS);

    test("8.3 short names of dotfiles are refused", async () => {
      // Wine derives short names from a hash of the long name: ask it rather than guess.
      const listing = await wine(["cmd", "/c", "dir", "/x", "/a", windowsPath(out)]);
      const shortName = (long: string) => listing.stdout.split(/\r?\n/).map((line) => line.trimEnd().match(new RegExp(`\\s(\\S+)\\s+${long.replace(".", "\\.")}$`))?.[1]).find(Boolean);
      const env83 = shortName(".env");
      const git83 = shortName(".git");
      expect({ env83, git83 }).toEqual({ env83: expect.stringMatching(/^_ENV~\w+$/), git83: expect.stringMatching(/^_GIT~\w+$/) });
      for (const target of [`/${env83}`, `/${git83}/config`, `/${env83!.toLowerCase()}`]) {
        const answer = await rawRequest(server.port, target);
        const leaked = answer.body.includes("dotenv-under-wine") || answer.body.includes("secret-git-config");
        expect({ target, leaked, refused: answer.status === 403 || answer.status === 404 }).toEqual({ target, leaked: false, refused: true });
      }
    }, CASE_MS);

    test("deleting and recreating the output directory reloads, and the next write does too", async () => {
      const before = await settle(client);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      writeFileSync(join(out, "index.html"), "<h1>rebuilt</h1>");
      const afterRecreate = await client.waitFor(before + 1, EVENT_MS).catch(() => client.messages.length);
      expect({ reloadedAfterRecreate: afterRecreate > before }).toEqual({ reloadedAfterRecreate: true });
      // A later save, after the burst of the recreate has been reported.
      const settled = await settle(client);
      writeFileSync(join(out, "later.html"), "<p>later</p>");
      const afterLater = await client.waitFor(settled + 1, EVENT_MS).catch(() => client.messages.length);
      expect({ reloadedAfterLaterWrite: afterLater > settled }).toEqual({ reloadedAfterLaterWrite: true });
    }, CASE_MS);
  });

  test("a --build command with quotes and & reaches cmd.exe verbatim", async () => {
    const site = join(work, "build-site");
    mkdirSync(join(site, "src"), { recursive: true });
    mkdirSync(join(site, "out"), { recursive: true });
    writeFileSync(join(site, "src", "page.txt"), "source");
    // Inside the quotes & is text; the bare & runs a second command. CRT-style re-quoting turns
    // the quotes into \" and the first file then holds \"a & b\" instead.
    const command = 'echo "a & b"> out\\quoted.txt & echo done> out\\second.txt';
    const server = await serve(site, ["--input", "src", "--output", "out", "--build", command]);
    try {
      const quoted = await fileAppears(join(site, "out", "quoted.txt"));
      const second = await fileAppears(join(site, "out", "second.txt"));
      expect({ quoted: quoted?.trimEnd(), second: second?.trimEnd() }).toEqual({ quoted: '"a & b"', second: "done" });
    } finally {
      await stop(server);
    }
  }, CASE_MS);
});
