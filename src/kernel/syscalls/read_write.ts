// fs/read_write.c: read, write, pread64, pwrite64, readv, writev, lseek, over
// the open files of kernel/fs. Argument checks in Linux's order; data moves
// between the file and user memory in chunks of at most CHUNK bytes (the host
// buffer never holds a whole 2 GiB request).
//
// Faults: a read returns the bytes that reached the user before the first bad
// page; a write to a regular file writes the bytes readable before it, one to
// a pipe or terminal only the whole pages (chunks) before it; -EFAULT only
// when nothing was done, as Linux. On a file with a position (regular and pseudo files) the
// position advances by the bytes copied, so nothing is lost; on a pipe a
// failed copy loses the bytes already taken from it (Linux leaves them in the
// pipe) — rare, and only for a buffer that faults part-way.
//
// Blocking: a pipe read or write that would sleep answers WOULD_BLOCK when
// nothing was done yet; read/write/readv/writev hand it to a kernel that can
// sleep (SyscallTask.canSleep: it sleeps on the pipe's wait queue and restarts
// the call), else it is -EAGAIN.
//
// SIGPIPE on a write to a pipe without readers: the kernel sends it when a write call returns
// -EPIPE (signal/send.ts sendSigpipe).

import { ConsoleFile, HostFile, PipeFile, PseudoFile, type File } from '../fs/file.ts';
import { WOULD_BLOCK } from '../fs/pipe.ts';
import type { FileSyscalls } from '../fs/syscalls.ts';
import { O_APPEND, S_IFCHR, S_IFMT, SEEK_DATA, SEEK_HOLE, SEEK_MAX } from '../fs/uapi.ts';
import { PAGE_SIZE } from '../mm/mm_types.ts';
import { EAGAIN, EBADF, EFAULT, EINVAL, ENXIO, ESPIPE } from './numbers.ts';
import type { SyscallTask, UserAccess } from './task_context.ts';
import {
  accessOk, argInt, argLong, argUInt, argULong, copyFromUserPartial, copyToUserPartial, importIovec, MAX_RW_COUNT, type Iovec,
} from './uaccess.ts';

/** Largest host buffer one step of a read or write uses. Pipe atomicity needs CHUNK >= PIPE_BUF. */
const CHUNK = 1 << 16;
/** tty_write's chunk (TTY_NO_WRITE_SPLIT unset). */
const TTY_WRITE_CHUNK = 2048;

/** A sequence of user buffers (one for read/write, the iovecs for readv/writev) with a cursor. */
export class UserSegments {
  private seg = 0;
  private off = 0;
  remaining: number;

  constructor(private readonly user: UserAccess, private readonly segs: Iovec[]) {
    this.remaining = segs.reduce((n, s) => n + s.len, 0);
  }

  /** copy_from_user of up to max bytes at the cursor; stops short at the first page that faults. */
  pull(max: number): Uint8Array {
    const out = new Uint8Array(Math.min(max, this.remaining));
    let got = 0;
    while (got < out.length) {
      const s = this.segs[this.seg];
      const take = Math.min(s.len - this.off, out.length - got);
      const b = take === 0 ? new Uint8Array(0) : copyFromUserPartial(this.user, s.base + this.off, take);
      out.set(b, got);
      this.advance(b.length);
      got += b.length;
      if (b.length < take) break;
    }
    return out.subarray(0, got);
  }

  /** copy_to_user of data at the cursor: the bytes written before the first page that faults. */
  push(data: Uint8Array): number {
    let put = 0;
    while (put < data.length) {
      const s = this.segs[this.seg];
      const take = Math.min(s.len - this.off, data.length - put);
      const n = take === 0 ? 0 : copyToUserPartial(this.user, s.base + this.off, data.subarray(put, put + take));
      this.advance(n);
      put += n;
      if (n < take) break;
    }
    return put;
  }

  /** The first n bytes were written before (a write that slept on a full pipe goes on after them). */
  skip(n: number): this {
    n = Math.min(n, this.remaining);
    while (n > 0) {
      const take = Math.min(n, this.segs[this.seg].len - this.off);
      this.advance(take);
      n -= take;
    }
    return this;
  }

