// File syscalls on a temp tree: semantics and Linux errno values; struct stat bytes against the host's
// fs.statSync; getdents64 records parsed back.

import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { WOULD_BLOCK } from '../../../src/kernel/fs/pipe.ts';
import type { FileSyscalls } from '../../../src/kernel/fs/syscalls.ts';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL,
  O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY,
  SEEK_CUR, SEEK_END, SEEK_SET, TCGETS, TIOCGWINSZ,
} from '../../../src/kernel/fs/uapi.ts';
import { fakeConsole, guestFs, readAll, tempDir, utf8 } from './helpers.ts';

const E = { ENOENT: -2, EBADF: -9, EAGAIN: -11, EACCES: -13, EEXIST: -17, ENOTDIR: -20, EISDIR: -21, EINVAL: -22, EMFILE: -24, ENOTTY: -25, ESPIPE: -29, EROFS: -30, EPIPE: -32, ELOOP: -40 };
const O_LARGEFILE = 0o100000;

let dir: string;
let fs: FileSyscalls;

beforeEach(() => {
  dir = tempDir();
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'data.txt'), '0123456789abcdef');
  writeFileSync(join(dir, 'sub', 'x.bin'), Buffer.alloc(5000, 7));
  symlinkSync('data.txt', join(dir, 'ln'));
  fs = guestFs(dir, { exe: '/bin/prog' });
});

function text(b: Uint8Array, n: number): string {
  return Buffer.from(b.subarray(0, n)).toString();
}

