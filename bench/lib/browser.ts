import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { wall } from "./clock.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** One document that reached DOMContentLoaded, its times on the bench's wall clock. */
export interface Load {
  /** performance.timeOrigin: when the navigation to this document started. */
  start: number;
  /** domContentLoadedEventStart of this document. */
  ready: number;
  /** Text of #marker, which tells which save the document shows. */
  marker: string | null;
}

/** #marker's text changing in a document already loaded: a server that patches the page (Eleventy's) instead of reloading it. */
export interface Patch {
  /** When the new text was in the DOM, on the bench's wall clock. */
  at: number;
  marker: string | null;
}

/**
 * Runs first in every document, before any server's injected script. The page converts its
 * own monotonic times to wall time the same way the bench does (lib/clock.ts), so the two
 * clocks agree to well under a millisecond without trusting Chromium's timeOrigin epoch.
 */
const PAGE_REPORTER = `
if (window === window.top) addEventListener("DOMContentLoaded", () => {
  const nav = performance.getEntriesByType("navigation")[0];
  const first = Date.now();
  let now = first;
  while (now === first) now = Date.now();
  const offset = now - (performance.timeOrigin + performance.now());
  const marker = () => document.getElementById("marker")?.textContent.trim() ?? null;
  let shown = marker();
  window.__benchLoad({
    start: performance.timeOrigin + offset,
    ready: performance.timeOrigin + nav.domContentLoadedEventStart + offset,
    marker: shown,
  });
  new MutationObserver(() => {
    if (marker() === shown) return;
    shown = marker();
    window.__benchPatch({ at: performance.timeOrigin + performance.now() + offset, marker: shown });
  }).observe(document, { subtree: true, childList: true, characterData: true });
});`;

/** A tab kept open on one server for the whole run, recording every load it goes through. */
export class Tab {
  readonly loads: Load[] = [];
  readonly patches: Patch[] = [];
  private wake: (() => void) | null = null;

  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
    readonly url: string,
  ) {}

  /** A context of its own, so no cache, connection or socket is shared between servers. */
  static async open(browser: Browser, url: string): Promise<Tab> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const tab = new Tab(context, page, url);
    await page.exposeBinding("__benchLoad", (_source, load: Load) => {
      tab.loads.push(load);
      tab.wake?.();
    });
    await page.exposeBinding("__benchPatch", (_source, patch: Patch) => {
      tab.patches.push(patch);
      tab.wake?.();
    });
    await page.addInitScript(PAGE_REPORTER);
    await tab.reopen();
    return tab;
  }

  /** Navigates afresh, for a tab whose server stopped reloading it. */
  async reopen(): Promise<void> {
    const before = this.loads.length;
    await this.page.goto(this.url, { waitUntil: "load", timeout: 15_000 });
    await this.waitForLoads(before + 1, wall() + 5_000);
  }

  async blank(): Promise<void> {
    await this.page.goto("about:blank");
  }

  marker(): string | null {
    return this.loads.at(-1)?.marker ?? null;
  }

  /** The first load from index `from` on that shows `marker`, or null once `deadline` (wall ms) passes. */
  async waitForMarker(marker: string, from: number, deadline: number): Promise<Load | null> {
    for (;;) {
      const load = this.loads.slice(from).find((l) => l.marker === marker);
      if (load) return load;
      if (!(await this.nextLoad(deadline))) return null;
    }
  }

  /**
   * When `marker` first became visible after the loads and patches already recorded (`from`): the
   * page ready (DOMContentLoaded) of a load that shows it, or the moment a patch put it in the
   * page; null once `deadline` (wall ms) passes.
   */
  async waitForVisible(marker: string, from: { loads: number; patches: number }, deadline: number): Promise<number | null> {
    for (;;) {
      const times = [
        ...this.loads.slice(from.loads).filter((l) => l.marker === marker).map((l) => l.ready),
        ...this.patches.slice(from.patches).filter((p) => p.marker === marker).map((p) => p.at),
      ];
      if (times.length) return Math.min(...times);
      if (!(await this.nextLoad(deadline))) return null;
    }
  }

  /** Reloads from inside the page, as our client does (`location.reload()`): the load that follows, or null once `deadline` passes. */
  async reloadFromPage(deadline: number): Promise<Load | null> {
    const from = this.loads.length;
    // From a timer, so the evaluation returns before the document it runs in goes away.
    await this.page.evaluate(() => void setTimeout(() => location.reload(), 0));
    await this.waitForLoads(from + 1, deadline);
    return this.loads[from] ?? null;
  }

  /** Waits until no load or patch has arrived for `quietMs`, or until `deadline`. */
  async quiet(quietMs: number, deadline: number): Promise<void> {
    while (wall() < deadline) {
      if (!(await this.nextLoad(Math.min(deadline, wall() + quietMs)))) return;
    }
  }

  private async waitForLoads(count: number, deadline: number): Promise<void> {
    while (this.loads.length < count && (await this.nextLoad(deadline)));
  }

  /** True when a load (or a patch) arrived before `deadline`. */
  private nextLoad(deadline: number): Promise<boolean> {
    const wait = deadline - wall();
    if (wait <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, wait);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve(true);
      };
    });
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
