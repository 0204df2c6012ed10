const cleanups: Array<() => unknown> = [];

/** Registers `fn` to run at the next `cleanup()`, after everything registered later. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

/** Removes everything the kit made (temp dirs, apps, sockets, processes, log captures); called from afterEach/afterAll. */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {}
  }
}
