import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { adhocSign, ensureSigned } from "../../scripts/adhoc-sign.ts";
import { CS_ADHOC, CS_RUNTIME, MachOError, verifySignature } from "../../scripts/macho.ts";
import { cleanup } from "../helpers/cleanup.ts";
import { ROOT, tempDir } from "../helpers/files.ts";
import { run } from "../helpers/process.ts";

afterAll(cleanup);

const TEXT_SIZE = 3 * 4096 + 1234;

/**
 * The smallest file the reader and the signer accept: a 64-bit Mach-O executable with __TEXT
 * (header plus code), __LINKEDIT holding only a 16-byte placeholder signature, and
 * LC_CODE_SIGNATURE pointing at it. The code bytes are a pattern so every page differs.
 */
function syntheticMachO(): Uint8Array {
  const signatureSize = 16;
  const out = new Uint8Array(TEXT_SIZE + signatureSize);
  const view = new DataView(out.buffer);
  const commands = [72, 72, 16];
  view.setUint32(0, 0xfeedfacf, true);
  view.setInt32(4, 0x01000007, true);
  view.setUint32(12, 2, true);
  view.setUint32(16, commands.length, true);
  view.setUint32(20, commands.reduce((a, b) => a + b), true);
  let at = 32;
  const segment = (name: string, fileoff: number, filesize: number) => {
    view.setUint32(at, 0x19, true);
    view.setUint32(at + 4, 72, true);
    out.set(new TextEncoder().encode(name), at + 8);
    view.setBigUint64(at + 32, BigInt(Math.ceil(filesize / 16384) * 16384), true);
    view.setBigUint64(at + 40, BigInt(fileoff), true);
    view.setBigUint64(at + 48, BigInt(filesize), true);
    at += 72;
  };
  segment("__TEXT", 0, TEXT_SIZE);
  segment("__LINKEDIT", TEXT_SIZE, signatureSize);
  view.setUint32(at, 0x1d, true);
  view.setUint32(at + 4, 16, true);
  view.setUint32(at + 8, TEXT_SIZE, true);
  view.setUint32(at + 12, signatureSize, true);
  for (let i = at + 16; i < TEXT_SIZE; i++) out[i] = (i * 7) & 0xff;
  return out;
}

