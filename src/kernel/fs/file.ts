// Open files (struct file): one object per open(), shared by every fd that
// dup() or fork() made from it (refs counts them), holding the file position
// and the status flags. Kinds: host regular file, host directory, pseudo file
// (its text generated at open, like a seq_file's first read), pseudo directory,
// pipe end, and the console (the host's stdin/stdout/stderr, passed through).

import { closeSync, fstatSync, lstatSync, readdirSync, readSync, writeSync, type BigIntStats } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { EBADF, EINVAL, EISDIR, ENOTDIR, ENOTTY, ESPIPE } from '../syscalls/numbers.ts';
import { hostErrno, type Inode } from './namei.ts';
import { PipeInode } from './pipe.ts';
import type { PseudoFs, PseudoRef, ProcContext } from './procfs.ts';
import { fillDirents, type DirEntry } from './readdir.ts';
import { kstatFromHost, mkdev, type KStat } from './stat.ts';
import {
  DT_DIR, DT_LNK, DT_REG, modeToDtype, O_ACCMODE, O_APPEND, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_END,
  SEEK_SET, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, TCGETS, TIOCGWINSZ,
} from './uapi.ts';

/** node:tty, loaded on first use: it pulls in node:net, milliseconds of every core worker's start. */
let ttyModule: typeof import('node:tty') | undefined;
function isattyHost(fd: number): boolean {
  ttyModule ??= createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return ttyModule.isatty(fd);
}

/** Result of an ioctl: a return value and, on success, bytes for the caller to copy to the argument pointer. */
export interface IoctlResult {
  ret: number;
  out?: Uint8Array;
}

export abstract class File {
  /** f_flags: access mode and status flags (O_APPEND, O_NONBLOCK, O_LARGEFILE, ...). */
  flags: number;
  pos = 0;
  /** fds (in any fd table) that refer to this open file. */
  refs = 0;
  /** Canonical guest path (directories: the base for *at() lookups). */
  readonly path: string[];

  constructor(flags: number, path: string[]) {
    this.flags = flags;
    this.path = path;
  }

  // Access mode 3 (O_ACCMODE) opens for neither read nor write (ioctl only), as on Linux.
  get readable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return acc === O_RDONLY || acc === O_RDWR;
  }

  get writable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return acc === O_WRONLY || acc === O_RDWR;
  }

  get isDir(): boolean {
    return false;
  }

  abstract stat(): KStat;
  /** Reads at `pos` (or the file position when undefined, advancing it). */
  read(_buf: Uint8Array, _pos?: number): number {
    return -EINVAL;
  }
  write(_data: Uint8Array, _pos?: number): number {
    return -EINVAL;
  }
  llseek(_off: number, _whence: number): number {
    return -ESPIPE;
  }
  getdents(_buf: Uint8Array): number {
    return -ENOTDIR;
  }
  ioctl(_req: number): IoctlResult {
    return { ret: -ENOTTY };
  }
  /** Called when the last fd referring to this file is closed. */
  release(): void {}
}

/** generic_file_llseek over a size. */
function seek(f: File, size: number, off: number, whence: number): number {
  let p: number;
  if (whence === SEEK_SET) p = off;
  else if (whence === SEEK_CUR) p = f.pos + off;
  else if (whence === SEEK_END) p = size + off;
  else return -EINVAL;
  if (p < 0 || !Number.isSafeInteger(p)) return -EINVAL;
  f.pos = p;
  return p;
}

export class HostFile extends File {
  constructor(flags: number, path: string[], private readonly fd: number) {
    super(flags, path);
  }

  private hostStat(): BigIntStats {
    return fstatSync(this.fd, { bigint: true });
  }

  stat(): KStat {
    return kstatFromHost(this.hostStat());
  }

  override read(buf: Uint8Array, pos?: number): number {
    try {
      const n = readSync(this.fd, buf, 0, buf.length, pos ?? this.pos);
      if (pos === undefined) this.pos += n;
      return n;
    } catch (e) {
      return hostErrno(e);
    }
  }

  override write(data: Uint8Array, pos?: number): number {
    try {
      if (pos === undefined && this.flags & O_APPEND) {
        // O_APPEND (set at open or by F_SETFL): each write goes to the current end.
        const end = Number(this.hostStat().size);
        const n = writeSync(this.fd, data, 0, data.length, end);
        this.pos = end + n;
        return n;
      }
      const n = writeSync(this.fd, data, 0, data.length, pos ?? this.pos);
      if (pos === undefined) this.pos += n;
      return n;
    } catch (e) {
      return hostErrno(e);
    }
  }

  override llseek(off: number, whence: number): number {
    return seek(this, whence === SEEK_END ? Number(this.hostStat().size) : 0, off, whence);
  }

  override release(): void {
    closeSync(this.fd);
  }
}

/** Entries common to directories: ".", "..", then the rest. */
abstract class DirFile extends File {
  private entries?: DirEntry[];

  override get isDir(): boolean {
    return true;
  }

  protected abstract list(): DirEntry[];

  override read(): number {
    return -EISDIR;
  }

