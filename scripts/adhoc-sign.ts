import { basename } from "node:path";
import {
  CS_ADHOC,
  CSMAGIC_CODEDIRECTORY,
  CSMAGIC_EMBEDDED_SIGNATURE,
  CSMAGIC_REQUIREMENTS,
  CSSLOT_CODEDIRECTORY,
  CSSLOT_REQUIREMENTS,
  describeReport,
  hash,
  MachOError,
  parseMachO,
  verifySignature,
} from "./macho.ts";

/**
 * Replaces a thin Mach-O's embedded signature with an ad-hoc one over the file as it is now:
 * what `codesign --force --sign -` does, written here so a release built on Linux can be fixed
 * on Linux. Ad hoc (no certificate) and without the hardened-runtime flag: hardened runtime would
 * need the JIT entitlements of Bun's own signature, and without it JIT needs no entitlement.
 *
 * The signature must stay the last thing in the file and in __LINKEDIT, so only that tail is
 * rewritten; everything before it (including Bun's __BUN payload) keeps its offset.
 */

const PAGE_SIZE_LOG2 = 12;
const PAGE_SIZE = 1 << PAGE_SIZE_LOG2;
const SHA256 = { type: 2, size: 32 } as const;
/** Version 0x20400 carries the executable-segment fields macOS uses for the main binary. */
const CD_VERSION = 0x20400;
const CD_HEADER_SIZE = 88;
const MH_EXECUTE = 2;
const CS_EXECSEG_MAIN_BINARY = 0x1;
/** An empty requirement set, as `codesign -s -` writes; slot -2 holds its hash. */
const EMPTY_REQUIREMENTS = (() => {
  const blob = new Uint8Array(12);
  const view = new DataView(blob.buffer);
  view.setUint32(0, CSMAGIC_REQUIREMENTS);
  view.setUint32(4, blob.length);
  return blob;
})();

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

function superBlob(codeDirectory: Uint8Array): Uint8Array {
  const header = 12 + 2 * 8;
  const length = header + codeDirectory.length + EMPTY_REQUIREMENTS.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, CSMAGIC_EMBEDDED_SIGNATURE);
  view.setUint32(4, length);
  view.setUint32(8, 2);
  view.setUint32(12, CSSLOT_CODEDIRECTORY);
  view.setUint32(16, header);
  view.setUint32(20, CSSLOT_REQUIREMENTS);
  view.setUint32(24, header + codeDirectory.length);
  out.set(codeDirectory, header);
  out.set(EMPTY_REQUIREMENTS, header + codeDirectory.length);
  return out;
}

/** The size of the signature for a given code length: it does not depend on the code's content. */
function signatureSize(codeLimit: number, identifier: string): number {
  const slots = Math.ceil(codeLimit / PAGE_SIZE);
  const cd = CD_HEADER_SIZE + new TextEncoder().encode(identifier).length + 1 + (CSSLOT_REQUIREMENTS + slots) * SHA256.size;
  return align(12 + 2 * 8 + cd + EMPTY_REQUIREMENTS.length, 16);
}

function codeDirectory(code: Uint8Array, identifier: string, text: { fileoff: number; filesize: number }, mainBinary: boolean): Uint8Array {
  const ident = new TextEncoder().encode(identifier);
  const nSpecialSlots = CSSLOT_REQUIREMENTS;
  const nCodeSlots = Math.ceil(code.length / PAGE_SIZE);
  const hashOffset = CD_HEADER_SIZE + ident.length + 1 + nSpecialSlots * SHA256.size;
  const length = hashOffset + nCodeSlots * SHA256.size;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, CSMAGIC_CODEDIRECTORY);
  view.setUint32(4, length);
  view.setUint32(8, CD_VERSION);
  view.setUint32(12, CS_ADHOC);
  view.setUint32(16, hashOffset);
  view.setUint32(20, CD_HEADER_SIZE);
  view.setUint32(24, nSpecialSlots);
  view.setUint32(28, nCodeSlots);
  view.setUint32(32, code.length);
  out[36] = SHA256.size;
  out[37] = SHA256.type;
  out[39] = PAGE_SIZE_LOG2;
  // 40: spare2, 44: scatterOffset, 48: teamOffset, 52: spare3, 56: codeLimit64 all stay zero.
  view.setBigUint64(64, BigInt(text.fileoff));
  view.setBigUint64(72, BigInt(text.filesize));
  view.setBigUint64(80, mainBinary ? BigInt(CS_EXECSEG_MAIN_BINARY) : 0n);
  out.set(ident, CD_HEADER_SIZE);
  out.set(hash("sha256", EMPTY_REQUIREMENTS, SHA256.size), hashOffset - CSSLOT_REQUIREMENTS * SHA256.size);
  for (let page = 0; page < nCodeSlots; page++) {
    const pageHash = hash("sha256", code.subarray(page * PAGE_SIZE, Math.min((page + 1) * PAGE_SIZE, code.length)), SHA256.size);
    out.set(pageHash, hashOffset + page * SHA256.size);
  }
  return out;
}

