/**
 * A minimal X11 client that streams one display's raw input (XInput2 raw key, button and motion
 * events, plus pointer motion that reaches the root window) over the X protocol itself. Raw events are
 * delivered to every client that asks, and asking takes nothing from anyone: unlike
 * `xinput test-xi2 --root`, which also selects button presses on the root window, it neither swallows
 * clicks on the desktop (a window manager's root menu) nor makes a second watcher of the display fail.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

export interface Xi2RawEvent {
  type: 'key_press' | 'key_release' | 'button_press' | 'motion';
  /** Keycode or button number (0 for motion). */
  detail: number;
  /** The slave device it came from; -1 when the event names only the master (pointer motion). */
  source: number;
}

const XI_MOTION = 6;
const XI_RAW: Record<number, Xi2RawEvent['type']> = { 13: 'key_press', 14: 'key_release', 15: 'button_press', 17: 'motion' };
const XI_ALL_DEVICES = 0;
const XI_ALL_MASTER_DEVICES = 1;
const GENERIC_EVENT = 35;
const COOKIE = 'MIT-MAGIC-COOKIE-1';

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** ":1", ":1.0", "host:1" -> where to connect and which screen's root to watch. */
export function parseDisplayName(display: string): { host: string; number: number; screen: number } {
  const m = /^([\w.-]*):(\d+)(?:\.(\d+))?$/.exec(display);
  if (!m) throw new Error(`"${display}" is not an X display name like :1 or :1.0`);
  return { host: m[1] === 'unix' ? '' : m[1]!, number: Number(m[2]), screen: Number(m[3] ?? 0) };
}

/** The MIT-MAGIC-COOKIE-1 for display `number` in an .Xauthority file, if there is one. */
export function findCookie(file: Buffer, number: number, host: string): Buffer | undefined {
  let at = 0;
  const field = () => {
    const length = file.readUInt16BE(at);
    if (at + 2 + length > file.length) throw new RangeError('truncated record');
    const value = file.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    return value;
  };
  try {
    while (at < file.length) {
      const family = file.readUInt16BE(at);
      at += 2;
      const address = field().toString();
      const display = field().toString();
      const name = field().toString();
      const data = field();
      // 256: this machine (by host name); 65535: any address.
      const here = family === 65535 || (family === 256 && address === host);
      if (here && (display === '' || display === String(number)) && name === COOKIE) return data;
    }
  } catch {
    // A truncated file: no cookie from it.
  }
  return undefined;
}

/** The root window of `screen` in a connection setup reply. */
export function rootWindowOf(setup: Buffer, screen: number): number {
  const vendorLength = setup.readUInt16LE(24);
  const screens = setup.readUInt8(28);
  const formats = setup.readUInt8(29);
  if (screen >= screens) throw new Error(`the display has ${screens} screen(s); there is no screen ${screen}`);
  let at = 40 + vendorLength + pad4(vendorLength) + 8 * formats;
  for (let s = 0; s < screen; s++) {
    const depths = setup.readUInt8(at + 39);
    at += 40;
    for (let d = 0; d < depths; d++) at += 8 + 24 * setup.readUInt16LE(at + 2);
  }
  return setup.readUInt32LE(at);
}

export interface Xi2RawInputEvents {
  input: [Xi2RawEvent];
  /** The connection ended (the X server went away). */
  close: [];
}