describe("Mach-O code signature check", () => {
  test("an ad-hoc signature over the file verifies, page by page, up to the signature", () => {
    const signed = adhocSign(syntheticMachO(), "synthetic");
    const report = verifySignature(signed);
    expect(report.problems).toEqual([]);
    expect(report.valid).toBe(true);
    const [cd] = report.directories;
    expect(cd!.hashName).toBe("SHA-256");
    expect(cd!.directory.pageSize).toBe(4096);
    expect(cd!.directory.codeLimit).toBe(TEXT_SIZE);
    expect(cd!.directory.identifier).toBe("synthetic");
    expect(cd!.directory.flags & CS_ADHOC).toBe(CS_ADHOC);
    expect(cd!.directory.flags & CS_RUNTIME).toBe(0);
    expect(cd!.pagesMatched).toBe(4);
    expect(cd!.specialMatched).toBe(1);
  });

  test("the last, partial page is hashed only up to codeLimit, as the kernel does", () => {
    const signed = adhocSign(syntheticMachO(), "synthetic");
    const { directory } = verifySignature(signed).directories[0]!;
    const lastSlot = signed.subarray(directory.hashesAt + 3 * 32, directory.hashesAt + 4 * 32);
    const expected = createHash("sha256").update(signed.subarray(3 * 4096, TEXT_SIZE)).digest();
    expect(Buffer.from(lastSlot).equals(expected)).toBe(true);
  });

  test("a changed byte fails the page it is in and only that page", () => {
    const signed = adhocSign(syntheticMachO(), "synthetic");
    signed[4096 + 10]! ^= 0xff;
    const report = verifySignature(signed);
    expect(report.valid).toBe(false);
    expect(report.directories[0]!.mismatchedPages).toEqual([1]);
    expect(report.directories[0]!.pagesMatched).toBe(3);
  });

  test("a codeLimit short of the signature is invalid even when every hashed page matches", () => {
    const signed = adhocSign(syntheticMachO(), "synthetic");
    const { directory } = verifySignature(signed).directories[0]!;
    // What Bun's darwin-x64 cross-compile leaves: a CodeDirectory that stops before the payload.
    const cdStart = signed.findIndex((_, i) => i >= TEXT_SIZE && new DataView(signed.buffer).getUint32(i, false) === 0xfade0c02);
    const view = new DataView(signed.buffer);
    view.setUint32(cdStart + 32, directory.codeLimit - 4096, false);
    view.setUint32(cdStart + 28, 3, false);
    const report = verifySignature(signed);
    expect(report.valid).toBe(false);
    expect(report.directories[0]!.problems.join("\n")).toContain("does not reach the signature");
    // The page the short codeLimit now cuts was hashed whole, so it mismatches too.
    expect(report.directories[0]!.pagesMatched).toBe(2);
  });

  test("re-signing replaces an invalid signature and leaves every byte before it alone", () => {
    const broken = adhocSign(syntheticMachO(), "synthetic");
    broken[5000]! ^= 0xff;
    expect(verifySignature(broken).valid).toBe(false);
    const fixed = adhocSign(broken, "synthetic");
    expect(verifySignature(fixed).valid).toBe(true);
    // Header sizes change (the signature's size); code after the load commands does not.
    expect(Buffer.from(fixed.subarray(4096, TEXT_SIZE)).equals(Buffer.from(broken.subarray(4096, TEXT_SIZE)))).toBe(true);
  });

  test("an unsigned, truncated or non-Mach-O file is a one-line error, not a crash", () => {
    expect(() => verifySignature(new Uint8Array(8))).toThrow(MachOError);
    expect(() => verifySignature(new TextEncoder().encode("#!/bin/sh\necho not a binary at all\n"))).toThrow(/not a 64-bit Mach-O/);
    const unsigned = syntheticMachO();
    new DataView(unsigned.buffer).setUint32(32 + 144, 0x2a, true);
    expect(() => verifySignature(unsigned)).toThrow(/unsigned/);
    expect(() => verifySignature(syntheticMachO().subarray(0, 100))).toThrow(MachOError);
  });
});

describe("the release's signature step", () => {
  test("an invalid signature is re-signed in place and then verifies; the log shows both counts", async () => {
    const file = join(tempDir(), "storytime-reload-darwin-x64");
    const broken = adhocSign(syntheticMachO(), "synthetic");
    broken[20_000 % TEXT_SIZE]! ^= 0xff;
    writeFileSync(file, broken);
    const lines: string[] = [];
    expect(await ensureSigned(file, (line) => lines.push(line))).toBe(true);
    expect(verifySignature(await Bun.file(file).bytes()).valid).toBe(true);
    expect(lines.join("\n")).toMatch(/3\/4 page hashes match[\s\S]*re-signing ad hoc[\s\S]*4\/4 page hashes match/);
  });

  test("a file that is not a signable Mach-O fails the step with one line", async () => {
    const file = join(tempDir(), "storytime-reload-darwin-arm64");
    writeFileSync(file, "#!/bin/sh\necho this is a shell script, not a darwin binary\n");
    const lines: string[] = [];
    expect(await ensureSigned(file, (line) => lines.push(line))).toBe(false);
    expect(lines).toEqual([expect.stringContaining("not a 64-bit Mach-O")]);
  });

  test("scripts/macho.ts exits 1 on an invalid signature and 0 on a valid one, printing the counts", async () => {
    const dir = tempDir();
    const good = join(dir, "good");
    const bad = join(dir, "bad");
    const signed = adhocSign(syntheticMachO(), "synthetic");
    writeFileSync(good, signed);
    signed[100]! ^= 0xff;
    writeFileSync(bad, signed);
    const ok = await run(["bun", join(ROOT, "scripts", "macho.ts"), good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("4/4 page hashes match");
    const failed = await run(["bun", join(ROOT, "scripts", "macho.ts"), bad]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("INVALID");
    expect(failed.stdout).toContain("3/4 page hashes match (first mismatches: pages 0)");
  });
});
