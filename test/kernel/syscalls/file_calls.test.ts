// The file syscall group through registers and a user address space with a hole:
// argument decoding, EFAULT/ENAMETOOLONG paths, Linux's check order, partial copies.

import { mkdirSync, readFileSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OutputChunk } from '../../../src/kernel/kernel.ts';
import { encodeStat, kstatFromHost } from '../../../src/kernel/fs/stat.ts';
import {
  AT_EMPTY_PATH, AT_FDCWD, F_GETFD, FIOCLEX, FIONBIO, FIONREAD, O_APPEND, O_CREAT, O_DIRECTORY, O_NONBLOCK, O_RDONLY, O_RDWR,
  O_WRONLY, SEEK_CUR, SEEK_DATA, SEEK_HOLE, SEEK_SET, TCGETS, TIOCGWINSZ,
} from '../../../src/kernel/fs/uapi.ts';
import { QueuedConsole } from '../../../src/kernel/syscalls/console.ts';
import { fileCalls } from '../../../src/kernel/syscalls/file_calls.ts';
import {
  EAGAIN, EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, ENOTDIR, ENOTTY, ENXIO, EACCES, EROFS, ERANGE, ESPIPE,
  SYS_chdir, SYS_close, SYS_dup, SYS_dup3, SYS_faccessat, SYS_fcntl, SYS_fstat, SYS_getcwd, SYS_getdents64, SYS_ioctl,
  SYS_lseek, SYS_newfstatat, SYS_openat, SYS_pipe2, SYS_pread64, SYS_pwrite64, SYS_read, SYS_readlinkat, SYS_readv,
  SYS_umask, SYS_write, SYS_writev,
} from '../../../src/kernel/syscalls/numbers.ts';
import { NOT_MINE } from '../../../src/kernel/syscalls/task_context.ts';
import { guestFs, tempDir } from '../fs/helpers.ts';
import { BASE, harness, HOLE, PAGE } from './helpers.ts';

const BUF = BASE + 2 * PAGE; // a scratch buffer well inside mapped memory
const PATH = BASE; // where test paths go

function setup(o: { writable?: boolean; tty?: boolean } = {}) {
  const dir = tempDir('smpemu-sysfile-');
  const content = Buffer.alloc(10000);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7 + 3) & 0xff;
  writeFileSync(join(dir, 'data.bin'), content);
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'a'), 'A');
  writeFileSync(join(dir, 'sub', 'b'), 'BB');
  symlinkSync('data.bin', join(dir, 'ln'));
  const fs = guestFs(dir, { writable: o.writable, exe: '/bin/prog', pid: 100 });
  const out: OutputChunk[] = [];
  const console = new QueuedConsole({ push: (c) => out.push(c), tty: o.tty ? [true, true, true] : [false, false, false], winsize: { rows: 33, cols: 101 } });
  fs.installStdio(console);
  const h = harness(fileCalls(fs, { console }), { pid: 100, hart: 3 });
  const open = (path: string, flags = O_RDONLY, mode = 0) => h.call(SYS_openat, AT_FDCWD, h.user.putStr(PATH, path), flags, mode);
  return { dir, fs, out, console, content, h, open, ...h };
}