export class Xi2RawInput extends EventEmitter<Xi2RawInputEvents> {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve(reply: Buffer): void; reject(error: Error): void } | undefined;
  private xinputOpcode = -1;

  private constructor(private readonly socket: Socket) {
    super();
    socket.on('error', () => socket.destroy()); // 'close' follows
    socket.on('close', () => {
      this.waiting?.reject(new Error('the X server closed the connection'));
      this.waiting = undefined;
      this.emit('close');
    });
  }

  /** Connects, selects raw input on the screen's root window and resolves once events flow. */
  static async open(display: string, env: NodeJS.ProcessEnv = process.env): Promise<Xi2RawInput> {
    const { host, number, screen } = parseDisplayName(display);
    const authFile = env['XAUTHORITY'] ?? join(homedir(), '.Xauthority');
    const cookie = findCookie(await readFile(authFile).catch(() => Buffer.alloc(0)), number, hostname());
    const socket = host === '' ? connect(`/tmp/.X11-unix/X${number}`) : connect(6000 + number, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }).catch((error: Error) => {
      throw new Error(`cannot connect to X display ${display}: ${error.message}`);
    });
    const client = new Xi2RawInput(socket);
    let timer: NodeJS.Timeout | undefined;
    try {
      const answered = (async () => {
        const root = rootWindowOf(await client.handshake(cookie, display), screen);
        await client.selectRawInput(root);
      })();
      const silent = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`X display ${display} did not answer within 5 s`)), 5000);
      });
      await Promise.race([answered, silent]);
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  close(): void {
    this.socket.destroy();
  }

  private async handshake(cookie: Buffer | undefined, display: string): Promise<Buffer> {
    const name = cookie ? Buffer.from(COOKIE) : Buffer.alloc(0);
    const data = cookie ?? Buffer.alloc(0);
    const head = Buffer.alloc(12);
    head.write('l', 0); // little-endian replies
    head.writeUInt16LE(11, 2);
    head.writeUInt16LE(name.length, 6);
    head.writeUInt16LE(data.length, 8);
    const setup = new Promise<Buffer>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        if (this.buffer.length < 8) return;
        const total = 8 + 4 * this.buffer.readUInt16LE(6);
        if (this.buffer.length < total) return;
        this.socket.off('data', onData);
        const reply = this.buffer.subarray(0, total);
        this.buffer = this.buffer.subarray(total);
        this.socket.on('data', (more: Buffer) => this.receive(more));
        if (reply[0] === 1) return resolve(reply);
        const reason = reply.subarray(8, 8 + (reply[0] === 0 ? reply[1]! : reply.length - 8)).toString().replace(/\0+$/, '').trim();
        reject(new Error(`X display ${display} refused the connection: ${reason || 'no reason given'}`));
      };
      this.socket.on('data', onData);
    });
    this.socket.write(Buffer.concat([head, name, Buffer.alloc(pad4(name.length)), data, Buffer.alloc(pad4(data.length))]));
    return setup;
  }

  /** Sends a request that has a reply and waits for it (one at a time). */
  private request(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  private async selectRawInput(root: number): Promise<void> {
    const name = Buffer.from('XInputExtension');
    const query = Buffer.alloc(8 + name.length + pad4(name.length));
    query.writeUInt8(98, 0); // QueryExtension
    query.writeUInt16LE(query.length / 4, 2);
    query.writeUInt16LE(name.length, 4);
    name.copy(query, 8);
    const extension = await this.request(query);
    if (extension[8] !== 1) throw new Error('the X server has no XInput extension');
    this.xinputOpcode = extension[9]!;

    const version = Buffer.alloc(8); // XIQueryVersion 2.2: raw events need XI 2.1+
    version.writeUInt8(this.xinputOpcode, 0);
    version.writeUInt8(47, 1);
    version.writeUInt16LE(2, 2);
    version.writeUInt16LE(2, 4);
    version.writeUInt16LE(2, 6);
    const got = await this.request(version);
    if (got.readUInt16LE(8) < 2 || (got.readUInt16LE(8) === 2 && got.readUInt16LE(10) < 1)) {
      throw new Error(`the X server's XInput is ${got.readUInt16LE(8)}.${got.readUInt16LE(10)}; raw input needs 2.1`);
    }

    // XISelectEvents on the root: raw events of the master devices, and pointer motion of every device
    // (a warped pointer shows up only as a slave's Motion, with no raw event).
    const bits = (events: number[]) => events.reduce((mask, bit) => mask | (1 << bit), 0) >>> 0;
    const select = Buffer.alloc(28);
    select.writeUInt8(this.xinputOpcode, 0);
    select.writeUInt8(46, 1);
    select.writeUInt16LE(select.length / 4, 2);
    select.writeUInt32LE(root, 4);
    select.writeUInt16LE(2, 8);
    select.writeUInt16LE(XI_ALL_DEVICES, 12);
    select.writeUInt16LE(1, 14);
    select.writeUInt32LE(bits([XI_MOTION]), 16);
    select.writeUInt16LE(XI_ALL_MASTER_DEVICES, 20);
    select.writeUInt16LE(1, 22);
    select.writeUInt32LE(bits(Object.keys(XI_RAW).map(Number)), 24);
    this.socket.write(select);
    // GetInputFocus: its reply says the selection above was taken (an error would come first).
    const sync = Buffer.alloc(4);
    sync.writeUInt8(43, 0);
    sync.writeUInt16LE(1, 2);
    await this.request(sync);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 32) {
      const type = this.buffer[0]! & 0x7f;
      const total = type === 1 || type === GENERIC_EVENT ? 32 + 4 * this.buffer.readUInt32LE(4) : 32;
      if (this.buffer.length < total) return;
      const packet = this.buffer.subarray(0, total);
      this.buffer = this.buffer.subarray(total);
      if (type === 0) {
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting?.reject(new Error(`the X server refused watching the input (X error ${packet[1]})`));
      } else if (type === 1) {
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting?.resolve(Buffer.from(packet));
      } else if (type === GENERIC_EVENT && packet[1] === this.xinputOpcode) {
        this.event(packet);
      }
    }
  }

  private event(packet: Buffer): void {
    const evtype = packet.readUInt16LE(8);
    const raw = XI_RAW[evtype];
    if (raw) this.emit('input', { type: raw, detail: raw === 'motion' ? 0 : packet.readUInt32LE(16), source: packet.readUInt16LE(20) });
    // Pointer motion (a warp, or over the root) is judged by timing alone, like the core event it stands for.
    else if (evtype === XI_MOTION) this.emit('input', { type: 'motion', detail: 0, source: -1 });
  }
}
