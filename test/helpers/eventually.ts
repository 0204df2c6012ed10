/** What `eventually` waits for, and how long: `what` says it in the error, with what was seen by then if it is a function. */
interface Wait {
  what: string | (() => string);
  /** How long to keep trying; 5 s unless told. */
  ms?: number;
  /** The pause between tries; 10 ms unless told, longer where each try acts (writes a file) as well as looks. */
  every?: number;
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | "">;

/**
 * The one way tests wait for something that happens on its own time: tries `check` until it
 * returns something truthy and resolves with that, or rejects after `ms`, naming `what`. A check
 * that throws fails at once (a server that exited will not start later).
 */
export async function eventually<T>(check: () => T | Promise<T>, { what, ms = 5_000, every = 10 }: Wait): Promise<Truthy<Awaited<T>>> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<Awaited<T>>;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`);
    await Bun.sleep(every);
  }
}
