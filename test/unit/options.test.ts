import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../src/errors.ts";
import { DEFAULTS, resolveOptions } from "../../src/options.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { tempDir } from "../helpers/files.ts";
import { describeUnless, IS_ROOT, POSIX_FS_SKIP } from "../helpers/skip.ts";

afterEach(cleanup);

/** The sentence a user would read, or null when the arguments are accepted. */
function mistake(raw: Parameters<typeof resolveOptions>[0], cwd = tempDir()): string | null {
  try {
    resolveOptions(raw, cwd);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
}

describe("resolveOptions", () => {
  test("defaults: relative to the working directory, loopback, 8080, no build, a missing default input is no input", () => {
    const cwd = tempDir();
    expect(resolveOptions({}, cwd)).toEqual({
      output: join(cwd, DEFAULTS.output),
      inputs: [],
      build: null,
      watchBuild: null,
      port: 8080,
      host: "127.0.0.1",
      open: false,
      verbose: false,
    });
  });

  test("a default input that exists is watched", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, DEFAULTS.input), { recursive: true });
    expect(resolveOptions({}, cwd).inputs).toEqual([join(cwd, DEFAULTS.input)]);
  });

  test.each([["0", 0], ["8080", 8080], [" 65535 ", 65535]])("--port %p is %p", (port, expected) => {
    expect(resolveOptions({ port }, tempDir()).port).toBe(expected);
  });

  test.each([["abc"], ["65536"], ["-1"], ["80.5"], ["1e3"]])("--port %p is refused with an example", (port) => {
    expect(mistake({ port })).toBe(`--port must be a whole number from 0 to 65535, not "${port}"; for example --port 8080.`);
  });

  test.each([["::1", "::1"], ["[::1]", "::1"], ["localhost.", "localhost."], ["0.0.0.0", "0.0.0.0"], ["mybox.local", "mybox.local"]])("--host %p is %p", (host, expected) => {
    expect(resolveOptions({ host }, tempDir()).host).toBe(expected);
  });

  test.each([["999.1.1.1"], ["127.1"], ["1.2.3.4.5"]])("--host %p, numbers that are no IPv4 address, is refused before any lookup", (host) => {
    expect(mistake({ host })).toStartWith(`--host ${host} is not a valid IPv4 address`);
  });

  test.each([["http://x"], ["a b"], ["x@y"]])("--host %p is not a host", (host) => {
    expect(mistake({ host })).toStartWith(`--host must be a host name or IP address, not "${host}"`);
  });

  test.each([["output"], ["input"], ["build"], ["port"], ["host"]] as const)("an empty --%s is refused rather than taken as a default", (flag) => {
    expect(mistake({ [flag]: " " })).toStartWith(`--${flag} needs a value, for example --${flag} `);
  });

  test("an empty --watch-build is refused by the name it is typed with; with --build it is one or the other", () => {
    expect(mistake({ watchBuild: "" })).toBe('--watch-build needs a value, for example --watch-build "hugo --watch".');
    expect(mistake({ watchBuild: "hugo --watch", build: "hugo" })).toStartWith("--build and --watch-build both rebuild the output; pass one:");
  });

  test("an explicit --input that is missing, or a file, is refused", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "file"), "");
    expect(mistake({ input: "nope" }, cwd)).toBe(`--input ${join(cwd, "nope")} does not exist; pass the directory that holds your catalog's sources.`);
    expect(mistake({ input: "file" }, cwd)).toBe(`--input ${join(cwd, "file")} is a file, not a directory; pass the directory that holds your catalog's sources.`);
  });

  test("--build without an input directory is refused, naming the directory looked for", () => {
    const cwd = tempDir();
    expect(mistake({ build: "make" }, cwd)).toBe(
      `--build needs an input to watch, and the default --input ${join(cwd, DEFAULTS.input)} does not exist; pass --input with the directory that holds your sources.`,
    );
  });

  test("--input given several times watches each; one inside another (or twice) is refused", () => {
    const cwd = tempDir();
    for (const dir of ["content", "layouts", "content/posts"]) mkdirSync(join(cwd, dir), { recursive: true });
    expect(resolveOptions({ input: ["content", "layouts"] }, cwd).inputs).toEqual([join(cwd, "content"), join(cwd, "layouts")]);
    expect(mistake({ input: ["content", "content/posts"] }, cwd)).toBe(
      `--input ${join(cwd, "content/posts")} is inside --input ${join(cwd, "content")}, which is watched already; pass only ${join(cwd, "content")}.`,
    );
    expect(mistake({ input: ["layouts", "layouts/"] }, cwd)).toStartWith(`--input ${join(cwd, "layouts")} is inside --input ${join(cwd, "layouts")}`);
    expect(mistake({ input: ["content", " "] }, cwd)).toStartWith("--input needs a value");
  });

  test("an output inside the input (a generator's default layout) is accepted, existing or not", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "public"));
    expect(resolveOptions({ input: ".", output: "public" }, cwd)).toMatchObject({ inputs: [cwd], output: join(cwd, "public") });
    expect(resolveOptions({ input: ".", output: "_site" }, cwd)).toMatchObject({ inputs: [cwd], output: join(cwd, "_site") });
  });

  test("an input inside the output, or the output itself, is refused", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "out/src"), { recursive: true });
    expect(mistake({ input: "out/src", output: "out" }, cwd)).toBe(
      `--input ${join(cwd, "out/src")} is inside --output ${join(cwd, "out")}, and a clean build would delete it; put the input outside the output.`,
    );
    expect(mistake({ input: "out", output: "out" }, cwd)).toStartWith(`--input ${join(cwd, "out")} is inside --output`);
  });

  test("an --output that is a file is refused; one that does not exist yet is fine", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "file"), "");
    expect(mistake({ output: "file" }, cwd)).toBe(`--output ${join(cwd, "file")} is a file, not a directory; pass the directory your build writes the catalog to.`);
    expect(resolveOptions({ output: "later/catalog" }, cwd).output).toBe(join(cwd, "later/catalog"));
  });

  test.skipIf(IS_ROOT)("an unreadable --output is refused (skipped as root, who reads everything)", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "locked"));
    chmodSync(join(cwd, "locked"), 0);
    try {
      expect(mistake({ output: "locked" }, cwd)).toBe(`--output ${join(cwd, "locked")} cannot be read (permission denied); fix its permissions or pass another directory.`);
    } finally {
      chmodSync(join(cwd, "locked"), 0o700);
    }
  });
});

describeUnless(POSIX_FS_SKIP)("inputs and outputs compared on real paths", () => {
  test("an input reached through a symlink into the output is refused, as a real one inside it is", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "out/src"), { recursive: true });
    symlinkSync(join(cwd, "out/src"), join(cwd, "src"));
    expect(mistake({ input: "src", output: "out" }, cwd)).toStartWith(`--input ${join(cwd, "src")} is inside --output ${join(cwd, "out")}`);
  });

  test("an input reached through a symlink into another input is refused", () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "content/posts"), { recursive: true });
    symlinkSync(join(cwd, "content/posts"), join(cwd, "posts"));
    expect(mistake({ input: ["content", "posts"] }, cwd)).toStartWith(`--input ${join(cwd, "posts")} is inside --input ${join(cwd, "content")}`);
  });
});
