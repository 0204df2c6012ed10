/** A mistake the user can fix; its message is one sentence naming the problem and the fix. Exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The tool itself cannot run (a broken install, say); one sentence, exit code 1, no stack trace. */
export class StartupError extends Error {
  override name = "StartupError";
}

/** Whether `error` carries the system error `code` (ENOENT, EACCES…); any value may be thrown, so nothing else is assumed of it. Leaf module: the watch workers use it too. */
export function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