  private advance(n: number): void {
    this.off += n;
    this.remaining -= n;
    while (this.seg < this.segs.length && this.off === this.segs[this.seg].len) {
      this.seg++;
      this.off = 0;
    }
  }
}

/** Files with a position of their own (FMODE_PREAD): read at explicit offsets, advance by what was copied. */
function hasPosition(f: File): boolean {
  return f instanceof HostFile || f instanceof PseudoFile;
}

/** WOULD_BLOCK to a task that cannot sleep is -EAGAIN. */
function blocking(t: SyscallTask, n: number): number {
  return n === WOULD_BLOCK && !t.canSleep ? -EAGAIN : n;
}

/** The read loop of read/pread64/readv. pos: pread's offset (the file position is left alone). */
export function readToUser(f: File, dst: UserSegments, pos?: number): number {
  const positional = pos !== undefined || hasPosition(f);
  let off = pos ?? f.pos;
  let total = 0;
  do {
    const buf = new Uint8Array(Math.min(CHUNK, dst.remaining));
    const n = positional ? f.read(buf, off) : f.read(buf);
    if (n < 0) {
      if (total > 0) break;
      return n;
    }
    const c = dst.push(buf.subarray(0, n));
    total += c;
    off += c;
    if (c < n) {
      if (f instanceof PipeFile) f.pipe.unread(n - c);
      if (total === 0) return -EFAULT;
      break;
    }
    if (n < buf.length) break;
  } while (dst.remaining > 0);
  if (positional && pos === undefined) f.pos = off;
  return total;
}

/**
 * The unit a write commits whole when its source faults part-way: a regular file keeps every
 * byte copied (generic_perform_write); a pipe drops the page it was filling (pipe_write
 * copies PAGE_SIZE at a time and discards a short copy); a terminal the chunk it was
 * filling (tty_write's 2048-byte chunks). The console is a terminal or, to the guest, a pipe.
 */
function faultUnit(f: File): number {
  if (hasPosition(f)) return 1;
  if (f instanceof ConsoleFile && (f.stat().mode & S_IFMT) === S_IFCHR) return TTY_WRITE_CHUNK;
  return PAGE_SIZE;
}

/** The write loop of write/pwrite64/writev. pos: pwrite's offset. */
export function writeFromUser(f: File, src: UserSegments, pos?: number): number {
  let total = 0;
  do {
    const want = Math.min(CHUNK, src.remaining);
    let data = src.pull(want);
    if (data.length < want) {
      // CHUNK is a multiple of every unit, so units count from the start of the write.
      const unit = faultUnit(f);
      data = data.subarray(0, data.length - (data.length % unit));
    }
    if (data.length === 0 && want > 0) return total > 0 ? total : -EFAULT;
    const n = pos === undefined ? f.write(data) : f.write(data, pos + total);
    if (n < 0) {
      if (total > 0) break;
      return n;
    }
    total += n;
    if (n < want) break;
  } while (src.remaining > 0);
  return total;
}

/** The one buffer of read/write: -EFAULT unless access_ok (before the length is cut to MAX_RW_COUNT, as vfs_read). */
function one(t: SyscallTask, addr: number, count: number, taskSize: number): UserSegments | number {
  if (!accessOk(addr, count, taskSize)) return -EFAULT;
  return new UserSegments(t.user, [{ base: addr, len: Math.min(count, MAX_RW_COUNT) }]);
}

/** read(fd, buf, count) */
export function sysRead(fs: FileSyscalls, t: SyscallTask, taskSize: number): number {
  const f = fs.files.get(argInt(t.cpu, 0));
  if (!f || !f.readable) return -EBADF;
  const dst = one(t, argULong(t.cpu, 1), argULong(t.cpu, 2), taskSize);
  return typeof dst === 'number' ? dst : blocking(t, readToUser(f, dst));
}

/** write(fd, buf, count) */
export function sysWrite(fs: FileSyscalls, t: SyscallTask, taskSize: number): number {
  const f = fs.files.get(argInt(t.cpu, 0));
  if (!f || !f.writable) return -EBADF;
  const done = t.writeDone ?? 0;
  const src = one(t, argULong(t.cpu, 1) + done, argULong(t.cpu, 2) - done, taskSize);
  return typeof src === 'number' ? src : pipeWrite(t, f, src);
}