describe('openat, read, pread64, lseek, close', () => {
  it('reads sequentially, at offsets, and seeks like Linux', () => {
    const fd = fs.openat(AT_FDCWD, '/data.txt', O_RDONLY, 0);
    expect(fd).toBe(0); // no stdio installed: lowest free fd
    const b = new Uint8Array(4);
    expect(fs.read(fd, b)).toBe(4);
    expect(text(b, 4)).toBe('0123');
    expect(fs.pread64(fd, b, 10)).toBe(4);
    expect(text(b, 4)).toBe('abcd');
    expect(fs.read(fd, b)).toBe(4); // pread64 left the position alone
    expect(text(b, 4)).toBe('4567');
    expect(fs.lseek(fd, -2, SEEK_END)).toBe(14);
    expect(fs.read(fd, b)).toBe(2);
    expect(text(b, 2)).toBe('ef');
    expect(fs.read(fd, b)).toBe(0);
    expect(fs.lseek(fd, 3, SEEK_SET)).toBe(3);
    expect(fs.lseek(fd, 2, SEEK_CUR)).toBe(5);
    expect(fs.lseek(fd, -6, SEEK_CUR)).toBe(E.EINVAL);
    expect(fs.lseek(fd, 0, 7)).toBe(E.EINVAL);
    expect(fs.lseek(fd, 100, SEEK_SET)).toBe(100); // past the end is allowed
    expect(fs.read(fd, b)).toBe(0);
    expect(fs.pread64(fd, b, -1)).toBe(E.EINVAL);
    expect(fs.close(fd)).toBe(0);
    expect(fs.close(fd)).toBe(E.EBADF);
    expect(fs.read(fd, b)).toBe(E.EBADF);
    expect(fs.read(99, b)).toBe(E.EBADF);
  });

  it('errno: ENOENT, ENOTDIR, EISDIR, ELOOP with O_NOFOLLOW, EBADF dirfd, O_DIRECTORY', () => {
    expect(fs.openat(AT_FDCWD, '/nope', O_RDONLY, 0)).toBe(E.ENOENT);
    expect(fs.openat(AT_FDCWD, '/data.txt/x', O_RDONLY, 0)).toBe(E.ENOTDIR);
    expect(fs.openat(AT_FDCWD, '/data.txt', O_RDONLY | O_DIRECTORY, 0)).toBe(E.ENOTDIR);
    expect(fs.openat(AT_FDCWD, '/sub', O_WRONLY, 0)).toBe(E.EISDIR);
    expect(fs.openat(AT_FDCWD, '/ln', O_RDONLY | O_NOFOLLOW, 0)).toBe(E.ELOOP);
    expect(readAll(fs, '/ln')).toBe('0123456789abcdef');
    expect(fs.openat(42, 'data.txt', O_RDONLY, 0)).toBe(E.EBADF);
    expect(fs.openat(42, '/data.txt', O_RDONLY, 0)).toBeGreaterThanOrEqual(0); // dirfd ignored for absolute paths
    const f = fs.openat(AT_FDCWD, '/data.txt', O_RDONLY, 0);
    expect(fs.openat(f, 'x', O_RDONLY, 0)).toBe(E.ENOTDIR);
    expect(fs.openat(AT_FDCWD, '/data.txt', 3, 0)).toBe(E.EROFS); // mode 3 needs write permission
    const rw = guestFs(dir, { writable: true });
    const m3 = rw.openat(AT_FDCWD, '/data.txt', 3, 0);
    expect(m3).toBeGreaterThanOrEqual(0);
    expect(rw.read(m3, new Uint8Array(1))).toBe(E.EBADF);
    expect(rw.write(m3, utf8('x'))).toBe(E.EBADF);
    const d = fs.openat(AT_FDCWD, '/sub', O_RDONLY | O_DIRECTORY, 0);
    expect(d).toBeGreaterThanOrEqual(0);
    expect(fs.read(d, new Uint8Array(8))).toBe(E.EISDIR);
    expect(readAll(fs, 'sub/../data.txt')).toBe('0123456789abcdef');
    // relative to a directory fd
    const x = fs.openat(d, 'x.bin', O_RDONLY, 0);
    expect(fs.read(x, new Uint8Array(10000))).toBe(5000);
  });

  it('a read-only root refuses writes, creates and truncates with EROFS and leaves the files alone', () => {
    expect(fs.openat(AT_FDCWD, '/data.txt', O_WRONLY, 0)).toBe(E.EROFS);
    expect(fs.openat(AT_FDCWD, '/data.txt', O_RDWR, 0)).toBe(E.EROFS);
    expect(fs.openat(AT_FDCWD, '/data.txt', O_RDONLY | O_TRUNC, 0)).toBe(E.EROFS);
    expect(fs.openat(AT_FDCWD, '/new.txt', O_WRONLY | O_CREAT, 0o644)).toBe(E.EROFS);
    expect(fs.openat(AT_FDCWD, '/data.txt', O_RDONLY | O_CREAT, 0o644)).toBeGreaterThanOrEqual(0); // exists: no write needed
    expect(fs.openat(AT_FDCWD, '/data.txt', O_RDONLY | O_CREAT | O_EXCL, 0o644)).toBe(E.EEXIST);
    const fd = fs.openat(AT_FDCWD, '/data.txt', O_RDONLY, 0);
    expect(fs.write(fd, utf8('x'))).toBe(E.EBADF);
    expect(readFileSync(join(dir, 'data.txt'), 'utf8')).toBe('0123456789abcdef');
  });

  it('with --root-rw: create (mode & ~umask), write, append, truncate, O_EXCL, writev', () => {
    const rw = guestFs(dir, { writable: true });
    const fd = rw.openat(AT_FDCWD, '/sub/new.txt', O_WRONLY | O_CREAT | O_EXCL, 0o666);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(statSync(join(dir, 'sub', 'new.txt')).mode & 0o777).toBe(0o644);
    expect(rw.write(fd, utf8('hello '))).toBe(6);
    expect(rw.writev(fd, [utf8('wor'), utf8(''), utf8('ld')])).toBe(5);
    expect(rw.read(fd, new Uint8Array(4))).toBe(E.EBADF);
    expect(rw.close(fd)).toBe(0);
    expect(readFileSync(join(dir, 'sub', 'new.txt'), 'utf8')).toBe('hello world');
    expect(rw.openat(AT_FDCWD, '/sub/new.txt', O_WRONLY | O_CREAT | O_EXCL, 0o666)).toBe(E.EEXIST);
    const a = rw.openat(AT_FDCWD, '/sub/new.txt', O_WRONLY | O_APPEND, 0);
    expect(rw.lseek(a, 0, SEEK_SET)).toBe(0);
    expect(rw.write(a, utf8('!'))).toBe(1);
    expect(readFileSync(join(dir, 'sub', 'new.txt'), 'utf8')).toBe('hello world!');
    const t = rw.openat(AT_FDCWD, '/data.txt', O_RDWR | O_TRUNC, 0);
    expect(readFileSync(join(dir, 'data.txt'), 'utf8')).toBe('');
    expect(rw.pread64(t, new Uint8Array(4), 0)).toBe(0);
    expect(rw.openat(AT_FDCWD, '/nodir/f', O_WRONLY | O_CREAT, 0o644)).toBe(E.ENOENT);
    expect(rw.openat(AT_FDCWD, '/sub', O_RDONLY | O_CREAT, 0o644)).toBe(E.EISDIR);
    expect(rw.openat(AT_FDCWD, '/proc/cpuinfo', O_WRONLY, 0)).toBe(E.EACCES);
    expect(rw.openat(AT_FDCWD, '/proc/newfile', O_WRONLY | O_CREAT, 0o644)).toBe(E.EACCES);
    // O_CREAT through a dangling symlink creates its target, inside the root.
    symlinkSync('/sub/made-by-link', join(dir, 'dangling'));
    const l = rw.openat(AT_FDCWD, '/dangling', O_WRONLY | O_CREAT, 0o600);
    expect(l).toBeGreaterThanOrEqual(0);
    expect(lstatSync(join(dir, 'sub', 'made-by-link')).isFile()).toBe(true);
  });

  it('EMFILE at RLIMIT_NOFILE (1024 fds), before the path is even looked up', () => {
    for (let i = 0; i < 1024; i++) expect(fs.openat(AT_FDCWD, '/data.txt', O_RDONLY, 0)).toBe(i);
    expect(fs.openat(AT_FDCWD, '/data.txt', O_RDONLY, 0)).toBe(E.EMFILE);
    expect(fs.openat(AT_FDCWD, '/nope', O_RDONLY, 0)).toBe(E.EMFILE);
    expect(fs.dup(3)).toBe(E.EMFILE);
    expect(fs.close(500)).toBe(0);
    expect(fs.dup(3)).toBe(500);
    fs.files.closeAll();
  });
});

