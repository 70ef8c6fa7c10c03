// The file syscalls of one process, as host functions: arguments already
// copied in from the guest (paths as strings, buffers as Uint8Array), results
// a value or -errno; output buffers are filled for the caller to copy out.
// The caller does the guest memory work (EFAULT), the iovec walk for writev,
// and blocking: WOULD_BLOCK (pipe.ts) means "sleep on the pipe and restart".
//
// How the kernel calls it: dirfd arguments are C ints (the low 32 bits of the
// register, signed: AT_FDCWD is -100); paths are read as C strings of at most
// PATH_MAX bytes (longer: -ENAMETOOLONG; bad pointer: -EFAULT); read-like
// calls get a Uint8Array of the (capped) count and the kernel copies out the
// returned number of bytes; newfstatat/fstat fill 128 bytes to copy to statbuf;
// ioctl returns bytes to copy to its argument; pipe2 returns two fds to store
// as two int32s. fork/clone: fork(childPid, CLONE_FILES); execve: files.closeOnExec().
//
// These objects live in the worker that makes them. Threads of one process on
// other workers need the same table: route their file syscalls to this worker,
// or move FdTable and File state into shared memory (host fds are process-wide).

import { constants as hostFs, openSync } from 'node:fs';
import { join } from 'node:path';
import {
  EACCES, EBADF, EEXIST, EINVAL, EISDIR, ELOOP, EMFILE, ENOENT, ENOTDIR, EOPNOTSUPP, EROFS,
} from '../syscalls/numbers.ts';
import {
  ConsoleFile, HostDir, HostFile, PipeFile, PseudoDir, PseudoFile, pseudoStat, type Console, type File, type IoctlResult,
} from './file.ts';
import { FdTable } from './fdtable.ts';
import { GuestRoot, hostErrno, isDir, isLink, type Inode } from './namei.ts';
import { PipeInode } from './pipe.ts';
import { PseudoFs, registerCpuFiles, type ProcContext } from './procfs.ts';
import { encodeStat, kstatFromHost, type KStat } from './stat.ts';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD,
  F_SETFL, FD_CLOEXEC, O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_EXCL, O_LARGEFILE, O_NOCTTY,
  O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_RDWR, O_TMPFILE, O_TRUNC, O_WRONLY, SETFL_MASK, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG,
} from './uapi.ts';

/** UIO_MAXIOV: writev with more buffers fails with EINVAL. */
export const UIO_MAXIOV = 1024;
/** Mode bits masked off new files (the default umask). */
export const DEFAULT_UMASK = 0o022;

export interface GuestFsOptions {
  /** Host directory used as the guest's "/". */
  hostDir: string;
  /** --root-rw: allow creating, writing and truncating files. Otherwise those fail with EROFS. */
  writable?: boolean;
  ncpus: number;
  isa?: string;
  mmu?: string;
  /** pid -> the program's guest path, for /proc/PID/exe (and so /proc/self/exe). */
  exeOf: (pid: number) => string | undefined;
  /** The pids that exist, for /proc/PID. */
  pids: () => number[];
}

/** The guest file tree with its pseudo mounts: /proc/self, /proc/PID/exe, /proc/cpuinfo, /sys/devices/system/cpu/*. */
export function createGuestRoot(o: GuestFsOptions): GuestRoot {
  const pseudo = new PseudoFs();
  pseudo.pids = o.pids;
  pseudo.registerLink('/proc/[pid]/exe', (ctx) => o.exeOf(ctx.pid ?? ctx.self) ?? '');
  registerCpuFiles(pseudo, { ncpus: o.ncpus, isa: o.isa ?? 'rv64imafdc', mmu: o.mmu ?? 'sv39' });
  return new GuestRoot(o.hostDir, { writable: o.writable ?? false, pseudo });
}

export class FileSyscalls {
  readonly root: GuestRoot;
  files: FdTable;
  /** Canonical guest path of the working directory. */
  cwd: string[];
  readonly pid: number;
  umask = DEFAULT_UMASK;

  constructor(o: { root: GuestRoot; pid: number; files?: FdTable; cwd?: string[] }) {
    this.root = o.root;
    this.pid = o.pid;
    this.files = o.files ?? new FdTable();
    this.cwd = o.cwd ?? [];
  }