/** The write loop, noting for the kernel how much of the call is left (a blocking pipe write goes on for it). */
function pipeWrite(t: SyscallTask, f: File, src: UserSegments): number {
  const want = src.remaining;
  const n = writeFromUser(f, src);
  t.writeLeft = n >= 0 ? want - n : want;
  return blocking(t, n);
}

/** pread64(fd, buf, count, pos): EINVAL for pos < 0 comes before EBADF, ESPIPE before the mode check (ksys_pread64). */
export function sysPread64(fs: FileSyscalls, t: SyscallTask, taskSize: number): number {
  const pos = argLong(t.cpu, 3);
  if (pos < 0) return -EINVAL;
  const f = fs.files.get(argInt(t.cpu, 0));
  if (!f) return -EBADF;
  if (!hasPosition(f) && !f.isDir) return -ESPIPE;
  if (!f.readable) return -EBADF;
  const dst = one(t, argULong(t.cpu, 1), argULong(t.cpu, 2), taskSize);
  return typeof dst === 'number' ? dst : readToUser(f, dst, pos);
}

/** pwrite64(fd, buf, count, pos): on an O_APPEND file Linux appends whatever pos says, and leaves the position. */
export function sysPwrite64(fs: FileSyscalls, t: SyscallTask, taskSize: number): number {
  const pos = argLong(t.cpu, 3);
  if (pos < 0) return -EINVAL;
  const f = fs.files.get(argInt(t.cpu, 0));
  if (!f) return -EBADF;
  if (!hasPosition(f) && !f.isDir) return -ESPIPE;
  if (!f.writable) return -EBADF;
  const src = one(t, argULong(t.cpu, 1), argULong(t.cpu, 2), taskSize);
  if (typeof src === 'number') return src;
  if (f.flags & O_APPEND) {
    const keep = f.pos;
    const r = writeFromUser(f, src);
    f.pos = keep;
    return r;
  }
  return writeFromUser(f, src, pos);
}

/** readv(fd, iov, iovcnt) / writev(fd, iov, iovcnt): the fd is checked before the iovec array is read (vfs_readv). */
function vectored(fs: FileSyscalls, t: SyscallTask, write: boolean, taskSize: number): number {
  const f = fs.files.get(argInt(t.cpu, 0));
  if (!f || !(write ? f.writable : f.readable)) return -EBADF;
  const iov = importIovec(t.user, argULong(t.cpu, 1), argUInt(t.cpu, 2), taskSize);
  if (typeof iov === 'number') return iov;
  const segs = new UserSegments(t.user, iov);
  return write ? pipeWrite(t, f, segs.skip(t.writeDone ?? 0)) : blocking(t, readToUser(f, segs));
}

export function sysReadv(fs: FileSyscalls, t: SyscallTask, taskSize: number): number {
  return vectored(fs, t, false, taskSize);
}

export function sysWritev(fs: FileSyscalls, t: SyscallTask, taskSize: number): number {
  return vectored(fs, t, true, taskSize);
}

/** lseek(fd, offset, whence): whence beyond SEEK_MAX is EINVAL even on a pipe; SEEK_DATA/SEEK_HOLE as generic_file_llseek. */
export function sysLseek(fs: FileSyscalls, t: SyscallTask): number {
  const f = fs.files.get(argInt(t.cpu, 0));
  if (!f) return -EBADF;
  const off = argLong(t.cpu, 1);
  const whence = argUInt(t.cpu, 2);
  if (whence > SEEK_MAX) return -EINVAL;
  if ((whence === SEEK_DATA || whence === SEEK_HOLE) && f instanceof HostFile) {
    // A file without holes: data everywhere before EOF, the one hole at EOF.
    const size = Number(f.stat().size);
    if (off < 0 || off >= size) return -ENXIO;
    f.pos = whence === SEEK_DATA ? off : size;
    return f.pos;
  }
  return f.llseek(off, whence);
}
