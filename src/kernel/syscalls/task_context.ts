// What a syscall implementation sees of the task that made the call, under `--boot linux`.
// The memory side (page tables, demand faults) implements UserAccess; the syscall files
// (files, identity, time, signals bookkeeping) only use this interface, so they can be
// tested over a plain buffer and wired to the real process by the trap handler.

import type { Cpu } from '../cpu.ts';

/**
 * Copies between the kernel and a user address space, as Linux's uaccess helpers: a page
 * that is mapped but not yet present is faulted in (demand paging) before the copy; an
 * address outside any VMA, or one the VMA's protection forbids, makes the copy fail and the
 * syscall returns -EFAULT. Costs are charged to the calling core.
 */
export interface UserAccess {
  /** copy_from_user: `len` bytes at `addr`, or null (EFAULT). */
  copyFromUser(addr: number, len: number): Uint8Array | null;
  /** copy_to_user: false on EFAULT (bytes before the bad page may have been written, as on Linux). */
  copyToUser(addr: number, data: Uint8Array): boolean;
  /**
   * strncpy_from_user: the bytes of the NUL-terminated string at `addr`, without the NUL.
   * Returns null on EFAULT and -1 when no NUL lies within `max` bytes (the caller's ENAMETOOLONG).
   */
  strncpyFromUser(addr: number, max: number): Uint8Array | null | -1;
}

/** The calling task: its registers (a0..a5 arguments, a7 number) and identity. */
export interface SyscallTask {
  readonly cpu: Cpu;
  readonly user: UserAccess;
  readonly pid: number; // tgid
  readonly tid: number;
  readonly ppid: number;
  /** The kernel can put this task to sleep: a pipe read or write that must wait answers WOULD_BLOCK (fs/pipe.ts) instead of -EAGAIN. */
  readonly canSleep?: boolean;
  /** Bytes of this write(2)/writev(2) to a pipe written before it slept on the full pipe: the call goes on after them (pipe_write's loop). */
  readonly writeDone?: number;
  /** Set by write/writev: bytes of the call not yet written (> 0 after a short write; the kernel sleeps for room on a blocking pipe). */
  writeLeft?: number;
}

/** A syscall group's answer when the number is not one of its own. */
export const NOT_MINE = Number.MIN_SAFE_INTEGER;

/** A group of syscalls: returns the result (>= 0 or -errno) or NOT_MINE. */
export type SyscallGroup = (t: SyscallTask, nr: number) => number;
