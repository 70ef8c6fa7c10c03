// The per-process fd table (struct files_struct): fd -> open file plus the
// close-on-exec bit. Threads made with CLONE_FILES share one table (users
// counts them); fork() copies it, sharing the open files (each gains a ref).

import { EBADF, EINVAL, EMFILE } from '../syscalls/numbers.ts';
import type { File } from './file.ts';
import { NR_OPEN_DEFAULT } from './uapi.ts';

export class FdTable {
  private readonly fds: Array<File | undefined> = [];
  private readonly cloexec: boolean[] = [];
  /** Tasks sharing this table (CLONE_FILES). */
  users = 1;
  /** RLIMIT_NOFILE: fds are 0..limit-1. */
  limit = NR_OPEN_DEFAULT;

  get(fd: number): File | undefined {
    return Number.isInteger(fd) && fd >= 0 ? this.fds[fd] : undefined;
  }

  isCloexec(fd: number): boolean {
    return this.cloexec[fd] === true;
  }

  setCloexec(fd: number, on: boolean): void {
    this.cloexec[fd] = on;
  }

  /** Whether some fd >= min is free (checked before a lookup, as get_unused_fd_flags runs first). */
  hasFree(min = 0): boolean {
    for (let fd = min; fd < this.limit; fd++) if (this.fds[fd] === undefined) return true;
    return false;
  }

  /** Installs file at the lowest free fd >= min (fd_install). Returns the fd or -EMFILE. Takes a ref. */
  install(file: File, cloexec: boolean, min = 0): number {
    for (let fd = min; fd < this.limit; fd++) {
      if (this.fds[fd] === undefined) {
        this.fds[fd] = file;
        this.cloexec[fd] = cloexec;
        file.refs++;
        return fd;
      }
    }
    return -EMFILE;
  }

  /** dup2/dup3 into fd, closing what was there. Returns fd, or -EBADF if fd is out of range. */
  replace(fd: number, file: File, cloexec: boolean): number {
    if (!Number.isInteger(fd) || fd < 0 || fd >= this.limit) return -EBADF;
    file.refs++;
    const old = this.fds[fd];
    this.fds[fd] = file;
    this.cloexec[fd] = cloexec;
    if (old) put(old);
    return fd;
  }

  /** close(fd): 0 or -EBADF. The file is released when its last fd goes. */
  close(fd: number): number {
    const f = this.get(fd);
    if (!f) return -EBADF;
    this.fds[fd] = undefined;
    this.cloexec[fd] = false;
    put(f);
    return 0;
  }

  /** fork without CLONE_FILES: a copy sharing the open files. */
  dup(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    this.fds.forEach((f, fd) => {
      if (f) {
        t.fds[fd] = f;
        t.cloexec[fd] = this.cloexec[fd];
        f.refs++;
      }
    });
    return t;
  }

  /** execve: close every close-on-exec fd (do_close_on_exec). */
  closeOnExec(): void {
    this.fds.forEach((f, fd) => {
      if (f && this.cloexec[fd]) this.close(fd);
    });
  }

  /** The last task using the table exits (exit_files). */
  closeAll(): void {
    this.fds.forEach((f, fd) => {
      if (f) this.close(fd);
    });
  }

  /** Open fds in order, for /proc/PID/fd and tests. */
  openFds(): number[] {
    const out: number[] = [];
    this.fds.forEach((f, fd) => {
      if (f) out.push(fd);
    });
    return out;
  }

  /** Validates a new limit (prlimit RLIMIT_NOFILE). */
  setLimit(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > 1 << 20) return -EINVAL;
    this.limit = n;
    return 0;
  }
}

function put(f: File): void {
  if (--f.refs === 0) f.release();
}
