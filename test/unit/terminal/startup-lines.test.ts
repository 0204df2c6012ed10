import { afterEach, describe, expect, test } from "bun:test";
import type { NetworkInterfaceInfo } from "node:os";
import { join } from "node:path";
import type { Options } from "../../../src/options.ts";
import { logStartup } from "../../../src/terminal/startup-lines.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { tempDir } from "../../helpers/files.ts";
import { captureLogs } from "../../helpers/logs.ts";

afterEach(cleanup);

const LAN = { eth0: [{ address: "192.168.1.20", family: "IPv4", internal: false } as NetworkInterfaceInfo] };

function linesFor(options: Partial<Options>): string[] {
  const logs = captureLogs();
  logStartup({ output: tempDir(), inputs: [], build: null, watchBuild: null, port: 0, host: "127.0.0.1", open: false, verbose: false, ...options }, 8080, LAN);
  return logs.lines;
}

describe("start-up lines", () => {
  test("a missing output with a build: pages wait for the first build", () => {
    const [serving] = linesFor({ output: join(tempDir(), "build"), inputs: [tempDir()], build: "make" });
    expect(serving).toEndWith("(not there yet: pages wait for the first build)");
  });

  test("a missing output and no build: pages answer 404 until it appears", () => {
    const [serving] = linesFor({ output: join(tempDir(), "build") });
    expect(serving).toEndWith("(not there yet: pages answer 404 until it appears, then reload)");
  });

  test("an output that exists: no remark", () => {
    const [serving] = linesFor({});
    expect(serving).toMatch(/at http:\/\/127\.0\.0\.1:8080\/ and reloading open pages when it changes$/);
  });

  test("every interface: the local URL first, then the network's, then the warning", () => {
    const lines = linesFor({ host: "0.0.0.0" });
    expect(lines[0]).toContain("at http://localhost:8080/");
    expect(lines[1]).toBe("storytime: On your network: http://192.168.1.20:8080/");
    expect(lines[2]).toContain("reachable from the network");
  });

  test("an input holding the output: the output is named as left out, once", () => {
    const lines = linesFor({ inputs: [process.cwd()], output: join(process.cwd(), "_site-not-there"), build: "make" });
    expect(lines.filter((line) => line.includes("Watching"))).toEqual([`storytime: Watching ${process.cwd()} (except _site-not-there, the output): a change runs \`make\``]);
  });

  test("a generator's watch mode: pages wait for its first build, then after a change for what it writes", () => {
    const input = tempDir();
    const [serving, watching] = linesFor({ output: join(tempDir(), "public"), inputs: [input], watchBuild: "hugo --watch" });
    expect(serving).toEndWith("(not there yet: pages wait for the first build)");
    expect(watching).toEndWith(": `hugo --watch` rebuilds on its own: pages wait for its first build, and after a change until it has written the output");
    const [, alone] = linesFor({ watchBuild: "hugo --watch" });
    expect(alone).toContain("No input directory (src/storytime is not here): `hugo --watch` watches the sources");
  });

  test("an input and no build: changes are logged, and pages wait for whatever rebuilds the output", () => {
    const [, watching] = linesFor({ inputs: [tempDir()] });
    expect(watching).toEndWith("changes are only logged, as no --build was given; pages wait for whatever rebuilds the output after a change");
  });

  test("loopback: no network line", () => {
    expect(linesFor({}).some((line) => line.includes("On your network"))).toBe(false);
  });

  test("a name that resolves to loopback only is not reachable from the network, whatever its name", () => {
    expect(linesFor({ host: "vm", hostAddresses: ["127.0.0.1", "::1"] }).some((line) => line.includes("reachable"))).toBe(false);
  });

  test("a name that resolves to a network address is warned about, with that address", () => {
    expect(linesFor({ host: "mybox.local", hostAddresses: ["192.168.1.20", "127.0.0.1"] })).toContain(
      "storytime: Listening on mybox.local (192.168.1.20): the catalog is reachable from the network, not only from this machine.",
    );
  });

  test("the last line says how to stop", () => {
    expect(linesFor({}).at(-1)).toBe("storytime: Press Ctrl-C to stop.");
    expect(linesFor({ host: "0.0.0.0", inputs: [tempDir()], build: "make" }).at(-1)).toBe("storytime: Press Ctrl-C to stop.");
  });
});
