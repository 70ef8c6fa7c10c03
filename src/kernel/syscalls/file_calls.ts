// The file syscall group: decodes the registers, does the guest-memory work
// (paths, buffers, struct stat, the pipe2 fd pair) and calls the host-side
// FileSyscalls of kernel/fs. Paths are C strings of at most PATH_MAX bytes
// (longer: -ENAMETOOLONG; unreadable: -EFAULT), fetched after the checks Linux
// makes before getname and before the lookup.

import type { FileSyscalls } from '../fs/syscalls.ts';
import { STAT_SIZE } from '../fs/stat.ts';
import { PipeFile } from '../fs/file.ts';
import {
  AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW, FIOCLEX, FIONBIO, FIONCLEX, FIONREAD,
  O_NONBLOCK, PATH_MAX,
} from '../fs/uapi.ts';
import { HostFile } from '../fs/file.ts';
import {
  EBADF, EFAULT, EINVAL, ERANGE,
  SYS_chdir, SYS_close, SYS_dup, SYS_dup3, SYS_faccessat, SYS_fchdir, SYS_fcntl, SYS_fstat, SYS_getcwd, SYS_getdents64,
  SYS_ioctl, SYS_lseek, SYS_newfstatat, SYS_openat, SYS_pipe2, SYS_pread64, SYS_pwrite64, SYS_read, SYS_readlinkat,
  SYS_readv, SYS_umask, SYS_write, SYS_writev,
} from './numbers.ts';
import { sysLseek, sysPread64, sysPwrite64, sysRead, sysReadv, sysWrite, sysWritev } from './read_write.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import {
  accessOk, argInt, argUInt, argULong, copyToUserPartial, getName, putStruct, readStruct, struct,
} from './uaccess.ts';
import { TASK_SIZE_SV39 } from '../mm/mm_struct.ts';

/** Largest getdents64 buffer filled at once (a smaller count than asked returns fewer entries, as Linux may). */
const GETDENTS_MAX = 1 << 20;

export interface FileCallsOptions {
  /** The console behind fds 0-2: its `core` is set to the calling hart, to tag output. */
  console?: { core: number };
  /** TASK_SIZE for access_ok (default Sv39's 2^38). */
  taskSize?: number;
  /** The caller's real uid and gid, for faccessat (default root). */
  cred?: () => { uid: number; gid: number };
}

/** The file syscalls of one process over its FileSyscalls. */
export function fileCalls(fs: FileSyscalls, o: FileCallsOptions = {}): SyscallGroup {
  const cred = o.cred ?? (() => ({ uid: 0, gid: 0 }));
  const taskSize = o.taskSize ?? TASK_SIZE_SV39;
  return (t: SyscallTask, nr: number): number => {
    if (o.console) o.console.core = t.cpu.hartId;
    switch (nr) {
      case SYS_openat: return sysOpenat(fs, t);
      case SYS_close: return fs.close(argInt(t.cpu, 0));
      case SYS_read: return sysRead(fs, t, taskSize);
      case SYS_write: return sysWrite(fs, t, taskSize);
      case SYS_pread64: return sysPread64(fs, t, taskSize);
      case SYS_pwrite64: return sysPwrite64(fs, t, taskSize);
      case SYS_readv: return sysReadv(fs, t, taskSize);
      case SYS_writev: return sysWritev(fs, t, taskSize);
      case SYS_lseek: return sysLseek(fs, t);
      case SYS_newfstatat: return sysNewfstatat(fs, t);
      case SYS_fstat: return sysFstat(fs, t);
      case SYS_readlinkat: return sysReadlinkat(fs, t);
      case SYS_getdents64: return sysGetdents64(fs, t, taskSize);
      case SYS_ioctl: return sysIoctl(fs, t);
      case SYS_dup: return fs.dup(argInt(t.cpu, 0));
      case SYS_dup3: return fs.dup3(argInt(t.cpu, 0), argInt(t.cpu, 1), argInt(t.cpu, 2));
      case SYS_fcntl: return fs.fcntl(argInt(t.cpu, 0), argInt(t.cpu, 1), argInt(t.cpu, 2));
      case SYS_pipe2: return sysPipe2(fs, t);
      case SYS_faccessat: return sysFaccessat(fs, t, cred());
      case SYS_getcwd: return sysGetcwd(fs, t);
      case SYS_chdir: return sysChdir(fs, t);
      case SYS_fchdir: return fs.fchdir(argInt(t.cpu, 0));
      case SYS_umask: {
        // umask(mask): the old mask; only the permission bits are kept (S_IRWXUGO).
        const old = fs.umask;
        fs.umask = argUInt(t.cpu, 0) & 0o777;
        return old;
      }
      default: return NOT_MINE;
    }
  };
}

/** openat(dirfd, path, flags, mode) */
function sysOpenat(fs: FileSyscalls, t: SyscallTask): number {
  const path = getName(t.user, argULong(t.cpu, 1));
  if (typeof path === 'number') return path;
  return fs.openat(argInt(t.cpu, 0), path, argInt(t.cpu, 2), argUInt(t.cpu, 3));
}