describe('newfstatat and fstat', () => {
  function decode(b: Uint8Array) {
    const dv = new DataView(b.buffer, b.byteOffset, 128);
    return {
      dev: dv.getBigUint64(0, true), ino: dv.getBigUint64(8, true), mode: dv.getUint32(16, true), nlink: dv.getUint32(20, true),
      uid: dv.getUint32(24, true), gid: dv.getUint32(28, true), rdev: dv.getBigUint64(32, true), pad1: dv.getBigUint64(40, true),
      size: dv.getBigInt64(48, true), blksize: dv.getInt32(56, true), pad2: dv.getInt32(60, true), blocks: dv.getBigInt64(64, true),
      atime: dv.getBigInt64(72, true), atimeNsec: dv.getBigUint64(80, true), mtime: dv.getBigInt64(88, true),
      mtimeNsec: dv.getBigUint64(96, true), ctime: dv.getBigInt64(104, true), ctimeNsec: dv.getBigUint64(112, true),
      unused: dv.getBigUint64(120, true),
    };
  }

  function host(path: string, follow = true) {
    const s = follow ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true });
    return {
      dev: s.dev, ino: s.ino, mode: Number(s.mode), nlink: Number(s.nlink), uid: Number(s.uid), gid: Number(s.gid), rdev: s.rdev,
      pad1: 0n, size: s.size, blksize: Number(s.blksize), pad2: 0, blocks: s.blocks,
      atime: s.atimeNs / 1_000_000_000n, atimeNsec: s.atimeNs % 1_000_000_000n, mtime: s.mtimeNs / 1_000_000_000n,
      mtimeNsec: s.mtimeNs % 1_000_000_000n, ctime: s.ctimeNs / 1_000_000_000n, ctimeNsec: s.ctimeNs % 1_000_000_000n, unused: 0n,
    };
  }

  it('the 128 bytes decode to the host statSync values (files, dirs, symlinks with and without NOFOLLOW)', () => {
    const out = new Uint8Array(128);
    expect(fs.newfstatat(AT_FDCWD, '/data.txt', 0, out)).toBe(0);
    expect(decode(out)).toEqual(host(join(dir, 'data.txt')));
    expect(fs.newfstatat(AT_FDCWD, '/sub/x.bin', 0, out)).toBe(0);
    expect(decode(out)).toEqual(host(join(dir, 'sub', 'x.bin')));
    expect(fs.newfstatat(AT_FDCWD, '/sub', 0, out)).toBe(0);
    expect(decode(out)).toEqual(host(join(dir, 'sub')));
    expect(fs.newfstatat(AT_FDCWD, '/ln', 0, out)).toBe(0);
    expect(decode(out)).toEqual(host(join(dir, 'ln')));
    expect(fs.newfstatat(AT_FDCWD, '/ln', AT_SYMLINK_NOFOLLOW, out)).toBe(0);
    expect(decode(out)).toEqual(host(join(dir, 'ln'), false));
    expect(decode(out).mode & 0o170000).toBe(0o120000);
    const fd = fs.openat(AT_FDCWD, '/sub/x.bin', O_RDONLY, 0);
    out.fill(0xee);
    expect(fs.fstat(fd, out)).toBe(0);
    expect(decode(out)).toEqual(host(join(dir, 'sub', 'x.bin')));
    out.fill(0xee);
    expect(fs.newfstatat(fd, '', AT_EMPTY_PATH, out)).toBe(0);
    expect(decode(out)).toEqual(host(join(dir, 'sub', 'x.bin')));
    expect(fs.newfstatat(AT_FDCWD, '', AT_EMPTY_PATH, out)).toBe(0);
    expect(decode(out)).toEqual(host(dir));
  });

  it('errno: ENOENT for "", EINVAL for unknown flags, EBADF, ENOTDIR', () => {
    const out = new Uint8Array(128);
    expect(fs.newfstatat(AT_FDCWD, '', 0, out)).toBe(E.ENOENT);
    expect(fs.newfstatat(AT_FDCWD, '/data.txt', 0x8000_0000, out)).toBe(E.EINVAL);
    expect(fs.newfstatat(AT_FDCWD, '/missing', 0, out)).toBe(E.ENOENT);
    expect(fs.newfstatat(AT_FDCWD, '/data.txt/', 0, out)).toBe(E.ENOTDIR);
    expect(fs.fstat(77, out)).toBe(E.EBADF);
    expect(fs.newfstatat(77, '', AT_EMPTY_PATH, out)).toBe(E.EBADF);
  });
});

