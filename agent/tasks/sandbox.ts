/**
 * The sandbox a task environment's programs run in (bubblewrap): user, mount, PID, IPC, UTS and
 * network namespaces. Inside, /home/user is the task's home (a size-capped tmpfs), /tmp is private
 * (with only the task's own X socket in it), the system folders are read-only, and the network is
 * loopback only unless the caller shares the host's. Nothing a task does can write outside those
 * tmpfs folders, see or signal a host process, or outlive the sandbox: every process in it dies with
 * it (PID namespace, --die-with-parent). One helper process inside (sandbox-helper.mjs) runs commands
 * and moves files for the harness, so paths and symlinks always resolve as the task sees them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { whichSync } from './host-programs.ts';
import type { RunResult } from './proc.ts';

/** OSWorld's VM user. */
export const SANDBOX_USER = { name: 'user', uid: 1000, gid: 1000, home: '/home/user' } as const;
/** Where the harness's own files for the sandbox live inside it (read-only for the task). */
export const SANDBOX_RUN_DIR = '/run/deskpilot';
export const SANDBOX_RUNTIME_DIR = `/run/user/${SANDBOX_USER.uid}`;
/**
 * bwrap binds a real file; in the packaged app this one lies unpacked beside the asar archive
 * (electron-builder.yml asarUnpack), where only Electron's own fs would find the archived copy.
 */
const HELPER_PATH = fileURLToPath(new URL('./sandbox-helper.mjs', import.meta.url)).replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
/** Root-only files that a sandbox would otherwise read when the harness runs as root (see README). */
const HOST_SECRETS = ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-', '/etc/sudoers', '/etc/sudoers.d', '/etc/ssh', '/etc/ssl/private'];
/** The most a getter reads of one file (a flood must not exhaust the harness's memory). */
const READ_LIMIT_BYTES = 512 * 2 ** 20;