describe('paths: getname', () => {
  it('a path of 4095 bytes is looked up; 4096 bytes without a NUL is ENAMETOOLONG', () => {
    const { open } = setup();
    expect(open(`${'/'.repeat(4094)}x`)).toBe(-ENOENT);
    expect(open(`${'/'.repeat(4095)}x`)).toBe(-ENAMETOOLONG);
  });

  it('a path in the hole, or running into it, is EFAULT', () => {
    const { call, user } = setup();
    expect(call(SYS_openat, AT_FDCWD, HOLE, O_RDONLY)).toBe(-EFAULT);
    user.put(HOLE - 4, 'data'); // no NUL before the hole
    expect(call(SYS_openat, AT_FDCWD, HOLE - 4, O_RDONLY)).toBe(-EFAULT);
    expect(call(SYS_openat, AT_FDCWD, 0, O_RDONLY)).toBe(-EFAULT);
  });

  it('an empty path is ENOENT (no AT_EMPTY_PATH), even relative to a file fd', () => {
    const { call, open, user } = setup();
    const fd = open('data.bin');
    user.putStr(PATH, '');
    expect(call(SYS_openat, AT_FDCWD, PATH, O_RDONLY)).toBe(-ENOENT);
    expect(call(SYS_openat, fd, PATH, O_RDONLY)).toBe(-ENOENT);
    expect(call(SYS_chdir, PATH)).toBe(-ENOENT);
  });

  it('dirfd is a C int: AT_FDCWD passed as 32 bits or sign-extended works the same', () => {
    const { call, user } = setup();
    user.putStr(PATH, 'data.bin');
    expect(call(SYS_openat, 0xffffff9c, PATH, O_RDONLY)).toBe(3);
    expect(call(SYS_openat, -100, PATH, O_RDONLY)).toBe(4);
  });
});

