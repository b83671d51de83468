/**
 * Appends tensor bytes to one external-data file beside an .onnx graph. Input: byte chunks (a
 * tensor may arrive in several pieces, so a checkpoint never has to sit in memory whole); output:
 * an ExternalRef (location, offset, length) per tensor, plus the file's size and sha256, hashed
 * while writing so the manifest needs no second pass over gigabytes.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { ExternalRef } from './proto.ts';

/** Offsets are aligned so onnxruntime can memory-map each tensor without copying. */
const ALIGN = 64;

export class ExternalDataWriter {
  readonly location: string;
  private fd: number;
  private offset = 0;
  private pendingStart = -1;
  private hash: Hash = createHash('sha256');
  private closed = false;

  /** `path` is the data file; the graph must be saved in the same folder. */
  constructor(readonly path: string) {
    this.location = basename(path);
    this.fd = openSync(path, 'w');
  }

  private writeRaw(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, null);
    this.hash.update(bytes);
    this.offset += bytes.length;
  }

  /** Starts a tensor; feed its bytes with append(), finish with end(). */
  begin(): void {
    if (this.closed) throw new Error(`external data ${this.path}: already closed`);
    if (this.pendingStart >= 0) throw new Error(`external data ${this.path}: begin() while a tensor is open`);
    const pad = (ALIGN - (this.offset % ALIGN)) % ALIGN;
    if (pad > 0) this.writeRaw(new Uint8Array(pad));
    this.pendingStart = this.offset;
  }

  append(chunk: Uint8Array): void {
    if (this.pendingStart < 0) throw new Error(`external data ${this.path}: append() without begin()`);
    this.writeRaw(chunk);
  }

  end(): ExternalRef {
    if (this.pendingStart < 0) throw new Error(`external data ${this.path}: end() without begin()`);
    const ref = { location: this.location, offset: this.pendingStart, length: this.offset - this.pendingStart };
    this.pendingStart = -1;
    return ref;
  }

  /** Writes one whole tensor. */
  write(bytes: Uint8Array): ExternalRef {
    this.begin();
    this.append(bytes);
    return this.end();
  }

  get size(): number {
    return this.offset;
  }

  /** Closes the file; returns its size and sha256 (hex). */
  close(): { size: number; sha256: string } {
    if (!this.closed) {
      closeSync(this.fd);
      this.closed = true;
    }
    return { size: this.offset, sha256: this.hash.copy().digest('hex') };
  }
}
