/**
 * Pulls a model repository revision into a local snapshot folder: the files a package needs (weights,
 * configs, tokenizer, template), each resumable and verified against the hub's hashes. A snapshot that
 * finished carries `.complete` with the commit, so a second pull is a no-op.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getRevision, hubHeaders, resolveUrl, type HubFile, type HubOptions } from './client.ts';
import { downloadFile } from './download.ts';

/** Files a Kimi-VL package is made from; remote code (*.py) and docs are not needed. */
const WANTED = /\.(safetensors|json|jinja|model|tiktoken|txt)$/;

export interface PullProgress {
  file: string;
  fileIndex: number;
  fileCount: number;
  received: number;
  /** Bytes of the whole pull: done so far and in all. */
  totalReceived: number;
  total: number;
}

export interface PullOptions extends HubOptions {
  revision?: string;
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  dir: string;
  commit: string;
  files: HubFile[];
}

export async function pullSnapshot(repo: string, cacheRoot: string, options: PullOptions = {}): Promise<PullResult> {
  const revision = await getRevision(repo, options.revision ?? 'main', options);
  const dir = join(cacheRoot, repo.replace('/', '--'), revision.commit);
  const files = revision.files.filter((f) => WANTED.test(f.path) && !f.path.includes('/'));
  const marker = join(dir, '.complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === revision.commit) return { dir, commit: revision.commit, files };
  const total = files.reduce((sum, f) => sum + Math.max(0, f.size), 0);
  let done = 0;
  for (const [index, file] of files.entries()) {
    const dest = join(dir, file.path);
    if (!existsSync(dest)) {
      await downloadFile(resolveUrl(repo, revision.commit, file.path, options), dest, file, {
        headers: hubHeaders(options),
        signal: options.signal,
        fetch: options.fetch,
        onProgress: (p) =>
          options.onProgress?.({ file: file.path, fileIndex: index, fileCount: files.length, received: p.received, totalReceived: done + p.received, total }),
      });
    }
    done += Math.max(0, file.size);
    options.onProgress?.({ file: file.path, fileIndex: index, fileCount: files.length, received: file.size, totalReceived: done, total });
  }
  writeFileSync(marker, revision.commit + '\n');
  return { dir, commit: revision.commit, files };
}