  /** Installs fds 0, 1, 2 on the console (the first process; children inherit them). */
  installStdio(console: Console): void {
    for (const s of [0, 1, 2] as const) {
      const tty = console.isatty(s);
      const acc = tty ? O_RDWR : s === 0 ? O_RDONLY : O_WRONLY;
      const r = this.files.replace(s, new ConsoleFile(acc | O_LARGEFILE, console, s), false);
      if (r < 0) throw new Error('cannot install stdio');
    }
  }

  /** fork/clone: the child's view. shareFiles is CLONE_FILES (threads share the table). */
  fork(pid: number, shareFiles: boolean): FileSyscalls {
    let files = this.files;
    if (shareFiles) files.users++;
    else files = files.dup();
    const child = new FileSyscalls({ root: this.root, pid, files, cwd: [...this.cwd] });
    child.umask = this.umask; // fs_struct: the cwd and umask are inherited
    return child;
  }

  private get ctx(): ProcContext {
    return { self: this.pid };
  }

  /** Where a *at() lookup starts: [] for absolute paths, the cwd for AT_FDCWD, else dirfd's directory. */
  private start(dirfd: number, path: string): string[] | number {
    if (path.startsWith('/')) return [];
    if (dirfd === AT_FDCWD) return this.cwd;
    const f = this.files.get(dirfd);
    if (!f) return -EBADF;
    if (!f.isDir) return -ENOTDIR;
    return f.path;
  }

  openat(dirfd: number, path: string, flags: number, mode: number): number {
    if ((flags & O_TMPFILE) === O_TMPFILE) return -EOPNOTSUPP;
    if (!this.files.hasFree()) return -EMFILE;
    const start = this.start(dirfd, path);
    if (typeof start === 'number') return start;
    const creat = (flags & O_CREAT) !== 0;
    const excl = creat && (flags & O_EXCL) !== 0;
    const lk = this.root.lookup(start, path, { followLast: !(flags & O_NOFOLLOW) && !excl }, this.ctx);
    if (typeof lk === 'number') return lk;
    const fflags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | O_LARGEFILE;
    let file: File | number;
    if (!lk.inode) {
      if (!creat) return -ENOENT;
      if (path.endsWith('/')) return -EISDIR;
      file = this.create(lk.parent, lk.guest, fflags, mode);
    } else {
      if (excl) return -EEXIST;
      file = this.openInode(lk.inode, lk.parent, lk.guest, flags, fflags);
    }
    if (typeof file === 'number') return file;
    const fd = this.files.install(file, (flags & O_CLOEXEC) !== 0);
    if (fd < 0) file.release();
    return fd;
  }

  private create(parent: Inode, guest: string[], fflags: number, mode: number): File | number {
    if (parent.fs !== 'host') return -EACCES;
    if (!this.root.writable) return -EROFS;
    try {
      const host = join(parent.host, guest[guest.length - 1]);
      const fd = openSync(host, hostAccess(fflags) | hostFs.O_CREAT | hostFs.O_EXCL | hostFs.O_NOFOLLOW, mode & 0o7777 & ~this.umask);
      return new HostFile(fflags, guest, fd);
    } catch (e) {
      return hostErrno(e);
    }
  }

  private openInode(inode: Inode, parent: Inode, guest: string[], flags: number, fflags: number): File | number {
    const acc = flags & O_ACCMODE;
    const wantsWrite = acc !== O_RDONLY || (flags & O_TRUNC) !== 0;
    if (isLink(inode)) return -ELOOP; // O_NOFOLLOW met a symlink
    if (isDir(inode)) {
      if (flags & O_CREAT || acc !== O_RDONLY) return -EISDIR;
      const parentIno = inodeNumber(parent);
      if (inode.fs === 'pseudo') return new PseudoDir(fflags, guest, inode.ref, parentIno, this.root.pseudo);
      return new HostDir(fflags, guest, inode, parentIno, this.root.pseudo);
    }
    if (flags & O_DIRECTORY) return -ENOTDIR;
    if (inode.fs === 'pseudo') {
      if (wantsWrite) return -EACCES;
      return new PseudoFile(fflags, guest, inode.ref, this.ctx);
    }
    // Devices, FIFOs and sockets in the host tree are not opened: they could block or reach the host.
    if ((Number(inode.st.mode) & S_IFMT) !== S_IFREG) return -EACCES;
    if (wantsWrite && !this.root.writable) return -EROFS;
    try {
      const fd = openSync(inode.host, hostAccess(fflags) | (flags & O_TRUNC ? hostFs.O_TRUNC : 0) | hostFs.O_NOFOLLOW);
      return new HostFile(fflags, guest, fd);
    } catch (e) {
      return hostErrno(e);
    }
  }