/** Returns the re-signed file; the input is not modified. */
export function adhocSign(input: Uint8Array, identifier: string): Uint8Array {
  const macho = parseMachO(input);
  if (macho.signatureCommandOffset === undefined) throw new MachOError("no LC_CODE_SIGNATURE to replace");
  const codeLimit = macho.signatureOffset!;
  const linkedit = macho.segments.find((segment) => segment.name === "__LINKEDIT");
  if (!linkedit || linkedit.fileoff + linkedit.filesize !== macho.signatureOffset! + macho.signatureSize! || codeLimit + macho.signatureSize! !== input.byteLength) {
    throw new MachOError("the signature is not the last thing in __LINKEDIT and the file; re-signing would move other data");
  }
  const text = macho.segments.find((segment) => segment.name === "__TEXT");
  if (!text) throw new MachOError("no __TEXT segment");

  // The header is part of page 0, so the new sizes go in before anything is hashed.
  const size = signatureSize(codeLimit, identifier);
  const out = new Uint8Array(codeLimit + size);
  out.set(input.subarray(0, codeLimit));
  const view = new DataView(out.buffer);
  view.setUint32(macho.signatureCommandOffset + 12, size, true);
  const linkeditSize = out.length - linkedit.fileoff;
  view.setBigUint64(linkedit.commandOffset + 48, BigInt(linkeditSize), true);
  if (linkedit.vmsize < BigInt(linkeditSize)) view.setBigUint64(linkedit.commandOffset + 32, BigInt(align(linkeditSize, 0x4000)), true);

  const blob = superBlob(codeDirectory(out.subarray(0, codeLimit), identifier, text, macho.filetype === MH_EXECUTE));
  out.set(blob, codeLimit);
  return out;
}

/**
 * macOS kills a binary whose pages do not match its signature (and arm64 refuses unsigned code).
 * Checks the file, re-signs it ad hoc in place if its signature is invalid, checks again, and
 * logs the page-hash counts each time; false if it is still invalid or not a signable Mach-O.
 */
export async function ensureSigned(path: string, log: (line: string) => void): Promise<boolean> {
  const name = basename(path);
  try {
    let report = verifySignature(await Bun.file(path).bytes());
    for (const line of describeReport(report)) log(`${name}: ${line}`);
    if (!report.valid) {
      log(`${name}: signature invalid as built; re-signing ad hoc`);
      await Bun.write(path, adhocSign(await Bun.file(path).bytes(), name));
      report = verifySignature(await Bun.file(path).bytes());
      for (const line of describeReport(report)) log(`${name}: ${line}`);
    }
    if (!report.valid) log(`${name}: the code signature is still invalid; macOS would refuse to run it`);
    return report.valid;
  } catch (error) {
    if (!(error instanceof MachOError)) throw error;
    log(`${name}: ${error.message}`);
    return false;
  }
}

if (import.meta.main) {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error("usage: bun scripts/adhoc-sign.ts BINARY...  (replaces each darwin binary's signature with an ad-hoc one, in place)");
    process.exit(2);
  }
  for (const file of files) {
    try {
      await Bun.write(file, adhocSign(await Bun.file(file).bytes(), basename(file)));
      console.log(`${file}: signed ad hoc`);
    } catch (error) {
      console.error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  }
}