describe('readlinkat', () => {
  it('returns the target bytes without NUL, truncated to the buffer; EINVAL for non-links', () => {
    const b = new Uint8Array(64);
    expect(fs.readlinkat(AT_FDCWD, '/ln', b)).toBe(8);
    expect(text(b, 8)).toBe('data.txt');
    expect(fs.readlinkat(AT_FDCWD, '/ln', new Uint8Array(3))).toBe(3);
    expect(fs.readlinkat(AT_FDCWD, '/data.txt', b)).toBe(E.EINVAL);
    expect(fs.readlinkat(AT_FDCWD, '/missing', b)).toBe(E.ENOENT);
    expect(fs.readlinkat(AT_FDCWD, '/ln', new Uint8Array(0))).toBe(E.EINVAL);
  });

  it('/proc/self/exe names the program; /proc/self is the pid', () => {
    const b = new Uint8Array(4096);
    const n = fs.readlinkat(AT_FDCWD, '/proc/self/exe', b);
    expect(text(b, n)).toBe('/bin/prog');
    expect(text(b, fs.readlinkat(AT_FDCWD, '/proc/self', b))).toBe('1');
    expect(text(b, fs.readlinkat(AT_FDCWD, '/proc/1/exe', b))).toBe('/bin/prog');
    expect(fs.readlinkat(AT_FDCWD, '/proc/2/exe', b)).toBe(E.ENOENT);
  });
});