describe('read, write, pread64, pwrite64, lseek', () => {
  it('read copies to the user and advances the position', () => {
    const { call, open, user, content } = setup();
    const fd = open('data.bin');
    expect(call(SYS_read, fd, BUF, 100)).toBe(100);
    expect(Buffer.from(user.get(BUF, 100))).toEqual(content.subarray(0, 100));
    expect(call(SYS_lseek, fd, 0, SEEK_CUR)).toBe(100);
    expect(call(SYS_read, fd, BUF, 0)).toBe(0);
    expect(call(SYS_read, fd, HOLE, 0)).toBe(0); // nothing to copy: no fault
  });

  it('read into a buffer that runs into the hole returns the bytes before it; the position moves by those only', () => {
    const { call, open, user, content } = setup();
    const fd = open('data.bin');
    expect(call(SYS_read, fd, HOLE - 100, 1000)).toBe(100);
    expect(Buffer.from(user.get(HOLE - 100, 100))).toEqual(content.subarray(0, 100));
    expect(call(SYS_lseek, fd, 0, SEEK_CUR)).toBe(100);
    expect(call(SYS_read, fd, HOLE, 10)).toBe(-EFAULT);
    expect(call(SYS_lseek, fd, 0, SEEK_CUR)).toBe(100);
    expect(call(SYS_read, fd, BUF, 10)).toBe(10);
    expect(Buffer.from(user.get(BUF, 10))).toEqual(content.subarray(100, 110));
  });

  it('a read larger than the host chunk (64 KiB) spans chunks and stops at EOF', () => {
    const { call, dir, user } = setup();
    const big = Buffer.alloc(3 * PAGE + 5, 0x5a);
    writeFileSync(join(dir, 'big'), big);
    const fd = call(SYS_openat, AT_FDCWD, user.putStr(PATH, 'big'), O_RDONLY);
    expect(call(SYS_read, fd, BASE + PAGE, 5 * PAGE)).toBe(big.length);
    expect(call(SYS_read, fd, BASE + PAGE, 5 * PAGE)).toBe(0);
  });

  it('access_ok: a buffer reaching past TASK_SIZE (2^38 with Sv39) is EFAULT before anything is read', () => {
    const { call, open } = setup();
    const fd = open('data.bin');
    expect(call(SYS_read, fd, BUF, -1)).toBe(-EFAULT);
    expect(call(SYS_read, fd, 2 ** 38 - 10, 10)).toBe(-EFAULT); // unmapped, but access_ok passes: the copy faults
    expect(call(SYS_read, fd, 2 ** 38 - 5, 10)).toBe(-EFAULT);
    expect(call(SYS_lseek, fd, 0, SEEK_CUR)).toBe(0);
    expect(call(SYS_getdents64, open('sub', O_RDONLY | O_DIRECTORY), 2 ** 38, 4096)).toBe(-EFAULT);
  });

  it('bad fds and modes are EBADF before the buffer is looked at', () => {
    const { call, open, user } = setup();
    const n = user.log.length;
    expect(call(SYS_read, 77, HOLE, 10)).toBe(-EBADF);
    expect(call(SYS_read, -1, HOLE, 10)).toBe(-EBADF);
    expect(call(SYS_write, 0, HOLE, 10)).toBe(-EBADF); // fd 0 is read-only when not a terminal
    expect(user.log.length).toBe(n);
    const fd = open('data.bin');
    expect(call(SYS_write, fd, BUF, 1)).toBe(-EBADF);
  });

  it('write from a buffer that runs into the hole writes the readable bytes; none readable is EFAULT', () => {
    const { call, open, user, dir } = setup({ writable: true });
    const fd = open('new.txt', O_WRONLY | O_CREAT, 0o644);
    user.put(HOLE - 50, 'x'.repeat(50));
    expect(call(SYS_write, fd, HOLE - 50, 100)).toBe(50);
    expect(call(SYS_write, fd, HOLE, 100)).toBe(-EFAULT);
    expect(readFileSync(join(dir, 'new.txt'), 'latin1')).toBe('x'.repeat(50));
  });

  it('stdout and stderr become OutputChunks tagged with the calling hart; stdin reads as EOF', () => {
    const { call, user, out } = setup();
    user.put(BUF, 'hello\n');
    expect(call(SYS_write, 1, BUF, 6)).toBe(6);
    expect(call(SYS_write, 2, BUF, 5)).toBe(5);
    user.put(BUF, 'XXXXXX'); // the chunk is a copy
    expect(out.map((c) => [c.core, c.fd, Buffer.from(c.data).toString()])).toEqual([[3, 1, 'hello\n'], [3, 2, 'hello']]);
    expect(call(SYS_read, 0, BUF, 10)).toBe(0);
  });

  it('a console given a stdin reader passes fd 0 reads to it', () => {
    const input = [Buffer.from('typed\n')];
    const console = new QueuedConsole({ push: () => {}, stdin: (b) => {
      const c = input.shift();
      if (!c) return 0;
      b.set(c);
      return c.length;
    } });
    const fs = guestFs(tempDir('smpemu-sysstdin-'));
    fs.installStdio(console);
    const h = harness(fileCalls(fs, { console }));
    expect(h.call(SYS_read, 0, BUF, 100)).toBe(6);
    expect(h.user.str(BUF, 6)).toBe('typed\n');
    expect(h.call(SYS_read, 0, BUF, 100)).toBe(0);
  });

  it('pread64: EINVAL for a negative offset even on a bad fd; ESPIPE on a pipe, either end', () => {
    const { call, open, user, content } = setup();
    expect(call(SYS_pread64, 99, BUF, 4, -1)).toBe(-EINVAL);
    expect(call(SYS_pread64, 99, BUF, 4, 0)).toBe(-EBADF);
    expect(call(SYS_pipe2, BUF, 0)).toBe(0);
    const [r, w] = [user.dv(BUF, 8).getInt32(0, true), user.dv(BUF, 8).getInt32(4, true)];
    expect(call(SYS_pread64, r, BUF, 4, 0)).toBe(-ESPIPE);
    expect(call(SYS_pread64, w, BUF, 4, 0)).toBe(-ESPIPE);
    expect(call(SYS_pread64, 1, BUF, 4, 0)).toBe(-ESPIPE);
    const fd = open('data.bin');
    expect(call(SYS_pread64, fd, BUF, 4, 5000)).toBe(4);
    expect(Buffer.from(user.get(BUF, 4))).toEqual(content.subarray(5000, 5004));
    expect(call(SYS_lseek, fd, 0, SEEK_CUR)).toBe(0);
    const d = open('sub', O_RDONLY | O_DIRECTORY);
    expect(call(SYS_pread64, d, BUF, 4, 0)).toBe(-21); // EISDIR
  });

  it('pwrite64 on an O_APPEND file appends and leaves the position, as Linux does', () => {
    const { call, open, user, dir } = setup({ writable: true });
    writeFileSync(join(dir, 'log'), 'abc');
    const fd = open('log', O_WRONLY | O_APPEND);
    user.put(BUF, 'XY');
    expect(call(SYS_pwrite64, fd, BUF, 2, 0)).toBe(2);
    expect(readFileSync(join(dir, 'log'), 'latin1')).toBe('abcXY');
    expect(call(SYS_lseek, fd, 0, SEEK_CUR)).toBe(0);
    const fd2 = open('log', O_RDWR);
    expect(call(SYS_pwrite64, fd2, BUF, 2, 1)).toBe(2);
    expect(readFileSync(join(dir, 'log'), 'latin1')).toBe('aXYXY');
  });

  it('lseek: whence beyond SEEK_HOLE is EINVAL (even on a pipe); SEEK_DATA/SEEK_HOLE on a file without holes', () => {
    const { call, open, user } = setup();
    expect(call(SYS_pipe2, BUF, 0)).toBe(0);
    const r = user.dv(BUF, 4).getInt32(0, true);
    expect(call(SYS_lseek, r, 0, 5)).toBe(-EINVAL);
    expect(call(SYS_lseek, r, 0, SEEK_SET)).toBe(-ESPIPE);
    const fd = open('data.bin');
    expect(call(SYS_lseek, fd, 10, SEEK_DATA)).toBe(10);
    expect(call(SYS_lseek, fd, 10, SEEK_HOLE)).toBe(10000);
    expect(call(SYS_lseek, fd, 10000, SEEK_DATA)).toBe(-ENXIO);
    expect(call(SYS_lseek, fd, -1, SEEK_SET)).toBe(-EINVAL);
    expect(call(SYS_lseek, fd, 2 ** 40, SEEK_SET)).toBe(2 ** 40);
  });
});

