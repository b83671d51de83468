/**
 * The environment's Chromium seen through its DevTools port: connecting, the open tabs, and a wait
 * until every tab has loaded. A window that is mapped but still blank looks just as still as a
 * finished page, so waiting for the screen to settle is not enough on a slow start (cold disk, busy
 * CPU).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';

export interface DevtoolsTarget {
  type: string;
  url: string;
  title: string;
}

/** The page targets; Chromium lists the most recently active tab first. */
export async function pageTargets(port: number): Promise<DevtoolsTarget[]> {
  const response = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(5000) });
  const targets = (await response.json()) as DevtoolsTarget[];
  return targets.filter((t) => t.type === 'page');
}

/**
 * Connects over CDP, retrying while Chromium starts; after timeoutMs (or an abort) it throws with
 * the last reason.
 */
export async function connectChromium(port: number, timeoutMs: number, signal?: AbortSignal): Promise<Browser> {
  const deadline = Date.now() + timeoutMs;
  let last = `no answer within ${timeoutMs / 1000} s`;
  while (Date.now() < deadline && !signal?.aborted) {
    try {
      return await chromium.connectOverCDP(`http://127.0.0.1:${port}`, { timeout: Math.max(1000, Math.min(5000, deadline - Date.now())) });
    } catch (error) {
      last = (error as Error).message.split('\n')[0];
      await sleep(300);
    }
  }
  throw new Error(`cannot reach Chromium's DevTools port ${port}: ${last}`);
}

/**
 * True when every tab has committed the URL it shows (the DevTools list gives the visible URL, a
 * page its committed one) and its document is complete.
 */
async function allLoaded(port: number, browser: Browser): Promise<boolean> {
  const shown = (await pageTargets(port)).map((t) => t.url).sort();
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (pages.length === 0) return false;
  const committed = pages.map((p) => p.url()).sort();
  if (JSON.stringify(shown) !== JSON.stringify(committed)) return false;
  const states = await Promise.all(pages.map((p) => p.evaluate('document.readyState').catch(() => 'navigating')));
  return states.every((s) => s === 'complete');
}

/**
 * Waits until Chromium answers on `port` and every tab has loaded, seen twice in a row 250 ms
 * apart (a tab that starts on about:blank and then navigates is caught by the second look).
 * Returns false when that did not happen within timeoutMs.
 */
export async function waitForChromePages(port: number, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const browser = await connectChromium(port, timeoutMs, signal).catch(() => undefined);
  if (!browser) return false;
  try {
    let streak = 0;
    while (Date.now() < deadline && !signal.aborted) {
      streak = (await allLoaded(port, browser).catch(() => false)) ? streak + 1 : 0;
      if (streak === 2) return true;
      await sleep(250);
    }
    return false;
  } finally {
    await browser.close().catch(() => undefined);
  }
}
