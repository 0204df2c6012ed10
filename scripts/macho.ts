import { createHash } from "node:crypto";

/**
 * Just enough of Mach-O and Apple's code-signing format to check, without macOS, the thing the
 * kernel checks before it runs a page: that the CodeDirectory's hash of that page matches the
 * page. Mach-O headers are little-endian on both Apple CPUs; code-signing blobs are big-endian.
 */

const MH_MAGIC_64 = 0xfeedfacf;
const FAT_MAGIC = 0xcafebabe;
const LC_SEGMENT_64 = 0x19;
export const LC_CODE_SIGNATURE = 0x1d;

export const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
export const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
export const CSMAGIC_REQUIREMENTS = 0xfade0c01;
export const CSSLOT_CODEDIRECTORY = 0;
export const CSSLOT_REQUIREMENTS = 2;
/** Alternate CodeDirectories (e.g. SHA-256 beside a SHA-1 primary) sit in slots 0x1000-0x1004. */
const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000;
/** The CMS signature blob is not hashed by any slot. */
const CSSLOT_SIGNATURESLOT = 0x10000;

export const CS_ADHOC = 0x2;
export const CS_RUNTIME = 0x10000;

export const HASH_TYPES: Record<number, { name: string; algorithm: string; size: number }> = {
  1: { name: "SHA-1", algorithm: "sha1", size: 20 },
  2: { name: "SHA-256", algorithm: "sha256", size: 32 },
  3: { name: "SHA-256 (truncated)", algorithm: "sha256", size: 20 },
  4: { name: "SHA-384", algorithm: "sha384", size: 48 },
};

export interface Segment {
  name: string;
  /** Offset of the segment_command_64 in the file, so a signer can rewrite its sizes. */
  commandOffset: number;
  vmsize: bigint;
  fileoff: number;
  filesize: number;
}

export interface MachO {
  bytes: Uint8Array;
  view: DataView;
  cputype: number;
  filetype: number;
  segments: Segment[];
  /** Offset of the linkedit_data_command, absent for an unsigned binary. */
  signatureCommandOffset?: number;
  signatureOffset?: number;
  signatureSize?: number;
}

export class MachOError extends Error {}

export function parseMachO(bytes: Uint8Array): MachO {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 32) throw new MachOError("too short to be a Mach-O file");
  const magic = view.getUint32(0, true);
  if (view.getUint32(0, false) === FAT_MAGIC) throw new MachOError("a universal (fat) binary; check each architecture's thin file");
  if (magic !== MH_MAGIC_64) throw new MachOError(`not a 64-bit Mach-O file (magic 0x${magic.toString(16)})`);
  const macho: MachO = { bytes, view, cputype: view.getInt32(4, true), filetype: view.getUint32(12, true), segments: [] };
  const ncmds = view.getUint32(16, true);
  const end = 32 + view.getUint32(20, true);
  if (end > bytes.byteLength) throw new MachOError("load commands run past the end of the file");
  let offset = 32;
  for (let i = 0; i < ncmds; i++) {
    if (offset + 8 > end) throw new MachOError(`load command ${i} runs past sizeofcmds`);
    const cmd = view.getUint32(offset, true);
    const size = view.getUint32(offset + 4, true);
    if (size < 8 || offset + size > end) throw new MachOError(`load command ${i} has an impossible size ${size}`);
    if (cmd === LC_SEGMENT_64) {
      macho.segments.push({
        name: new TextDecoder().decode(bytes.subarray(offset + 8, offset + 24)).replace(/\0+$/, ""),
        commandOffset: offset,
        vmsize: view.getBigUint64(offset + 32, true),
        fileoff: Number(view.getBigUint64(offset + 40, true)),
        filesize: Number(view.getBigUint64(offset + 48, true)),
      });
    } else if (cmd === LC_CODE_SIGNATURE) {
      macho.signatureCommandOffset = offset;
      macho.signatureOffset = view.getUint32(offset + 8, true);
      macho.signatureSize = view.getUint32(offset + 12, true);
      if (macho.signatureOffset + macho.signatureSize > bytes.byteLength) {
        throw new MachOError("LC_CODE_SIGNATURE points past the end of the file");
      }
    }
    offset += size;
  }
  return macho;
}

export interface CodeDirectory {
  slot: number;
  version: number;
  flags: number;
  identifier: string;
  hashType: number;
  hashSize: number;
  pageSize: number;
  codeLimit: number;
  nCodeSlots: number;
  nSpecialSlots: number;
  /** Offset of code slot 0 inside the whole file. */
  hashesAt: number;
}

export interface Blob {
  slot: number;
  offset: number;
  length: number;
}