describe('getdents64', () => {
  function parseDirents(b: Uint8Array, n: number) {
    const dv = new DataView(b.buffer, b.byteOffset, n);
    const out: Array<{ ino: bigint; off: bigint; reclen: number; type: number; name: string }> = [];
    for (let o = 0; o < n;) {
      const reclen = dv.getUint16(o + 16, true);
      expect(reclen % 8).toBe(0);
      const end = b.indexOf(0, o + 19);
      expect(end).toBeLessThan(o + reclen);
      out.push({ ino: dv.getBigUint64(o, true), off: dv.getBigInt64(o + 8, true), reclen, type: dv.getUint8(o + 18), name: Buffer.from(b.subarray(o + 19, end)).toString() });
      o += reclen;
    }
    return out;
  }

  it('lists ".", "..", and every entry with its inode and type; small buffers page through; EINVAL if one will not fit', () => {
    const fd = fs.openat(AT_FDCWD, '/', O_RDONLY | O_DIRECTORY, 0);
    const all: ReturnType<typeof parseDirents> = [];
    const b = new Uint8Array(64);
    for (;;) {
      const n = fs.getdents64(fd, b);
      expect(n).toBeGreaterThanOrEqual(0);
      if (n === 0) break;
      all.push(...parseDirents(b, n));
    }
    const names = all.map((e) => e.name);
    expect(names).toEqual(['.', '..', 'data.txt', 'ln', 'sub', 'proc', 'sys']);
    const byName = new Map(all.map((e) => [e.name, e]));
    expect(byName.get('data.txt')!.ino).toBe(statSync(join(dir, 'data.txt'), { bigint: true }).ino);
    expect(byName.get('data.txt')!.type).toBe(8);
    expect(byName.get('ln')!.type).toBe(10);
    expect(byName.get('sub')!.type).toBe(4);
    expect(byName.get('.')!.ino).toBe(statSync(dir, { bigint: true }).ino);
    expect(byName.get('..')!.ino).toBe(statSync(dir, { bigint: true }).ino); // "/.." is "/"
    expect(byName.get('data.txt')!.reclen).toBe(32); // 19 + 8 + 1 = 28, aligned to 32
    expect(all.map((e) => Number(e.off))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // lseek to a d_off resumes there; SEEK_SET 0 rewinds.
    expect(fs.lseek(fd, 2, SEEK_SET)).toBe(2);
    const big = new Uint8Array(4096);
    expect(parseDirents(big, fs.getdents64(fd, big)).map((e) => e.name)).toEqual(['data.txt', 'ln', 'sub', 'proc', 'sys']);
    expect(fs.lseek(fd, 0, SEEK_SET)).toBe(0);
    expect(parseDirents(big, fs.getdents64(fd, big)).length).toBe(7);
    expect(fs.lseek(fd, 0, SEEK_SET)).toBe(0);
    expect(fs.getdents64(fd, new Uint8Array(20))).toBe(E.EINVAL);
    const f = fs.openat(AT_FDCWD, '/data.txt', O_RDONLY, 0);
    expect(fs.getdents64(f, big)).toBe(E.ENOTDIR);
    expect(fs.getdents64(99, big)).toBe(E.EBADF);
  });

  it('lists /proc and /sys/devices/system/cpu', () => {
    const big = new Uint8Array(4096);
    const p = fs.openat(AT_FDCWD, '/proc', O_RDONLY | O_DIRECTORY, 0);
    const names = parseDirents(big, fs.getdents64(p, big)).map((e) => e.name);
    expect(names).toEqual(['.', '..', '1', 'cpuinfo', 'self']);
    const c = fs.openat(AT_FDCWD, '/sys/devices/system/cpu', O_RDONLY | O_DIRECTORY, 0);
    expect(parseDirents(big, fs.getdents64(c, big)).map((e) => [e.name, e.type])).toEqual([['.', 4], ['..', 4], ['online', 8], ['possible', 8], ['present', 8]]);
  });
});

describe('dup, dup3, fcntl', () => {
  it('dup shares the position; dup3 replaces and sets O_CLOEXEC; fcntl flags and F_DUPFD', () => {
    const fd = fs.openat(AT_FDCWD, '/data.txt', O_RDONLY | O_CLOEXEC, 0);
    expect(fs.fcntl(fd, F_GETFD, 0)).toBe(1);
    expect(fs.fcntl(fd, F_GETFL, 0)).toBe(O_RDONLY | O_LARGEFILE);
    const d = fs.dup(fd);
    expect(d).toBe(fd + 1);
    expect(fs.fcntl(d, F_GETFD, 0)).toBe(0);
    const b = new Uint8Array(3);
    fs.read(fd, b);
    fs.read(d, b);
    expect(text(b, 3)).toBe('345'); // one open file, one position
    expect(fs.dup3(fd, 10, O_CLOEXEC)).toBe(10);
    expect(fs.fcntl(10, F_GETFD, 0)).toBe(1);
    expect(fs.dup3(fd, fd, 0)).toBe(E.EINVAL);
    expect(fs.dup3(fd, 11, O_NONBLOCK)).toBe(E.EINVAL);
    expect(fs.dup3(55, 11, 0)).toBe(E.EBADF);
    expect(fs.dup3(fd, 5000, 0)).toBe(E.EBADF);
    // dup3 onto an open fd closes it first (its file goes when its last fd does).
    const other = fs.openat(AT_FDCWD, '/sub/x.bin', O_RDONLY, 0);
    expect(fs.dup3(fd, other, 0)).toBe(other);
    fs.read(other, b);
    expect(text(b, 3)).toBe('678');
    expect(fs.fcntl(fd, F_DUPFD, 20)).toBe(20);
    expect(fs.fcntl(fd, F_DUPFD_CLOEXEC, 20)).toBe(21);
    expect(fs.fcntl(21, F_GETFD, 0)).toBe(1);
    expect(fs.fcntl(fd, F_DUPFD, -1)).toBe(E.EINVAL);
    expect(fs.fcntl(fd, F_DUPFD, 1024)).toBe(E.EINVAL);
    expect(fs.fcntl(fd, F_SETFD, 0)).toBe(0);
    expect(fs.fcntl(fd, F_GETFD, 0)).toBe(0);
    expect(fs.fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND | O_WRONLY)).toBe(0);
    expect(fs.fcntl(fd, F_GETFL, 0)).toBe(O_RDONLY | O_LARGEFILE | O_NONBLOCK | O_APPEND); // access mode unchanged
    expect(fs.fcntl(fd, 9999, 0)).toBe(E.EINVAL);
    expect(fs.fcntl(77, F_GETFD, 0)).toBe(E.EBADF);
  });

  it('fork copies the table (shared open files); CLONE_FILES shares it; exec closes O_CLOEXEC fds', () => {
    const fd = fs.openat(AT_FDCWD, '/data.txt', O_RDONLY, 0);
    const cx = fs.openat(AT_FDCWD, '/data.txt', O_RDONLY | O_CLOEXEC, 0);
    const child = fs.fork(2, false);
    const thread = fs.fork(3, true);
    const b = new Uint8Array(2);
    child.read(fd, b);
    fs.read(fd, b);
    expect(text(b, 2)).toBe('23'); // same open file after fork
    expect(child.close(fd)).toBe(0);
    expect(fs.read(fd, b)).toBe(2); // the parent's fd is untouched
    expect(thread.close(fd)).toBe(0);
    expect(fs.read(fd, b)).toBe(E.EBADF); // the thread shares the table
    child.files.closeOnExec();
    expect(child.files.openFds()).toEqual([]);
    expect(fs.files.openFds()).toEqual([cx]);
  });
});