  close(fd: number): number {
    return this.files.close(fd);
  }

  read(fd: number, buf: Uint8Array): number {
    const f = this.files.get(fd);
    if (!f || !f.readable) return -EBADF;
    return f.read(buf);
  }

  pread64(fd: number, buf: Uint8Array, off: number): number {
    const f = this.files.get(fd);
    if (!f || !f.readable) return -EBADF;
    if (off < 0) return -EINVAL;
    if (f.isDir) return -EISDIR;
    return f.read(buf, off);
  }

  write(fd: number, data: Uint8Array): number {
    const f = this.files.get(fd);
    if (!f || !f.writable) return -EBADF;
    return f.write(data);
  }

  /** writev with the iovecs already read: one write of their concatenation (atomic for pipes up to PIPE_BUF). */
  writev(fd: number, bufs: Uint8Array[]): number {
    if (bufs.length > UIO_MAXIOV) return -EINVAL;
    const f = this.files.get(fd);
    if (!f || !f.writable) return -EBADF;
    const total = bufs.reduce((n, b) => n + b.length, 0);
    const all = new Uint8Array(total);
    let o = 0;
    for (const b of bufs) {
      all.set(b, o);
      o += b.length;
    }
    return f.write(all);
  }

  lseek(fd: number, off: number, whence: number): number {
    const f = this.files.get(fd);
    if (!f) return -EBADF;
    return f.llseek(off, whence);
  }