describe('readv and writev', () => {
  function iov(user: ReturnType<typeof setup>['user'], at: number, segs: Array<[number, number]>): number {
    const dv = new DataView(new ArrayBuffer(16 * segs.length));
    segs.forEach(([base, len], i) => {
      dv.setBigUint64(16 * i, BigInt(base), true);
      dv.setBigInt64(16 * i + 8, BigInt(len), true);
    });
    user.put(at, new Uint8Array(dv.buffer));
    return at;
  }

  it('writev gathers the segments into one write (one output chunk); a zero-length segment in the hole is harmless', () => {
    const { call, user, out } = setup();
    user.put(BUF, 'hello');
    user.put(BUF + 100, ' you');
    const v = iov(user, BASE + 5 * PAGE, [[BUF, 5], [HOLE, 0], [BUF + 100, 4]]);
    expect(call(SYS_writev, 1, v, 3)).toBe(9);
    expect(out.length).toBe(1);
    expect(Buffer.from(out[0].data).toString()).toBe('hello you');
  });

  it('writev to a regular file stops at the first segment that faults and keeps the bytes before it', () => {
    const { call, user, open, dir } = setup({ writable: true });
    const fd = open('w.txt', O_WRONLY | O_CREAT, 0o644);
    user.put(BUF, 'hello');
    user.put(HOLE - 3, 'abc');
    expect(call(SYS_writev, fd, iov(user, BASE + 5 * PAGE, [[BUF, 5], [HOLE - 3, 10], [BUF, 5]]), 3)).toBe(8);
    expect(readFileSync(join(dir, 'w.txt'), 'latin1')).toBe('helloabc');
    expect(call(SYS_writev, fd, iov(user, BASE + 5 * PAGE, [[HOLE, 5], [BUF, 5]]), 2)).toBe(-EFAULT);
    expect(call(SYS_writev, fd, BASE + 5 * PAGE, 0)).toBe(0);
  });

  it('to a pipe (or the console as a pipe) a fault drops the page being filled: EFAULT within the first page', () => {
    const { call, user, out } = setup();
    user.put(BUF, 'hello');
    user.put(HOLE - 3, 'abc');
    expect(call(SYS_writev, 1, iov(user, BASE + 5 * PAGE, [[BUF, 5], [HOLE - 3, 10]]), 2)).toBe(-EFAULT);
    expect(out).toEqual([]);
    expect(call(SYS_pipe2, BUF + 64, 0)).toBe(0);
    const [r, w] = [user.dv(BUF + 64, 8).getInt32(0, true), user.dv(BUF + 64, 8).getInt32(4, true)];
    // 5000 bytes whose last 500 lie in the hole: the first page goes in, the rest is EFAULT's.
    expect(call(SYS_write, w, HOLE - 4500, 5000)).toBe(4096);
    expect(call(SYS_read, r, BASE, 8192)).toBe(4096);
  });

  it('a pipe read into a buffer that faults part-way keeps the bytes that did not reach the user', () => {
    const { call, user } = setup();
    expect(call(SYS_pipe2, BUF, 0)).toBe(0);
    const [r, w] = [user.dv(BUF, 8).getInt32(0, true), user.dv(BUF, 8).getInt32(4, true)];
    user.put(BUF + 64, 'abcdefghij');
    expect(call(SYS_write, w, BUF + 64, 10)).toBe(10);
    expect(call(SYS_read, r, HOLE - 4, 10)).toBe(4);
    expect(user.str(HOLE - 4, 4)).toBe('abcd');
    expect(call(SYS_read, r, HOLE, 10)).toBe(-EFAULT);
    expect(call(SYS_read, r, BUF + 128, 10)).toBe(6);
    expect(user.str(BUF + 128, 6)).toBe('efghij');
  });

  it('to a terminal a fault drops the 2048-byte chunk being filled (tty_write)', () => {
    const { call, out } = setup({ tty: true });
    expect(call(SYS_write, 1, HOLE - 2500, 3000)).toBe(2048);
    expect(out.map((c) => c.data.length)).toEqual([2048]);
    expect(call(SYS_write, 1, HOLE - 100, 3000)).toBe(-EFAULT);
  });

  it('writev: EINVAL for more than UIO_MAXIOV segments or a negative length; EFAULT for an unreadable array; EBADF first', () => {
    const { call, user } = setup();
    expect(call(SYS_writev, 1, BASE, 1025)).toBe(-EINVAL);
    expect(call(SYS_writev, 1, iov(user, BASE + 5 * PAGE, [[BUF, 5], [BUF, -1]]), 2)).toBe(-EINVAL);
    expect(call(SYS_writev, 1, HOLE - 16, 2)).toBe(-EFAULT);
    expect(call(SYS_writev, 42, HOLE, 2)).toBe(-EBADF);
    expect(call(SYS_writev, 0, HOLE, 2)).toBe(-EBADF);
  });

  it('readv scatters in order, stops at a faulting segment, and the file position moves by the bytes copied', () => {
    const { call, open, user, content } = setup();
    const fd = open('data.bin');
    expect(call(SYS_readv, fd, iov(user, BASE + 5 * PAGE, [[BUF, 3], [BUF + 50, 4]]), 2)).toBe(7);
    expect(Buffer.from(user.get(BUF, 3))).toEqual(content.subarray(0, 3));
    expect(Buffer.from(user.get(BUF + 50, 4))).toEqual(content.subarray(3, 7));
    expect(call(SYS_readv, fd, iov(user, BASE + 5 * PAGE, [[BUF, 2], [HOLE - 1, 8]]), 2)).toBe(3);
    expect(user.get(HOLE - 1, 1)[0]).toBe(content[9]);
    expect(call(SYS_lseek, fd, 0, SEEK_CUR)).toBe(10);
  });
});

