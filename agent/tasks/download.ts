/**
 * Fetches a URL into a content cache shared by all environments (keyed by URL), so a suite that ran
 * once with a network runs offline afterwards. file:// URLs are copied. Offline, an uncached
 * http(s) URL fails with a message that says so.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function downloadCacheDir(): string {
  return process.env.DESKPILOT_DOWNLOAD_CACHE ?? join(homedir(), '.cache', 'deskpilot', 'downloads');
}

export function cachedPath(url: string): string {
  return join(downloadCacheDir(), createHash('sha256').update(url).digest('hex').slice(0, 32));
}

/** Whether fetching this URL needs no network: a local file, a loopback server, or a cache hit. */
export function isAvailableOffline(url: string): boolean {
  if (url.startsWith('file:')) return true;
  if (/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url)) return true;
  return existsSync(cachedPath(url));
}

export async function fetchToFile(url: string, dest: string, timeoutMs = 60_000): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true });
  if (url.startsWith('file:')) {
    const src = fileURLToPath(url);
    if (!existsSync(src)) throw new Error(`download ${url}: no such file ${src}`);
    copyFileSync(src, dest);
    return;
  }
  if (!/^https?:/.test(url)) throw new Error(`download ${url}: only http(s) and file URLs are supported`);
  const cached = cachedPath(url);
  if (!existsSync(cached)) {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new Error(`download ${url} failed (no network access? put the file in ${downloadCacheDir()} or run once online): ${(error as Error).message}`);
    }
    if (!response.ok) throw new Error(`download ${url} failed: HTTP ${response.status}`);
    const body = new Uint8Array(await response.arrayBuffer());
    mkdirSync(dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.part`;
    writeFileSync(tmp, body);
    renameSync(tmp, cached);
  }
  copyFileSync(cached, dest);
}