/** The SuperBlob's index, every blob bounds-checked against the signature it sits in. */
export function readSuperBlob(macho: MachO): Blob[] {
  const { view, signatureOffset: base, signatureSize: size } = macho;
  if (base === undefined || size === undefined) throw new MachOError("no LC_CODE_SIGNATURE: the binary is unsigned");
  if (size < 12 || view.getUint32(base, false) !== CSMAGIC_EMBEDDED_SIGNATURE) throw new MachOError("the signature is not an embedded-signature SuperBlob");
  const length = view.getUint32(base + 4, false);
  const count = view.getUint32(base + 8, false);
  if (length > size || 12 + count * 8 > length) throw new MachOError("the SuperBlob is larger than its LC_CODE_SIGNATURE");
  const blobs: Blob[] = [];
  for (let i = 0; i < count; i++) {
    const slot = view.getUint32(base + 12 + i * 8, false);
    const offset = view.getUint32(base + 16 + i * 8, false);
    if (offset + 8 > length) throw new MachOError(`blob ${i} starts outside the SuperBlob`);
    const blobLength = view.getUint32(base + offset + 4, false);
    if (offset + blobLength > length) throw new MachOError(`blob ${i} ends outside the SuperBlob`);
    blobs.push({ slot, offset: base + offset, length: blobLength });
  }
  return blobs;
}

function readCodeDirectory(macho: MachO, blob: Blob): CodeDirectory {
  const { view, bytes } = macho;
  const at = blob.offset;
  if (view.getUint32(at, false) !== CSMAGIC_CODEDIRECTORY) throw new MachOError(`slot 0x${blob.slot.toString(16)} is not a CodeDirectory`);
  const version = view.getUint32(at + 8, false);
  const hashOffset = view.getUint32(at + 16, false);
  const identOffset = view.getUint32(at + 20, false);
  const nCodeSlots = view.getUint32(at + 28, false);
  const hashSize = bytes[at + 36]!;
  const codeLimit32 = view.getUint32(at + 32, false);
  // codeLimit64 (version 0x20300+) replaces the 32-bit field when that one is zero.
  const codeLimit = version >= 0x20300 && codeLimit32 === 0 ? Number(view.getBigUint64(at + 56, false)) : codeLimit32;
  const nSpecialSlots = view.getUint32(at + 24, false);
  if (hashOffset + nCodeSlots * hashSize > blob.length || hashOffset < nSpecialSlots * hashSize) {
    throw new MachOError("the CodeDirectory's hash slots run outside it");
  }
  const identEnd = bytes.indexOf(0, at + identOffset);
  return {
    slot: blob.slot,
    version,
    flags: view.getUint32(at + 12, false),
    identifier: new TextDecoder().decode(bytes.subarray(at + identOffset, identEnd < 0 ? at + identOffset : identEnd)),
    hashType: bytes[at + 37]!,
    hashSize,
    pageSize: bytes[at + 39] ? 2 ** bytes[at + 39]! : 0,
    codeLimit,
    nCodeSlots,
    nSpecialSlots,
    hashesAt: at + hashOffset,
  };
}

export function hash(algorithm: string, data: Uint8Array, size: number): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest().subarray(0, size));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export interface DirectoryReport {
  directory: CodeDirectory;
  hashName: string;
  pagesMatched: number;
  /** Code slot indexes whose page does not hash to the slot; the first few only. */
  mismatchedPages: number[];
  mismatchCount: number;
  specialMatched: number;
  specialChecked: number;
  problems: string[];
}

export interface SignatureReport {
  valid: boolean;
  signatureOffset: number;
  directories: DirectoryReport[];
  problems: string[];
}