describe('stat, readlink, getdents64', () => {
  it('newfstatat writes the 128-byte struct stat of the encoder; fstat the same; EFAULT on a bad statbuf', () => {
    const { call, open, user, dir } = setup();
    expect(call(SYS_newfstatat, AT_FDCWD, user.putStr(PATH, 'ln'), BUF, 0)).toBe(0);
    const want = encodeStat(kstatFromHost(statSync(join(dir, 'data.bin'), { bigint: true })));
    expect(user.get(BUF, 128)).toEqual(want);
    const fd = open('data.bin');
    user.put(BUF, new Uint8Array(128));
    expect(call(SYS_fstat, fd, BUF)).toBe(0);
    expect(user.get(BUF, 128)).toEqual(want);
    user.putStr(PATH, '');
    expect(call(SYS_newfstatat, fd, PATH, BUF + 256, AT_EMPTY_PATH)).toBe(0);
    expect(user.get(BUF + 256, 128)).toEqual(want);
    expect(call(SYS_newfstatat, fd, PATH, BUF, 0)).toBe(-ENOENT);
    expect(call(SYS_fstat, fd, HOLE - 64)).toBe(-EFAULT);
    expect(call(SYS_fstat, 55, BUF)).toBe(-EBADF);
  });

  it('newfstatat: bad flags are EINVAL even with a bad path; AT_STATX_* flags are accepted', () => {
    const { call, user } = setup();
    expect(call(SYS_newfstatat, AT_FDCWD, HOLE, BUF, 0x40000000)).toBe(-EINVAL);
    expect(call(SYS_newfstatat, AT_FDCWD, HOLE, BUF, 0)).toBe(-EFAULT);
    expect(call(SYS_newfstatat, AT_FDCWD, user.putStr(PATH, 'data.bin'), BUF, 0x2000)).toBe(0);
  });

  it('readlinkat /proc/self/exe names the program; truncates to bufsiz without a NUL; EINVAL for bufsiz <= 0 first', () => {
    const { call, user } = setup();
    user.put(BUF, 'ZZZZZZZZZZZZ');
    expect(call(SYS_readlinkat, AT_FDCWD, user.putStr(PATH, '/proc/self/exe'), BUF, 4096)).toBe(9);
    expect(user.str(BUF, 10)).toBe('/bin/progZ');
    expect(call(SYS_readlinkat, AT_FDCWD, PATH, BUF, 4)).toBe(4);
    expect(call(SYS_readlinkat, AT_FDCWD, HOLE, BUF, 0)).toBe(-EINVAL);
    expect(call(SYS_readlinkat, AT_FDCWD, HOLE, BUF, -5)).toBe(-EINVAL);
    expect(call(SYS_readlinkat, AT_FDCWD, HOLE, BUF, 10)).toBe(-EFAULT);
    expect(call(SYS_readlinkat, AT_FDCWD, PATH, HOLE, 10)).toBe(-EFAULT);
    expect(call(SYS_readlinkat, AT_FDCWD, user.putStr(PATH, 'data.bin'), BUF, 10)).toBe(-EINVAL);
  });

  it('getdents64 lists the directory; a faulting buffer is EFAULT and the listing restarts where it was', () => {
    const { call, open, user } = setup();
    const d = open('sub', O_RDONLY | O_DIRECTORY);
    expect(call(SYS_getdents64, 77, BUF, 4096)).toBe(-EBADF);
    expect(call(SYS_getdents64, open('data.bin'), BUF, 4096)).toBe(-ENOTDIR);
    expect(call(SYS_getdents64, d, BUF, 10)).toBe(-EINVAL);
    expect(call(SYS_getdents64, d, HOLE - 30, 4096)).toBe(-EFAULT);
    const n = call(SYS_getdents64, d, BUF, 4096);
    expect(n).toBeGreaterThan(0);
    const names: string[] = [];
    const dv = user.dv(BUF, n);
    for (let o = 0; o < n; o += dv.getUint16(o + 16, true)) {
      const b = user.get(BUF + o + 19, 256);
      names.push(Buffer.from(b.subarray(0, b.indexOf(0))).toString());
    }
    expect(names.sort()).toEqual(['.', '..', 'a', 'b']);
    expect(call(SYS_getdents64, d, BUF, 4096)).toBe(0);
  });
});