describe('pipe2', () => {
  it('moves bytes in order; EOF after the writer closes; EPIPE without readers; WOULD_BLOCK or EAGAIN when empty', () => {
    const p = fs.pipe2(0);
    expect(Array.isArray(p)).toBe(true);
    const [r, w] = p as [number, number];
    const b = new Uint8Array(16);
    expect(fs.read(r, b)).toBe(WOULD_BLOCK);
    expect(fs.write(w, utf8('abc'))).toBe(3);
    expect(fs.write(w, utf8('def'))).toBe(3);
    expect(fs.read(r, b)).toBe(6);
    expect(text(b, 6)).toBe('abcdef');
    expect(fs.write(r, utf8('x'))).toBe(E.EBADF);
    expect(fs.read(w, b)).toBe(E.EBADF);
    expect(fs.lseek(r, 0, SEEK_SET)).toBe(E.ESPIPE);
    expect(fs.pread64(r, b, 0)).toBe(E.ESPIPE);
    expect(fs.fcntl(r, F_SETFL, O_NONBLOCK)).toBe(0);
    expect(fs.read(r, b)).toBe(E.EAGAIN);
    expect(fs.close(w)).toBe(0);
    expect(fs.read(r, b)).toBe(0);
    const [r2, w2] = fs.pipe2(O_CLOEXEC | O_NONBLOCK) as [number, number];
    expect(fs.fcntl(r2, F_GETFD, 0)).toBe(1);
    expect(fs.fcntl(w2, F_GETFL, 0)).toBe(O_WRONLY | O_NONBLOCK);
    expect(fs.close(r2)).toBe(0);
    expect(fs.write(w2, utf8('x'))).toBe(E.EPIPE);
    expect(fs.pipe2(0x40)).toBe(E.EINVAL);
  });

  it('holds 64 KiB; a full pipe blocks; small writes are atomic; wrap-around keeps order', () => {
    const [r, w] = fs.pipe2(0) as [number, number];
    const chunk = new Uint8Array(1000);
    let written = 0;
    for (let i = 0; ; i++) {
      chunk.fill(i & 0xff);
      const n = fs.write(w, chunk);
      if (n === WOULD_BLOCK) break;
      expect(n).toBe(1000); // never a partial small write
      written += n;
    }
    expect(written).toBe(65000);
    expect(fs.write(w, new Uint8Array(536))).toBe(536); // exactly fills 65536
    expect(fs.write(w, new Uint8Array(1))).toBe(WOULD_BLOCK);
    const b = new Uint8Array(3000);
    expect(fs.read(r, b)).toBe(3000);
    expect([b[0], b[999], b[1000], b[2999]]).toEqual([0, 0, 1, 2]);
    // A large write takes what fits (the blocking caller retries the rest).
    expect(fs.write(w, new Uint8Array(10000).fill(9))).toBe(3000);
    const rest = new Uint8Array(70000);
    expect(fs.read(r, rest)).toBe(65536);
    expect(rest[65536 - 1]).toBe(9);
    expect(rest[62536 - 1]).toBe(0); // the 536 zero bytes end right before the 9s
  });
});