  override write(): number {
    return -EBADF;
  }

  override getdents(buf: Uint8Array): number {
    // The listing is taken at the first getdents64 after open or a rewind (like a readdir snapshot).
    this.entries ??= this.list();
    if (this.pos >= this.entries.length) return 0;
    const r = fillDirents(this.entries, this.pos, buf);
    if (r.bytes === 0) return -EINVAL;
    this.pos = r.next;
    return r.bytes;
  }

  override llseek(off: number, whence: number): number {
    // Directory offsets are the d_off cookies getdents64 handed out (entry indices).
    if (whence !== SEEK_SET && whence !== SEEK_CUR) return -EINVAL;
    const p = whence === SEEK_SET ? off : this.pos + off;
    if (p < 0) return -EINVAL;
    if (p === 0) this.entries = undefined;
    this.pos = p;
    return p;
  }
}

export class HostDir extends DirFile {
  constructor(flags: number, path: string[], private readonly inode: Inode & { fs: 'host' }, private readonly parentIno: bigint, private readonly pseudo: PseudoFs) {
    super(flags, path);
  }

  stat(): KStat {
    try {
      return kstatFromHost(lstatSync(this.inode.host, { bigint: true }));
    } catch {
      return kstatFromHost(this.inode.st);
    }
  }

  protected list(): DirEntry[] {
    const out: DirEntry[] = [
      { name: '.', ino: this.inode.st.ino, type: DT_DIR },
      { name: '..', ino: this.parentIno, type: DT_DIR },
    ];
    const atRoot = this.path.length === 0;
    let names: string[];
    try {
      names = readdirNames(this.inode.host);
    } catch {
      names = [];
    }
    for (const name of names) {
      if (atRoot && this.pseudo.isMount(name)) continue;
      const st = lstatSync(join(this.inode.host, name), { bigint: true, throwIfNoEntry: false });
      if (st) out.push({ name, ino: st.ino, type: modeToDtype(Number(st.mode)) });
    }
    if (atRoot) {
      for (const m of ['proc', 'sys']) out.push({ name: m, ino: BigInt(this.pseudo.mountRoot(m).node.ino), type: DT_DIR });
    }
    return out;
  }
}

function readdirNames(host: string): string[] {
  return readdirSync(host).sort();
}

/** st_dev of the pseudo mounts: proc and sysfs are anonymous block devices (major 0). */
const PSEUDO_DEV: Record<string, bigint> = { proc: mkdev(0, 22), sys: mkdev(0, 21) };

export function pseudoStat(ref: PseudoRef): KStat {
  const n = ref.node;
  const mode = n.type === 'dir' ? S_IFDIR | 0o555 : n.type === 'link' ? S_IFLNK | 0o777 : S_IFREG | n.mode;
  // procfs files report size 0 and blksize 1024; sysfs attributes size 4096 and blksize 4096.
  const sys = ref.mount === 'sys';
  return {
    dev: PSEUDO_DEV[ref.mount] ?? 0n, ino: BigInt(n.ino + (ref.pid ?? 0) * 0x10000 + (ref.tid ?? 0) * 2 ** 32), mode, nlink: n.type === 'dir' ? 2 : 1,
    uid: 0, gid: 0, rdev: 0n, size: n.type === 'file' && sys ? 4096n : 0n, blksize: sys ? 4096 : 1024, blocks: 0n,
    atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
  };
}


export class PseudoFile extends File {
  private readonly data: Uint8Array;

  constructor(flags: number, path: string[], private readonly ref: PseudoRef, ctx: ProcContext) {
    super(flags, path);
    if (ref.node.type !== 'file') throw new Error('PseudoFile needs a file node');
    const v = ref.node.provider({ ...ctx, pid: ref.pid ?? ctx.pid, tid: ref.tid ?? ctx.tid });
    this.data = typeof v === 'string' ? new TextEncoder().encode(v) : v;
  }

  stat(): KStat {
    return pseudoStat(this.ref);
  }

  override read(buf: Uint8Array, pos?: number): number {
    const at = pos ?? this.pos;
    const n = Math.max(0, Math.min(buf.length, this.data.length - at));
    buf.set(this.data.subarray(at, at + n));
    if (pos === undefined) this.pos += n;
    return n;
  }

  override write(): number {
    return -EINVAL;
  }

  override llseek(off: number, whence: number): number {
    return seek(this, this.data.length, off, whence);
  }
}

export class PseudoDir extends DirFile {
  constructor(flags: number, path: string[], private readonly ref: PseudoRef, private readonly parentIno: bigint, private readonly pseudo: PseudoFs) {
    super(flags, path);
  }

  stat(): KStat {
    return pseudoStat(this.ref);
  }

  protected list(): DirEntry[] {
    const out: DirEntry[] = [
      { name: '.', ino: BigInt(this.ref.node.ino), type: DT_DIR },
      { name: '..', ino: this.parentIno, type: DT_DIR },
    ];
    for (const [name, r] of this.pseudo.list(this.ref)) {
      out.push({ name, ino: pseudoStat(r).ino, type: r.node.type === 'dir' ? DT_DIR : r.node.type === 'link' ? DT_LNK : DT_REG });
    }
    return out;
  }
}

