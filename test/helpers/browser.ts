import { beforeAll } from "bun:test";
import { type Browser as PlaywrightBrowser, chromium } from "playwright-core";
import puppeteer, { type Browser as PuppeteerBrowser } from "puppeteer-core";
import { statSync } from "node:fs";
import { eventually } from "./eventually.ts";
import { describeUnless } from "./skip.ts";

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
  /** The browser's binary, or null when it is not installed. */
  path: string | null;
  /** Why this engine's cases are skipped here, or null when it is installed. */
  missing: string | null;
  launch(): Promise<void>;
  newTab(): Promise<Tab>;
  close(): Promise<void>;
}

const BROWSER_TIMEOUT_MS = 5_000;

/** Firefox took up to 12 s to start on 2 cores shared with other test runs; Chromium 2-3 s. */
export const LAUNCH_TIMEOUT_MS = 60_000;

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

/** Where a browser is looked for, in this order. */
export interface Lookup {
  name: string;
  /** Variables naming the binary; the first one that is set is the only place looked. */
  variables: string[];
  /** Commands looked for on PATH, under the names distributions give them. */
  commands: string[];
  /** Where macOS keeps the binary inside the app, which is not on PATH. */
  bundles: string[];
  install: string;
}

const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() === true;

/** The browser's binary, or why there is none: what decides whether its cases run or are skipped. */
export function locate(lookup: Lookup, env: NodeJS.ProcessEnv = process.env): { path: string; missing: null } | { path: null; missing: string } {
  const variable = lookup.variables.find((name) => env[name] !== undefined);
  if (variable) {
    const path = env[variable]!;
    return isFile(path) ? { path, missing: null } : { path: null, missing: `${variable}=${path} is not a file: point it at ${lookup.name}'s binary, or unset it` };
  }
  const path = lookup.commands.map((command) => Bun.which(command, { PATH: env.PATH ?? "" })).find((found) => found !== null) ?? lookup.bundles.find(isFile);
  if (path) return { path, missing: null };
  return {
    path: null,
    missing: `${lookup.name} is not installed (no ${lookup.commands.join(", ")} on PATH, no ${lookup.bundles.join(" or ")}): ${lookup.install} or set ${lookup.variables[0]}`,
  };
}

export const CHROMIUM_LOOKUP: Lookup = {
  name: "Chromium",
  variables: ["CHROMIUM_PATH", "CHROME_PATH"],
  commands: ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"],
  bundles: ["/Applications/Chromium.app/Contents/MacOS/Chromium", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"],
  install: "install it (sudo apt-get install chromium)",
};

export const FIREFOX_LOOKUP: Lookup = {
  name: "Firefox",
  variables: ["FIREFOX_PATH"],
  commands: ["firefox-esr", "firefox"],
  bundles: ["/Applications/Firefox.app/Contents/MacOS/firefox"],
  install: "install it (sudo apt-get install firefox-esr)",
};

function engine(lookup: Lookup, launch: (path: string) => Promise<Driver>): Engine {
  const { path, missing } = locate(lookup);
  let driver: Promise<Driver> | null = null;
  async function running(): Promise<Driver> {
    if (path === null) throw new Error(missing!);
    // bun test kills processes left running by a test that times out, the shared browser included:
    // relaunch it then, so one failure stays one failure instead of failing every later case.
    if (driver && !(await driver.catch(() => null))?.connected()) driver = null;
    driver ??= launch(path);
    return driver;
  }
  return {
    name: lookup.name,
    path,
    missing,
    launch: async () => void (await running()),
    newTab: async () => (await running()).newTab(),
    async close() {
      const current = driver;
      driver = null;
      await (await current?.catch(() => null))?.close().catch(() => {});
    },
  };
}

export const CHROMIUM = engine(CHROMIUM_LOOKUP, chromiumDriver);
export const ENGINES: Engine[] = [CHROMIUM, engine(FIREFOX_LOOKUP, firefoxDriver)];

/**
 * Chromium alone, through Playwright's own API, for the few checks that need more than a Tab
 * (network events of every request, fresh contexts).
 */
export async function launchChromium(): Promise<PlaywrightBrowser> {
  if (CHROMIUM.path === null) throw new Error(CHROMIUM.missing!);
  return chromium.launch({ executablePath: CHROMIUM.path, args: CHROMIUM_ARGS });
}

/**
 * Declares `body` once per engine; an engine that is not installed is skipped with its reason in
 * the name. The browser starts before the cases, so their timeouts measure only the case.
 */
export function inEachEngine(title: string, body: (engine: Engine) => void): void {
  for (const engine of ENGINES) {
    describeUnless(engine.missing)(`${title} in ${engine.name}`, () => {
      beforeAll(() => engine.launch(), LAUNCH_TIMEOUT_MS);
      body(engine);
    });
  }
}

/** Whether what `read` reads off the tab comes to satisfy `accept` within `ms`, across reloads (a read mid-navigation throws, and is tried again). */
export function tabComesTo<T>(read: () => Promise<T>, accept: (value: T) => boolean, ms: number, what: string): Promise<boolean> {
  return eventually(() => read().then(accept, () => false), { ms, what }).then(
    () => true,
    () => false,
  );
}

/** Whether the page's text comes to include `expected` within `ms`, across reloads. */
export function bodyBecomes(tab: Tab, expected: string, ms = 5_000): Promise<boolean> {
  return tabComesTo(() => tab.text("body"), (text) => text?.includes(expected) === true, ms, `the page to show ${expected}`);
}

/** Waits until the tab has had no navigation and no load for `ms`; a negative check, never a measure of speed. */
export async function quiet(tab: Tab, ms = 600): Promise<void> {
  const seen = () => `${tab.statuses.length} ${tab.loads()}`;
  for (let before = ""; before !== seen(); ) {
    before = seen();
    await Bun.sleep(ms);
  }
}
