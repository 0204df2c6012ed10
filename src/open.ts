import { log } from "./log.ts";

/** Best effort: a missing opener is a notice, never a reason to stop serving. */
export function openBrowser(url: string): void {
  const command =
    process.platform === "darwin"
      ? ["open", url]
      : process.platform === "win32"
        ? ["cmd", "/c", "start", "", url]
        : ["xdg-open", url];
  try {
    const child = Bun.spawn(command, { stdio: ["ignore", "ignore", "ignore"] });
    child.unref();
    child.exited.then((code) => {
      if (code !== 0) log.warn(`Could not open a browser (${command[0]} exited with ${code}); open ${url} yourself.`);
    });
  } catch {
    log.warn(`Could not open a browser (${command[0]} is not installed); open ${url} yourself.`);
  }
}