export class PipeFile extends File {
  constructor(flags: number, readonly pipe: PipeInode, readonly end: 'r' | 'w') {
    super(flags, []);
    if (end === 'r') pipe.readers++;
    else pipe.writers++;
  }

  stat(): KStat {
    return {
      dev: mkdev(0, 13), ino: BigInt(this.pipe.ino), mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0n,
      size: 0n, blksize: 4096, blocks: 0n, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }

  override read(buf: Uint8Array, pos?: number): number {
    if (pos !== undefined) return -ESPIPE;
    if (this.end !== 'r') return -EBADF;
    return this.pipe.read(buf, (this.flags & O_NONBLOCK) !== 0);
  }

  override write(data: Uint8Array, pos?: number): number {
    if (pos !== undefined) return -ESPIPE;
    if (this.end !== 'w') return -EBADF;
    return this.pipe.write(data, (this.flags & O_NONBLOCK) !== 0);
  }

  override release(): void {
    if (this.end === 'r') this.pipe.readers--;
    else this.pipe.writers--;
    this.pipe.changed();
  }
}

/** The host side of fds 0, 1 and 2. The kernel supplies write (its ordered output queue); read may block the worker. */
export interface Console {
  write(stream: 1 | 2, data: Uint8Array): void;
  /** Reads host stdin; 0 at end of input. */
  read(buf: Uint8Array): number;
  isatty(stream: 0 | 1 | 2): boolean;
  winsize(): { rows: number; cols: number };
  /** The host's fstat of the stream, when it has one. */
  hostStat?(stream: 0 | 1 | 2): BigIntStats | undefined;
}

/** termios of a fresh Linux terminal ("stty -g": 4500:5:bf:8a3b:3:1c:7f:15:4:0:1:0:11:13:1a:0:12:f:17:16:0:0:0). */
export function defaultTermios(): Uint8Array {
  // struct termios (asm-generic termbits.h): c_iflag, c_oflag, c_cflag, c_lflag u32; c_line u8; c_cc[19].
  const t = new Uint8Array(36);
  const dv = new DataView(t.buffer);
  dv.setUint32(0, 0x4500, true); // ICRNL | IXON | IUTF8
  dv.setUint32(4, 0x5, true); // OPOST | ONLCR
  dv.setUint32(8, 0xbf, true); // B38400 | CS8 | CREAD
  dv.setUint32(12, 0x8a3b, true); // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
  t[16] = 0;
  t.set([0x03, 0x1c, 0x7f, 0x15, 0x04, 0x00, 0x01, 0x00, 0x11, 0x13, 0x1a, 0x00, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0], 17);
  return t;
}

export class ConsoleFile extends File {
  constructor(flags: number, private readonly console: Console, readonly stream: 0 | 1 | 2) {
    super(flags, []);
  }

  stat(): KStat {
    const h = this.console.hostStat?.(this.stream);
    if (h) return kstatFromHost(h);
    const tty = this.console.isatty(this.stream);
    return {
      dev: mkdev(0, 24), ino: BigInt(3 + this.stream), mode: tty ? S_IFCHR | 0o620 : S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0,
      rdev: tty ? mkdev(136, 0) : 0n, size: 0n, blksize: tty ? 1024 : 4096, blocks: 0n, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }

  override read(buf: Uint8Array, pos?: number): number {
    if (pos !== undefined) return -ESPIPE;
    if (!this.readable) return -EBADF;
    return this.console.read(buf);
  }

  override write(data: Uint8Array, pos?: number): number {
    if (pos !== undefined) return -ESPIPE;
    if (!this.writable) return -EBADF;
    // fd 0 opened read-write (a terminal) writes to stdout, as writing to a tty's fd 0 does.
    this.console.write(this.stream === 2 ? 2 : 1, data);
    return data.length;
  }

  override ioctl(req: number): IoctlResult {
    if (!this.console.isatty(this.stream)) return { ret: -ENOTTY };
    if (req === TCGETS) return { ret: 0, out: defaultTermios() };
    if (req === TIOCGWINSZ) {
      const w = this.console.winsize();
      const out = new Uint8Array(8);
      const dv = new DataView(out.buffer);
      dv.setUint16(0, w.rows, true);
      dv.setUint16(2, w.cols, true);
      return { ret: 0, out };
    }
    return { ret: -ENOTTY };
  }
}

/** The host's own stdin/stdout/stderr (the default console). */
export function hostConsole(): Console {
  return {
    write: (stream, data) => {
      let o = 0;
      while (o < data.length) o += writeSync(stream, data, o, data.length - o);
    },
    read: (buf) => {
      try {
        return readSync(0, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as { code?: string }).code === 'EOF') return 0;
        return hostErrno(e);
      }
    },
    isatty: (s) => isattyHost(s),
    winsize: () => ({ rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80 }),
    hostStat: (s) => {
      try {
        return fstatSync(s, { bigint: true });
      } catch {
        return undefined;
      }
    },
  };
}

