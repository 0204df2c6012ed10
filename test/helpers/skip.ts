import { describe, test } from "bun:test";

/** `test`, or, when `reason` is set, `test.skip` with the reason printed and in the test's name. */
export function testUnless(reason: string | null): typeof test {
  if (!reason) return test;
  return ((name: string, ...rest: Parameters<typeof test.skip> extends [unknown, ...infer R] ? R : never) => {
    console.warn(`skip: ${name}: ${reason}`);
    return test.skip(`${name} (skipped: ${reason})`, ...rest);
  }) as typeof test;
}

/** `describe`, or, with a reason, every test in it skipped and the reason printed once. */
export function describeUnless(reason: string | null): typeof describe {
  if (!reason) return describe;
  return ((name: string, body: () => void) => {
    console.warn(`skip: ${name}: ${reason}`);
    return describe.skip(`${name} (skipped: ${reason})`, body);
  }) as typeof describe;
}

/** chmod 000 denies root nothing, so tests of unreadable files skip as root or run the server as nobody. */
export const IS_ROOT = process.getuid?.() === 0;

/** Why tests whose builds are POSIX shell scripts skip on Windows, where cmd.exe runs the build. */
export const POSIX_SHELL_SKIP =
  process.platform === "win32" ? "its builds are POSIX shell scripts; on Windows the build runs through cmd.exe, which bun run test:windows checks" : null;

/** Why tests of POSIX file-system behaviour (symlinks, chmod, rename over a directory) skip on Windows. */
export const POSIX_FS_SKIP =
  process.platform === "win32" ? "symlinks, permissions and renames here behave as on Linux and macOS, not as on Windows" : null;

/** Why tests that signal the server skip on Windows; elsewhere a signalled server exits with 128 + the signal's number. */
export const SIGNAL_SKIP = process.platform === "win32" ? "Windows has no signals to send, and these builds are POSIX shell scripts" : null;