describe('ioctl, dup, fcntl, pipe2', () => {
  it('TCGETS and TIOCGWINSZ on the console: ENOTTY when not a terminal', () => {
    const { call } = setup({ tty: false });
    expect(call(SYS_ioctl, 1, TCGETS, BUF)).toBe(-ENOTTY);
    expect(call(SYS_ioctl, 1, TIOCGWINSZ, BUF)).toBe(-ENOTTY);
    expect(call(SYS_ioctl, 9, TCGETS, BUF)).toBe(-EBADF);
  });

  it('on a terminal: termios (36 bytes) and the window size are copied to the argument; EFAULT on a bad one', () => {
    const { call, user } = setup({ tty: true });
    expect(call(SYS_ioctl, 1, TCGETS, BUF)).toBe(0);
    expect(user.dv(BUF, 36).getUint32(12, true)).toBe(0x8a3b); // c_lflag of a fresh terminal
    expect(call(SYS_ioctl, 1, TIOCGWINSZ, BUF)).toBe(0);
    expect([user.dv(BUF, 4).getUint16(0, true), user.dv(BUF, 4).getUint16(2, true)]).toEqual([33, 101]);
    expect(call(SYS_ioctl, 1, TIOCGWINSZ, HOLE)).toBe(-EFAULT);
  });

  it('the generic ioctls: FIOCLEX, FIONBIO, FIONREAD on a file and a pipe', () => {
    const { call, open, user } = setup();
    const fd = open('data.bin');
    expect(call(SYS_ioctl, fd, FIOCLEX, 0)).toBe(0);
    expect(call(SYS_fcntl, fd, F_GETFD, 0)).toBe(1);
    expect(call(SYS_lseek, fd, 9000, SEEK_SET)).toBe(9000);
    expect(call(SYS_ioctl, fd, FIONREAD, BUF)).toBe(0);
    expect(user.dv(BUF, 4).getInt32(0, true)).toBe(1000);
    expect(call(SYS_pipe2, BUF, 0)).toBe(0);
    const [r, w] = [user.dv(BUF, 8).getInt32(0, true), user.dv(BUF, 8).getInt32(4, true)];
    user.put(BUF + 8, 'abc');
    expect(call(SYS_write, w, BUF + 8, 3)).toBe(3);
    expect(call(SYS_ioctl, r, FIONREAD, BUF + 16)).toBe(0);
    expect(user.dv(BUF + 16, 4).getInt32(0, true)).toBe(3);
    user.put(BUF + 20, new Uint8Array([1, 0, 0, 0]));
    expect(call(SYS_ioctl, r, FIONBIO, BUF + 20)).toBe(0);
    expect(call(SYS_fcntl, r, 3 /* F_GETFL */, 0) & O_NONBLOCK).toBe(O_NONBLOCK);
    expect(call(SYS_ioctl, r, FIONBIO, HOLE)).toBe(-EFAULT);
  });

  it('pipe2: the fd pair is stored as two ints; an empty pipe reads as EAGAIN (no scheduler to sleep on yet)', () => {
    const { call, user } = setup();
    expect(call(SYS_pipe2, BUF, 0)).toBe(0);
    const [r, w] = [user.dv(BUF, 8).getInt32(0, true), user.dv(BUF, 8).getInt32(4, true)];
    expect([r, w]).toEqual([3, 4]);
    expect(call(SYS_read, r, BUF + 100, 10)).toBe(-EAGAIN);
    user.put(BUF + 50, 'ping');
    expect(call(SYS_write, w, BUF + 50, 4)).toBe(4);
    expect(call(SYS_read, r, BUF + 100, 10)).toBe(4);
    expect(user.str(BUF + 100, 4)).toBe('ping');
    expect(call(SYS_close, w)).toBe(0);
    expect(call(SYS_read, r, BUF + 100, 10)).toBe(0);
  });

  it('pipe2 into the hole is EFAULT and leaves no fds behind', () => {
    const { call, open } = setup();
    expect(call(SYS_pipe2, HOLE, 0)).toBe(-EFAULT);
    expect(open('data.bin')).toBe(3);
    expect(call(SYS_pipe2, BUF, 0x40)).toBe(-EINVAL);
  });

  it('dup, dup3 and fcntl through registers', () => {
    const { call, open } = setup();
    const fd = open('data.bin');
    expect(call(SYS_dup, fd)).toBe(4);
    expect(call(SYS_dup3, fd, 10, 0o2000000)).toBe(10);
    expect(call(SYS_fcntl, 10, F_GETFD, 0)).toBe(1);
    expect(call(SYS_dup3, fd, fd, 0)).toBe(-EINVAL);
    expect(call(SYS_dup3, fd, -1, 0)).toBe(-EBADF);
    expect(call(SYS_fcntl, fd, 0 /* F_DUPFD */, 20)).toBe(20);
  });
});

