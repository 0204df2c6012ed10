import { describe } from "bun:test";
import { existsSync } from "node:fs";
import { chromium, type Browser as PlaywrightBrowser } from "playwright-core";
import puppeteer, { type Browser as PuppeteerBrowser } from "puppeteer-core";

/**
 * One small interface over two drivers, so each e2e case is written once and runs in both engines:
 * playwright-core drives Chromium (the project's reference browser); it cannot drive a stock
 * Firefox, so puppeteer-core drives Firefox ESR over WebDriver BiDi.
 */
export interface Tab {
  goto(url: string): Promise<void>;
  /** The text of the first element matching `selector`; throws while the page is mid-navigation. */
  text(selector: string): Promise<string | null>;
  evaluate<T>(fn: () => T): Promise<T>;
  /** Clicks the first element matching `selector` as a user would (real input events), without waiting for what follows. */
  click(selector: string): Promise<void>;
  /** How many times the main frame has reached DOMContentLoaded. */
  loads(): number;
  /** The HTTP status of each main-frame navigation, in order. */
  readonly statuses: number[];
  /** The same navigations as "+ms status url", to say what happened when a count is off. */
  readonly navigations: string[];
}

interface Driver {
  newTab(): Promise<Tab>;
  connected(): boolean;
  close(): Promise<void>;
}

export interface Engine {
  name: string;
  path: string;
  /** Why this engine's cases are skipped here, or null when it is installed. */
  missing: string | null;
  newTab(): Promise<Tab>;
  close(): Promise<void>;
}

const BROWSER_TIMEOUT_MS = 5_000;

interface NavigationResponse {
  request(): { isNavigationRequest(): boolean };
  frame(): unknown;
  status(): number;
  url(): string;
}

/** Counts a page's loads and records its main-frame navigations, the same way in both engines. */
function trackNavigations(
  onLoad: (listener: () => void) => void,
  onResponse: (listener: (response: NavigationResponse) => void) => void,
  mainFrame: () => unknown,
): Pick<Tab, "statuses" | "navigations" | "loads"> {
  let loads = 0;
  const statuses: number[] = [];
  const navigations: string[] = [];
  const opened = performance.now();
  onLoad(() => loads++);
  onResponse((response) => {
    if (!response.request().isNavigationRequest() || response.frame() !== mainFrame()) return;
    statuses.push(response.status());
    navigations.push(`+${Math.round(performance.now() - opened)} ms ${response.status()} ${response.url()}`);
  });
  return { statuses, navigations, loads: () => loads };
}

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];

async function chromiumDriver(path: string): Promise<Driver> {
  const browser: PlaywrightBrowser = await chromium.launch({ executablePath: path, args: CHROMIUM_ARGS });
  return {
    async newTab() {
      const page = await browser.newPage();
      return {
        ...trackNavigations(
          (listener) => page.on("domcontentloaded", listener),
          (listener) => page.on("response", listener),
          () => page.mainFrame(),
        ),
        goto: async (url) => void (await page.goto(url)),
        text: (selector) => page.textContent(selector, { timeout: BROWSER_TIMEOUT_MS }),
        evaluate: (fn) => page.evaluate(fn),
        click: (selector) => page.click(selector, { timeout: BROWSER_TIMEOUT_MS, noWaitAfter: true }),
      };
    },
    connected: () => browser.isConnected(),
    close: () => browser.close(),
  };
}

async function firefoxDriver(path: string): Promise<Driver> {
  const browser: PuppeteerBrowser = await puppeteer.launch({ browser: "firefox", executablePath: path, headless: true, protocol: "webDriverBiDi" });
  return {
    async newTab() {
      const page = await browser.newPage();
      return {
        ...trackNavigations(
          (listener) => page.on("domcontentloaded", listener),
          (listener) => page.on("response", listener),
          () => page.mainFrame(),
        ),
        goto: async (url) => void (await page.goto(url)),
        text: async (selector) => {
          const element = await page.waitForSelector(selector, { timeout: BROWSER_TIMEOUT_MS });
          return (await element?.evaluate((node) => node.textContent)) ?? null;
        },
        evaluate: (fn) => page.evaluate(fn),
        click: (selector) => page.click(selector),
      };
    },
    connected: () => browser.connected,
    close: () => browser.close(),
  };
}

function engine(name: string, path: string, install: string, launch: (path: string) => Promise<Driver>): Engine {
  let driver: Promise<Driver> | null = null;
  return {
    name,
    path,
    missing: existsSync(path) ? null : `${name} is not at ${path}: ${install}`,
    async newTab() {
      // bun test kills processes left running by a test that times out, the shared browser included:
      // relaunch it then, so one failure stays one failure instead of failing every later case.
      if (driver && !(await driver.catch(() => null))?.connected()) driver = null;
      driver ??= launch(path);
      return (await driver).newTab();
    },
    async close() {
      const current = driver;
      driver = null;
      await (await current?.catch(() => null))?.close().catch(() => {});
    },
  };
}

export const ENGINES: Engine[] = [
  engine("Chromium", process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", "install it (sudo apt-get install chromium) or set CHROMIUM_PATH", chromiumDriver),
  engine("Firefox", process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr", "install it (sudo apt-get install firefox-esr) or set FIREFOX_PATH", firefoxDriver),
];

/**
 * Chromium alone, through Playwright's own API, for the few checks that need more than a Tab
 * (network events of every request, fresh contexts).
 */
export async function launchChromium(): Promise<PlaywrightBrowser> {
  const chromiumEngine = ENGINES[0]!;
  if (chromiumEngine.missing) throw new Error(chromiumEngine.missing);
  return chromium.launch({ executablePath: chromiumEngine.path, args: CHROMIUM_ARGS });
}

/** Declares `body` once per engine; an engine that is not installed is skipped with its reason in the name. */
export function inEachEngine(title: string, body: (engine: Engine) => void): void {
  for (const engine of ENGINES) {
    if (engine.missing) {
      console.warn(`skipping "${title}" in ${engine.name}: ${engine.missing}`);
      describe.skip(`${title} in ${engine.name} (skipped: ${engine.missing})`, () => body(engine));
    } else {
      describe(`${title} in ${engine.name}`, () => body(engine));
    }
  }
}

/** Polls the page's text across reloads until it matches; returns false if it never does within `ms`. */
export async function bodyBecomes(tab: Tab, expected: string, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await tab.text("body"))?.includes(expected)) return true;
    } catch {
      // The page was mid-navigation; ask again.
    }
    await Bun.sleep(10);
  }
  return false;
}

/** Waits until the tab has had no load for `ms`; a negative check, never a measure of speed. */
export async function quiet(tab: Tab, ms = 600): Promise<void> {
  let seen = tab.loads();
  for (;;) {
    await Bun.sleep(ms);
    if (tab.loads() === seen) return;
    seen = tab.loads();
  }
}