describe('ioctl and the console', () => {
  it('TCGETS/TIOCGWINSZ on a terminal return termios and winsize; ENOTTY otherwise', () => {
    const tty = fakeConsole(true);
    fs.installStdio(tty);
    const t = fs.ioctl(1, TCGETS);
    expect(t.ret).toBe(0);
    expect(t.out!.length).toBe(36);
    const dv = new DataView(t.out!.buffer);
    expect(dv.getUint32(12, true) & 2).toBe(2); // ICANON
    const ws = fs.ioctl(1, TIOCGWINSZ);
    expect(ws.ret).toBe(0);
    expect([new DataView(ws.out!.buffer).getUint16(0, true), new DataView(ws.out!.buffer).getUint16(2, true)]).toEqual([50, 132]);
    expect(fs.ioctl(1, 0x1234).ret).toBe(E.ENOTTY);
    expect(fs.fcntl(1, F_GETFL, 0)).toBe(O_RDWR | O_LARGEFILE);
    const fd = fs.openat(AT_FDCWD, '/data.txt', O_RDONLY, 0);
    expect(fs.ioctl(fd, TCGETS).ret).toBe(E.ENOTTY);
    expect(fs.ioctl(99, TCGETS).ret).toBe(E.EBADF);
    const [r] = fs.pipe2(0) as [number, number];
    expect(fs.ioctl(r, TIOCGWINSZ).ret).toBe(E.ENOTTY);
  });

  it('stdout/stderr pass through in order; stdin reads the host input; not a tty -> ENOTTY', () => {
    const c = fakeConsole(false, 'typed input');
    fs.installStdio(c);
    expect(fs.write(1, utf8('out'))).toBe(3);
    expect(fs.writev(2, [utf8('e'), utf8('rr')])).toBe(3);
    expect(c.out).toEqual(['1:out', '2:err']);
    const b = new Uint8Array(5);
    expect(fs.read(0, b)).toBe(5);
    expect(text(b, 5)).toBe('typed');
    expect(fs.write(0, utf8('x'))).toBe(E.EBADF);
    expect(fs.read(1, b)).toBe(E.EBADF);
    expect(fs.ioctl(1, TCGETS).ret).toBe(E.ENOTTY);
    expect(fs.lseek(1, 0, SEEK_SET)).toBe(E.ESPIPE);
    expect(fs.fcntl(0, F_GETFL, 0)).toBe(O_RDONLY | O_LARGEFILE);
    expect(fs.fcntl(1, F_GETFL, 0)).toBe(O_WRONLY | O_LARGEFILE);
  });
});
