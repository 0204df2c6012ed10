import { log } from "./log.ts";

function opener(url: string): string[] {
  if (process.platform === "darwin") return ["open", url];
  if (process.platform === "win32") return ["cmd", "/c", "start", "", url];
  return ["xdg-open", url];
}

/**
 * Best effort: a missing or failing opener (no desktop, no browser, an SSH session) is a notice
 * with the URL to open by hand, never a reason to stop serving. Resolves true once a browser was opened.
 */
export async function openBrowser(url: string, command: string[] = opener(url)): Promise<boolean> {
  let why: string;
  try {
    const child = Bun.spawn(command, { stdio: ["ignore", "ignore", "ignore"] });
    child.unref();
    const code = await child.exited;
    if (code === 0) return true;
    why = `${command[0]} exited with code ${code}`;
  } catch {
    why = `${command[0]} is not installed`;
  }
  log.warn(`No browser could be opened (${why}); open ${url} yourself.`);
  return false;
}
