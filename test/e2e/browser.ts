import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it (sudo apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A page that counts how many times it has been loaded. */
export async function openCounted(browser: Browser, url: string) {
  const page = await browser.newPage();
  let loads = 0;
  page.on("domcontentloaded", () => loads++);
  await page.goto(url);
  return { page, loads: () => loads };
}

/** Polls the page's text across reloads until it matches; returns false if it never does within `ms`. */
export async function bodyBecomes(page: Page, expected: string, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await page.textContent("body", { timeout: 500 }))?.includes(expected)) return true;
    } catch {
      // The page was mid-navigation; ask again.
    }
    await Bun.sleep(10);
  }
  return false;
}