/** newfstatat(dirfd, path, statbuf, flags): bad flags are EINVAL before the path is read (vfs_statx). */
function sysNewfstatat(fs: FileSyscalls, t: SyscallTask): number {
  const flags = argInt(t.cpu, 3);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;
  const path = getName(t.user, argULong(t.cpu, 1), (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === 'number') return path;
  const st = new Uint8Array(STAT_SIZE);
  const r = fs.newfstatat(argInt(t.cpu, 0), path, flags & ~AT_STATX_SYNC_TYPE, st);
  if (r < 0) return r;
  return putStruct(t.user, argULong(t.cpu, 2), st);
}

/** fstat(fd, statbuf) */
function sysFstat(fs: FileSyscalls, t: SyscallTask): number {
  const st = new Uint8Array(STAT_SIZE);
  const r = fs.fstat(argInt(t.cpu, 0), st);
  if (r < 0) return r;
  return putStruct(t.user, argULong(t.cpu, 1), st);
}

/** readlinkat(dirfd, path, buf, bufsiz): bufsiz <= 0 is EINVAL before the path is read; no NUL is added. */
function sysReadlinkat(fs: FileSyscalls, t: SyscallTask): number {
  const bufsiz = argInt(t.cpu, 3);
  if (bufsiz <= 0) return -EINVAL;
  const path = getName(t.user, argULong(t.cpu, 1));
  if (typeof path === 'number') return path;
  // A link target is shorter than PATH_MAX: a larger host buffer would never fill.
  const buf = new Uint8Array(Math.min(bufsiz, PATH_MAX));
  const n = fs.readlinkat(argInt(t.cpu, 0), path, buf);
  if (n < 0) return n;
  return putStruct(t.user, argULong(t.cpu, 2), buf.subarray(0, n)) || n;
}

/**
 * getdents64(fd, dirp, count). A copy that faults part-way returns -EFAULT and leaves the
 * directory position where it was (Linux returns the entries copied before the fault).
 */
function sysGetdents64(fs: FileSyscalls, t: SyscallTask, taskSize: number): number {
  const fd = argInt(t.cpu, 0);
  const f = fs.files.get(fd);
  if (!f) return -EBADF;
  if (!accessOk(argULong(t.cpu, 1), argUInt(t.cpu, 2), taskSize)) return -EFAULT;
  const buf = new Uint8Array(Math.min(argUInt(t.cpu, 2), GETDENTS_MAX));
  const pos = f.pos;
  const n = fs.getdents64(fd, buf);
  if (n <= 0) return n;
  if (copyToUserPartial(t.user, argULong(t.cpu, 1), buf.subarray(0, n)) < n) {
    f.pos = pos;
    return -EFAULT;
  }
  return n;
}

/**
 * ioctl(fd, cmd, arg): the generic commands do_vfs_ioctl answers for every file (FIOCLEX,
 * FIONCLEX, FIONBIO, FIONREAD on regular files and pipes), then the file's own (the
 * console's TCGETS/TIOCGWINSZ: -ENOTTY unless that stream is a terminal).
 */
function sysIoctl(fs: FileSyscalls, t: SyscallTask): number {
  const fd = argInt(t.cpu, 0);
  const f = fs.files.get(fd);
  if (!f) return -EBADF;
  const cmd = argUInt(t.cpu, 1);
  const arg = argULong(t.cpu, 2);
  switch (cmd) {
    case FIOCLEX:
    case FIONCLEX:
      fs.files.setCloexec(fd, cmd === FIOCLEX);
      return 0;
    case FIONBIO: {
      const v = readStruct(t.user, arg, 4);
      if (!v) return -EFAULT;
      f.flags = v.getInt32(0, true) !== 0 ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
    case FIONREAD:
      if (f instanceof HostFile) return putInt(t, arg, Number(f.stat().size) - f.pos);
      if (f instanceof PipeFile) return putInt(t, arg, f.pipe.available);
      break;
  }
  const r = fs.ioctl(fd, cmd);
  if (r.ret < 0 || !r.out) return r.ret;
  return putStruct(t.user, arg, r.out) || r.ret;
}

function putInt(t: SyscallTask, addr: number, v: number): number {
  const s = struct(4);
  s.dv.setInt32(0, v, true);
  return putStruct(t.user, addr, s.bytes);
}

/** pipe2(fds, flags): a failed copy of the fd pair closes both ends and returns -EFAULT (do_pipe2). */
function sysPipe2(fs: FileSyscalls, t: SyscallTask): number {
  const r = fs.pipe2(argInt(t.cpu, 1));
  if (typeof r === 'number') return r;
  const s = struct(8);
  s.dv.setInt32(0, r[0], true);
  s.dv.setInt32(4, r[1], true);
  if (putStruct(t.user, argULong(t.cpu, 0), s.bytes) < 0) {
    fs.close(r[0]);
    fs.close(r[1]);
    return -EFAULT;
  }
  return 0;
}

/** faccessat(dirfd, path, mode): mode bits beyond R/W/X are EINVAL before the path is read. */
function sysFaccessat(fs: FileSyscalls, t: SyscallTask, cred: { uid: number; gid: number }): number {
  const mode = argInt(t.cpu, 2);
  if (mode & ~0o7) return -EINVAL;
  const path = getName(t.user, argULong(t.cpu, 1));
  if (typeof path === 'number') return path;
  return fs.faccessat(argInt(t.cpu, 0), path, mode, cred);
}

/** getcwd(buf, size): the length including the NUL, -ERANGE when size is too small. */
function sysGetcwd(fs: FileSyscalls, t: SyscallTask): number {
  const cwd = new TextEncoder().encode(`/${fs.cwd.join('/')}\0`);
  if (cwd.length > argULong(t.cpu, 1)) return -ERANGE;
  return putStruct(t.user, argULong(t.cpu, 0), cwd) || cwd.length;
}

/** chdir(path) */
function sysChdir(fs: FileSyscalls, t: SyscallTask): number {
  const path = getName(t.user, argULong(t.cpu, 0));
  if (typeof path === 'number') return path;
  return fs.chdir(path);
}
