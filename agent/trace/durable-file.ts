/**
 * Writes that survive a crash: a process killed with SIGKILL (or a power cut after fsync) leaves either
 * the old or the new content of a rewritten file, and every appended line that was reported written.
 * Files are created readable by their owner only: traces hold screenshots and typed text.
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Mode of every file created here (before the umask, which can only take more away). */
export const PRIVATE_FILE = 0o600;

/** Writes to a temporary sibling, fsyncs it, renames it over `path`, then fsyncs the folder. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await open(tmp, 'w', PRIVATE_FILE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await syncDir(dirname(path));
}

/** Makes a rename or a new file's directory entry durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a directory; the data itself is already synced.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
  } finally {
    await handle.close();
  }
}

/** An append-only JSON-lines file; each line is written whole and fsynced before append() resolves. */
export class JsonLinesAppender {
  private constructor(private readonly handle: FileHandle) {}

  static async open(path: string): Promise<JsonLinesAppender> {
    const handle = await open(path, 'a', PRIVATE_FILE);
    await syncDir(dirname(path));
    return new JsonLinesAppender(handle);
  }

  async append(value: unknown): Promise<void> {
    // One write call per line: a kill can tear only the last line, which the reader tolerates.
    await this.handle.write(JSON.stringify(value) + '\n');
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