function checkDirectory(macho: MachO, blobs: Blob[], directory: CodeDirectory): DirectoryReport {
  const problems: string[] = [];
  const hashType = HASH_TYPES[directory.hashType];
  const report: DirectoryReport = {
    directory,
    hashName: hashType?.name ?? `unknown hash type ${directory.hashType}`,
    pagesMatched: 0,
    mismatchedPages: [],
    mismatchCount: 0,
    specialMatched: 0,
    specialChecked: 0,
    problems,
  };
  if (!hashType || hashType.size !== directory.hashSize) {
    problems.push(`hash type ${directory.hashType} with ${directory.hashSize}-byte hashes is not one this check knows`);
    return report;
  }
  if (!directory.pageSize) {
    problems.push("page size 0 (one hash for the whole file) is not supported");
    return report;
  }
  const signatureOffset = macho.signatureOffset!;
  // The kernel maps every byte before the signature; any byte outside codeLimit is unchecked code.
  if (directory.codeLimit !== signatureOffset) {
    problems.push(`codeLimit ${directory.codeLimit} does not reach the signature at ${signatureOffset} (${signatureOffset - directory.codeLimit} bytes uncovered)`);
  }
  const expectedSlots = Math.ceil(directory.codeLimit / directory.pageSize);
  if (directory.nCodeSlots !== expectedSlots) {
    problems.push(`${directory.nCodeSlots} code slots for a codeLimit that needs ${expectedSlots}`);
  }
  for (let page = 0; page < directory.nCodeSlots; page++) {
    const start = page * directory.pageSize;
    const end = Math.min(start + directory.pageSize, directory.codeLimit, macho.bytes.byteLength);
    const slot = macho.bytes.subarray(directory.hashesAt + page * directory.hashSize, directory.hashesAt + (page + 1) * directory.hashSize);
    if (start < end && equal(hash(hashType.algorithm, macho.bytes.subarray(start, end), hashType.size), slot)) {
      report.pagesMatched++;
    } else {
      report.mismatchCount++;
      if (report.mismatchedPages.length < 5) report.mismatchedPages.push(page);
    }
  }
  if (report.mismatchCount) problems.push(`${report.mismatchCount} of ${directory.nCodeSlots} page hashes do not match`);
  // Special slot N (counted backwards from slot 0) holds the hash of the blob of type N.
  for (const blob of blobs) {
    if (blob.slot === CSSLOT_CODEDIRECTORY || blob.slot >= CSSLOT_ALTERNATE_CODEDIRECTORIES) continue;
    if (blob.slot > directory.nSpecialSlots) {
      problems.push(`blob of type ${blob.slot} is not covered by any special slot`);
      continue;
    }
    report.specialChecked++;
    const at = directory.hashesAt - blob.slot * directory.hashSize;
    const expected = macho.bytes.subarray(at, at + directory.hashSize);
    if (equal(hash(hashType.algorithm, macho.bytes.subarray(blob.offset, blob.offset + blob.length), hashType.size), expected)) {
      report.specialMatched++;
    } else {
      problems.push(`special slot -${blob.slot} does not match its blob`);
    }
  }
  return report;
}

/** Checks every CodeDirectory of a thin 64-bit Mach-O against the bytes it claims to cover. */
export function verifySignature(bytes: Uint8Array): SignatureReport {
  const macho = parseMachO(bytes);
  const blobs = readSuperBlob(macho);
  const problems: string[] = [];
  const signatureEnd = macho.signatureOffset! + macho.signatureSize!;
  const linkedit = macho.segments.find((segment) => segment.name === "__LINKEDIT");
  if (!linkedit || linkedit.fileoff + linkedit.filesize < signatureEnd) problems.push("the signature lies outside __LINKEDIT");
  if (signatureEnd !== bytes.byteLength) problems.push(`${bytes.byteLength - signatureEnd} bytes follow the signature`);
  const directories = blobs
    .filter((blob) => blob.slot === CSSLOT_CODEDIRECTORY || (blob.slot >= CSSLOT_ALTERNATE_CODEDIRECTORIES && blob.slot < CSSLOT_SIGNATURESLOT))
    .map((blob) => checkDirectory(macho, blobs, readCodeDirectory(macho, blob)));
  if (!directories.some((report) => report.directory.slot === CSSLOT_CODEDIRECTORY)) problems.push("the SuperBlob has no CodeDirectory");
  const valid = !problems.length && directories.every((report) => !report.problems.length);
  return { valid, signatureOffset: macho.signatureOffset!, directories, problems };
}

/** One line per CodeDirectory: what a release log needs to see. */
export function describeReport(report: SignatureReport): string[] {
  const lines = report.directories.map(({ directory, hashName, pagesMatched, mismatchCount, mismatchedPages, specialMatched, specialChecked, problems }) => {
    const flags = [directory.flags & CS_ADHOC && "adhoc", directory.flags & CS_RUNTIME && "hardened runtime"].filter(Boolean).join(", ") || "none";
    const pages = `${pagesMatched}/${directory.nCodeSlots} page hashes match`;
    const where = mismatchCount ? ` (first mismatches: pages ${mismatchedPages.join(", ")})` : "";
    const special = specialChecked ? `, ${specialMatched}/${specialChecked} special slots` : "";
    return `${hashName}, ${directory.pageSize}-byte pages, codeLimit ${directory.codeLimit}, flags ${flags}: ${pages}${where}${special}${problems.length ? `; ${problems.join("; ")}` : ""}`;
  });
  return [...lines, ...report.problems];
}

if (import.meta.main) {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error("usage: bun scripts/macho.ts BINARY...  (checks each darwin binary's code signature)");
    process.exit(2);
  }
  let failed = 0;
  for (const file of files) {
    try {
      const report = verifySignature(await Bun.file(file).bytes());
      if (!report.valid) failed++;
      console.log(`${file}: ${report.valid ? "valid" : "INVALID"} signature`);
      for (const line of describeReport(report)) console.log(`  ${line}`);
    } catch (error) {
      failed++;
      console.log(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