describe('faccessat, getcwd, chdir', () => {
  it('faccessat answers for root: F_OK/R_OK/W_OK by existence, EROFS for W_OK on the read-only tree, X_OK needs an x bit', () => {
    const { call, user } = setup();
    const p = (s: string) => user.putStr(PATH, s);
    expect(call(SYS_faccessat, AT_FDCWD, p('data.bin'), 0)).toBe(0);
    expect(call(SYS_faccessat, AT_FDCWD, p('data.bin'), 4)).toBe(0);
    expect(call(SYS_faccessat, AT_FDCWD, p('data.bin'), 2)).toBe(-EROFS);
    expect(call(SYS_faccessat, AT_FDCWD, p('data.bin'), 1)).toBe(-EACCES);
    expect(call(SYS_faccessat, AT_FDCWD, p('run.sh'), 1)).toBe(0);
    expect(call(SYS_faccessat, AT_FDCWD, p('sub'), 1)).toBe(0);
    expect(call(SYS_faccessat, AT_FDCWD, p('nope'), 0)).toBe(-ENOENT);
    expect(call(SYS_faccessat, AT_FDCWD, HOLE, 8)).toBe(-EINVAL);
    expect(call(SYS_faccessat, AT_FDCWD, HOLE, 0)).toBe(-EFAULT);
    expect(call(SYS_faccessat, AT_FDCWD, p('/proc/self/exe'), 0)).toBe(-ENOENT); // the exe is not in this tree
  });

  it('faccessat W_OK on a writable tree is 0', () => {
    const { call, user } = setup({ writable: true });
    expect(call(SYS_faccessat, AT_FDCWD, user.putStr(PATH, 'data.bin'), 2)).toBe(0);
  });

  it('getcwd returns the length with the NUL, ERANGE when it does not fit; chdir moves relative lookups', () => {
    const { call, user, open } = setup();
    expect(call(SYS_getcwd, BUF, 100)).toBe(2);
    expect(user.str(BUF, 2)).toBe('/\0');
    expect(call(SYS_getcwd, BUF, 1)).toBe(-ERANGE);
    expect(call(SYS_getcwd, HOLE, 100)).toBe(-EFAULT);
    expect(call(SYS_chdir, user.putStr(PATH, 'data.bin'))).toBe(-ENOTDIR);
    expect(call(SYS_chdir, user.putStr(PATH, 'sub/../sub'))).toBe(0);
    expect(call(SYS_getcwd, BUF, 100)).toBe(5);
    expect(user.str(BUF, 5)).toBe('/sub\0');
    expect(call(SYS_getcwd, BUF, 4)).toBe(-ERANGE);
    const fd = open('b');
    expect(call(SYS_read, fd, BUF, 10)).toBe(2);
    expect(call(SYS_chdir, HOLE)).toBe(-EFAULT);
  });

  it('umask returns the old mask and keeps only the permission bits; new files get mode & ~umask', () => {
    const { call, open, dir, fs } = setup({ writable: true });
    expect(call(SYS_umask, 0o7077)).toBe(0o022);
    expect(call(SYS_umask, 0o027)).toBe(0o077);
    expect(open('m.txt', O_WRONLY | O_CREAT, 0o666)).toBeGreaterThanOrEqual(0);
    expect(statSync(join(dir, 'm.txt')).mode & 0o777).toBe(0o640);
    expect(fs.fork(8, false).umask).toBe(0o027); // inherited by a child
  });

  it('numbers the group does not own are NOT_MINE', () => {
    const { call } = setup();
    expect(call(172)).toBe(NOT_MINE);
    expect(call(99999)).toBe(NOT_MINE);
  });
});