export interface SandboxLimits {
  /** Size of the home tmpfs (the task's whole writable disk, with /tmp and /dev/shm). */
  homeBytes: number;
  tmpBytes: number;
  shmBytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = { homeBytes: 4 * 2 ** 30, tmpBytes: 2 ** 30, shmBytes: 512 * 2 ** 20 };

/** The host's top-level system folders: a folder is bound read-only, a link (usrmerge) is recreated. */
export interface SystemEntry {
  path: string;
  symlinkTo?: string;
}

export interface SandboxSpec {
  /** The X display number whose socket goes into the private /tmp. */
  display: number;
  /** 'loopback': a network namespace with only lo; 'host': the host's network (--allow-web). */
  network: 'loopback' | 'host';
  system: SystemEntry[];
  /** Host folders the task may read at the same path (the suite's pages and files). */
  readOnly: string[];
  /** Host files bound read-only at a path inside: [host, inside]. */
  files: [string, string][];
  limits: SandboxLimits;
  /** The environment of every program inside; nothing of the harness's own leaks in. */
  env: Record<string, string>;
  /** The node binary that runs the helper inside (the harness's own). */
  node: string;
  /** Host secrets hidden inside (probeSecrets): only needed when the harness runs as root. */
  hidden: HiddenPath[];
}

const SYSTEM_TOP = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt', '/sys'];
const VAR_KEPT = ['/var/lib/dpkg', '/var/lib/dbus', '/var/lib/openbox', '/var/cache/fontconfig'];

/** What this host has of the system folders (probed, so the argv builder itself stays pure). */
export function probeSystem(): SystemEntry[] {
  const out: SystemEntry[] = [];
  for (const path of [...SYSTEM_TOP, ...VAR_KEPT]) {
    if (!existsSync(path)) continue;
    const st = lstatSync(path);
    if (st.isSymbolicLink()) out.push({ path, symlinkTo: readlinkSync(path) });
    else if (st.isDirectory()) out.push({ path });
  }
  return out;
}

export interface HiddenPath {
  path: string;
  folder: boolean;
}

/**
 * Root-owned 0600 files stay readable to a sandbox whose host uid is 0 (ownership, not
 * capabilities), so when the harness runs as root the known secrets are covered up.
 */
export function probeSecrets(hostIsRoot: boolean): HiddenPath[] {
  if (!hostIsRoot) return [];
  return HOST_SECRETS.filter((p) => existsSync(p)).map((path) => ({ path, folder: lstatSync(path).isDirectory() }));
}

/** The bwrap command line for one sandbox, ending with the helper's command. */
export function bwrapArgv(spec: SandboxSpec): string[] {
  const a = ['bwrap', '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];
  if (spec.network === 'loopback') a.push('--unshare-net');
  a.push('--die-with-parent', '--new-session', '--disable-userns', '--uid', String(SANDBOX_USER.uid), '--gid', String(SANDBOX_USER.gid), '--hostname', 'deskpilot-task');
  const bindSystem = (e: SystemEntry) => a.push(...(e.symlinkTo !== undefined ? ['--symlink', e.symlinkTo, e.path] : ['--ro-bind', e.path, e.path]));
  const inVar = (e: SystemEntry) => e.path.startsWith('/var/');
  spec.system.filter((e) => !inVar(e)).forEach(bindSystem);
  for (const h of spec.hidden) a.push(...(h.folder ? ['--size', '4096', '--tmpfs', h.path, '--remount-ro', h.path] : ['--ro-bind', '/dev/null', h.path]));
  a.push('--proc', '/proc', '--dev', '/dev');
  // Every writable place has a size: /dev and /var hold only what is made here, then turn read-only.
  a.push('--size', String(spec.limits.shmBytes), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  a.push('--tmpfs', '/var');
  spec.system.filter(inVar).forEach(bindSystem);
  a.push('--symlink', '/tmp', '/var/tmp', '--remount-ro', '/var');
  a.push('--size', String(spec.limits.tmpBytes), '--tmpfs', '/tmp');
  a.push('--dir', '/tmp/.X11-unix', '--ro-bind', `/tmp/.X11-unix/X${spec.display}`, `/tmp/.X11-unix/X${spec.display}`);
  a.push('--size', String(spec.limits.homeBytes), '--tmpfs', SANDBOX_USER.home);
  a.push('--size', String(64 << 20), '--tmpfs', '/run');
  a.push('--dir', SANDBOX_RUNTIME_DIR, '--chmod', '0700', SANDBOX_RUNTIME_DIR);
  for (const dir of spec.readOnly) a.push('--ro-bind', dir, dir);
  for (const [host, inside] of spec.files) a.push('--ro-bind', host, inside);
  // The harness's own node runs the helper (it may live outside the system folders, e.g. under nvm).
  a.push('--ro-bind', spec.node, `${SANDBOX_RUN_DIR}/node`, '--ro-bind', HELPER_PATH, `${SANDBOX_RUN_DIR}/helper.mjs`);
  // The root bwrap builds is an unsized tmpfs holding the links and mount points: freeze it.
  a.push('--remount-ro', '/');
  a.push('--chdir', SANDBOX_USER.home, '--clearenv');
  for (const [k, v] of Object.entries(spec.env)) a.push('--setenv', k, v);
  // The helper's IPC channel is the fd the harness's spawn() gives it.
  a.push('--setenv', 'NODE_CHANNEL_FD', '3', '--setenv', 'NODE_CHANNEL_SERIALIZATION_MODE', 'advanced');
  a.push(`${SANDBOX_RUN_DIR}/node`, `${SANDBOX_RUN_DIR}/helper.mjs`);
  return a;
}

/** passwd / group lines that name the sandbox's user (so `whoami`, `~user` and apps see "user"). */
export function identityFiles(): { passwd: string; group: string } {
  const { name, uid, gid, home } = SANDBOX_USER;
  return {
    passwd: `root:x:0:0:root:/root:/bin/bash\n${name}:x:${uid}:${gid}:${name}:${home}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\n${name}:x:${gid}:\nnogroup:x:65534:\n`,
  };
}

/** Thrown when bubblewrap is missing or cannot make namespaces here, with what to do. */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

export function checkSandboxTool(): void {
  if (!whichSync('bwrap')) {
    throw new SandboxUnavailableError('task environments run in a bubblewrap sandbox, and bwrap is not installed: install it (Debian: apt-get install bubblewrap)');
  }
}

interface Reply {
  id: number;
  error?: string;
  [key: string]: unknown;
}

export class Sandbox {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private exited?: string;

  /** Host listeners, by the port inside the sandbox each one relays to. */
  private readonly relays = new Map<number, Promise<{ server: Server; port: number }>>();
  /** Chromium's DevTools port as the harness reaches it (relayed into the sandbox). */
  devtoolsPort = 0;

  private constructor(
    private readonly child: ChildProcess,
    /** The port Chromium listens on inside. */
    readonly innerDevtoolsPort: number,
  ) {
    child.on('message', (m: Reply) => {
      const waiter = this.pending.get(m.id);
      this.pending.delete(m.id);
      waiter?.resolve(m);
    });
    child.on('exit', (code, signal) => {
      this.exited = `the task's sandbox ended (${signal ?? `exit ${code}`})`;
      for (const w of this.pending.values()) w.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  static async start(spec: SandboxSpec, innerDevtoolsPort: number, onStderr: (text: string) => void): Promise<Sandbox> {
    checkSandboxTool();
    const [file, ...args] = bwrapArgv(spec);
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr(d);
    });
    const ready = await new Promise<string | undefined>((resolveReady) => {
      child.once('message', () => resolveReady(undefined));
      child.once('error', (e) => resolveReady(e.message));
      child.once('exit', () => resolveReady(stderr.trim() || 'bwrap exited'));
    });
    if (ready !== undefined) {
      child.kill('SIGKILL');
      throw new SandboxUnavailableError(`cannot start the task sandbox (bubblewrap): ${ready}. It needs user namespaces (sysctl kernel.unprivileged_userns_clone=1 on Debian, user.max_user_namespaces > 0).`);
    }
    const sandbox = new Sandbox(child, innerDevtoolsPort);
    sandbox.devtoolsPort = await sandbox.forward(innerDevtoolsPort);
    return sandbox;
  }

  /**
   * A port on the host's 127.0.0.1 whose connections the helper joins to `innerPort` on the
   * sandbox's loopback (which the host cannot reach): DevTools, an app's HTTP interface.
   */
  forward(innerPort: number): Promise<number> {
    let relay = this.relays.get(innerPort);
    if (!relay) {
      relay = new Promise((resolve, reject) => {
        const server = createServer({ pauseOnConnect: true }, (socket: Socket) => {
          if (this.exited) socket.destroy();
          else this.child.send({ op: 'relay', port: innerPort }, socket);
        });
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          const address = server.address();
          resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
        });
      });
      this.relays.set(innerPort, relay);
    }
    return relay.then((r) => r.port);
  }

  private request(message: Record<string, unknown>): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, ...message }, (e) => {
        if (e) {
          this.pending.delete(id);
          reject(e);
        }
      });
    });
  }

  async run(argv: string[], env: Record<string, string>, cwd: string, timeoutMs: number, input?: string): Promise<RunResult> {
    try {
      const r = await this.request({ op: 'run', argv, env, cwd, timeoutMs, ...(input !== undefined ? { input } : {}) });
      return { code: (r.code as number | null) ?? null, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), ...(r.error ? { error: r.error } : {}) };
    } catch (error) {
      return { code: null, stdout: '', stderr: '', error: (error as Error).message };
    }
  }

  /** Starts a program in the background; resolves with its PID inside, or throws why it could not start. */
  async launch(argv: string[], env: Record<string, string>, cwd: string): Promise<number> {
    const r = await this.request({ op: 'launch', argv, env, cwd });
    if (r.error) throw new Error(r.error);
    return r.pid as number;
  }

  /** A regular file as the sandbox sees it, or null when there is none at that path. */
  async readFile(path: string): Promise<Buffer | null> {
    const r = await this.request({ op: 'readFile', path, maxBytes: READ_LIMIT_BYTES });
    if (r.error) throw new Error(r.error);
    return r.missing ? null : Buffer.from(r.data as Uint8Array);
  }

  async writeFile(path: string, data: Uint8Array | string, mode?: number): Promise<void> {
    const r = await this.request({ op: 'writeFile', path, data: typeof data === 'string' ? Buffer.from(data) : data, ...(mode !== undefined ? { mode } : {}) });
    if (r.error) throw new Error(`cannot write ${path} in the task's sandbox: ${r.error}`);
  }

  async dispose(): Promise<void> {
    for (const relay of this.relays.values()) relay.then((r) => r.server.close(), () => undefined);
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    // bwrap is PID 1's parent here: killing it takes the whole PID namespace down.
    this.child.kill('SIGKILL');
    await gone;
  }
}