  /** newfstatat(dirfd, path, statbuf, flags): fills out (128 bytes). */
  newfstatat(dirfd: number, path: string, flags: number, out: Uint8Array): number {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) return -EINVAL;
    if (path === '' && flags & AT_EMPTY_PATH) {
      if (dirfd !== AT_FDCWD) return this.fstat(dirfd, out);
      path = '.';
    }
    const start = this.start(dirfd, path);
    if (typeof start === 'number') return start;
    const lk = this.root.lookup(start, path, { followLast: !(flags & AT_SYMLINK_NOFOLLOW) }, this.ctx);
    if (typeof lk === 'number') return lk;
    if (!lk.inode) return -ENOENT;
    encodeStat(inodeStat(lk.inode), out);
    return 0;
  }

  fstat(fd: number, out: Uint8Array): number {
    const f = this.files.get(fd);
    if (!f) return -EBADF;
    encodeStat(f.stat(), out);
    return 0;
  }

  /** readlinkat: the target's bytes (no NUL), truncated to buf. /proc/self/exe names the program's guest path. */
  readlinkat(dirfd: number, path: string, buf: Uint8Array): number {
    if (buf.length <= 0) return -EINVAL;
    const start = this.start(dirfd, path);
    if (typeof start === 'number') return start;
    const lk = this.root.lookup(start, path, { followLast: false }, this.ctx);
    if (typeof lk === 'number') return lk;
    if (!lk.inode) return -ENOENT;
    const t = this.root.readlink(lk.inode, this.ctx);
    if (typeof t === 'number') return t;
    const bytes = new TextEncoder().encode(t);
    const n = Math.min(bytes.length, buf.length);
    buf.set(bytes.subarray(0, n));
    return n;
  }

  getdents64(fd: number, buf: Uint8Array): number {
    const f = this.files.get(fd);
    if (!f) return -EBADF;
    return f.getdents(buf);
  }

  ioctl(fd: number, req: number): IoctlResult {
    const f = this.files.get(fd);
    if (!f) return { ret: -EBADF };
    return f.ioctl(req >>> 0);
  }

  dup(fd: number): number {
    const f = this.files.get(fd);
    if (!f) return -EBADF;
    return this.files.install(f, false);
  }

  dup3(oldfd: number, newfd: number, flags: number): number {
    if (flags & ~O_CLOEXEC) return -EINVAL;
    if (oldfd === newfd) return -EINVAL;
    const f = this.files.get(oldfd);
    if (!f) return -EBADF;
    return this.files.replace(newfd, f, (flags & O_CLOEXEC) !== 0);
  }

  /** pipe2(flags): [read fd, write fd] or -errno. */
  pipe2(flags: number): [number, number] | number {
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -EINVAL;
    const pipe = new PipeInode(nextPipeIno++);
    const st = flags & (O_NONBLOCK | O_DIRECT);
    const r = new PipeFile(O_RDONLY | st, pipe, 'r');
    const w = new PipeFile(O_WRONLY | st, pipe, 'w');
    const cloexec = (flags & O_CLOEXEC) !== 0;
    const rfd = this.files.install(r, cloexec);
    if (rfd < 0) {
      r.release();
      w.release();
      return rfd;
    }
    const wfd = this.files.install(w, cloexec);
    if (wfd < 0) {
      this.files.close(rfd);
      w.release();
      return wfd;
    }
    return [rfd, wfd];
  }

  fcntl(fd: number, cmd: number, arg: number): number {
    const f = this.files.get(fd);
    if (!f) return -EBADF;
    switch (cmd) {
      case F_DUPFD:
      case F_DUPFD_CLOEXEC:
        if (arg < 0 || arg >= this.files.limit) return -EINVAL;
        return this.files.install(f, cmd === F_DUPFD_CLOEXEC, arg);
      case F_GETFD:
        return this.files.isCloexec(fd) ? FD_CLOEXEC : 0;
      case F_SETFD:
        this.files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
        return 0;
      case F_GETFL:
        return f.flags;
      case F_SETFL:
        f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
        return 0;
      default:
        return -EINVAL;
    }
  }
  /** chdir(path): the working directory becomes path (a directory, symlinks followed). */
  chdir(path: string): number {
    const start = this.start(AT_FDCWD, path);
    if (typeof start === 'number') return start;
    const lk = this.root.lookup(start, path, { followLast: true }, this.ctx);
    if (typeof lk === 'number') return lk;
    if (!lk.inode) return -ENOENT;
    if (!isDir(lk.inode)) return -ENOTDIR;
    this.cwd = lk.guest;
    return 0;
  }

  /** fchdir(fd): the working directory becomes fd's directory. */
  fchdir(fd: number): number {
    const f = this.files.get(fd);
    if (!f) return -EBADF;
    if (!f.isDir) return -ENOTDIR;
    this.cwd = [...f.path];
    return 0;
  }

  /**
   * faccessat(dirfd, path, mode): do_faccessat's answer for the caller's real ids. Root (uid 0)
   * may read and write anything (CAP_DAC_OVERRIDE) and execute a non-directory only if some x
   * bit is set; others get the owner/group/other bits. Write on the read-only guest tree is
   * EROFS for regular files, directories and symlinks (SuS asks for it; special files are exempt).
   */
  faccessat(dirfd: number, path: string, mode: number, cred: { uid: number; gid: number }): number {
    if (mode & ~0o7) return -EINVAL;
    const start = this.start(dirfd, path);
    if (typeof start === 'number') return start;
    const lk = this.root.lookup(start, path, { followLast: true }, this.ctx);
    if (typeof lk === 'number') return lk;
    if (!lk.inode) return -ENOENT;
    const st = inodeStat(lk.inode);
    const fmt = st.mode & S_IFMT;
    if (cred.uid === 0) {
      if (mode & 1 && fmt !== S_IFDIR && (st.mode & 0o111) === 0) return -EACCES;
    } else {
      const bits = cred.uid === st.uid ? (st.mode >> 6) & 7 : cred.gid === st.gid ? (st.mode >> 3) & 7 : st.mode & 7;
      if ((mode & bits) !== mode) return -EACCES;
    }
    const special = fmt !== S_IFREG && fmt !== S_IFDIR && fmt !== S_IFLNK;
    if (mode & 2 && !special && lk.inode.fs === 'host' && !this.root.writable) return -EROFS;
    return 0;
  }
}

let nextPipeIno = 1;

function hostAccess(fflags: number): number {
  const acc = fflags & O_ACCMODE;
  // Mode 3 needs read and write permission on Linux: open the host file O_RDWR (the File itself allows neither).
  return acc === O_WRONLY ? hostFs.O_WRONLY : acc === O_RDONLY ? hostFs.O_RDONLY : hostFs.O_RDWR;
}

function inodeStat(i: Inode): KStat {
  return i.fs === 'host' ? kstatFromHost(i.st) : pseudoStat(i.ref);
}

function inodeNumber(i: Inode): bigint {
  return inodeStat(i).ino;
}

