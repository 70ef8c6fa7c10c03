// A FutexUser over the syscall layer's UserAccess (task_context.ts): get_user/put_user of the
// futex word through copy_from_user/copy_to_user (so through the core's caches and demand
// paging). The atomic op and the physical address need the core's AMO path and the page
// tables, which UserAccess does not offer: the caller passes them.

import type { UserAccess } from '../syscalls/task_context.ts';
import { UACCESS_FAULT, type FutexUser } from './futex.ts';

export interface FutexUserParts {
  mm: number;
  taskSize: number;
  /** FutexUser.atomicOp: one AMO on the word through the core's memory path. */
  atomicOp(addr: number, op: number, oparg: number): number;
  /** FutexUser.sharedKey: the word's physical address after faulting the page in. */
  sharedKey(addr: number): number;
}

/**
 * The futex view of a task's memory. getU32 must read the aligned word in one access (a
 * 4-byte copy of an aligned word does; it never straddles a page).
 */
export function futexUserFromAccess(user: UserAccess, parts: FutexUserParts): FutexUser {
  const word = new Uint8Array(4);
  return {
    mm: parts.mm,
    taskSize: parts.taskSize,
    getU32(addr: number): number {
      const b = user.copyFromUser(addr, 4);
      if (b === null) return UACCESS_FAULT;
      return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    },
    putU32(addr: number, v: number): boolean {
      word[0] = v;
      word[1] = v >>> 8;
      word[2] = v >>> 16;
      word[3] = v >>> 24;
      return user.copyToUser(addr, word);
    },
    atomicOp: parts.atomicOp,
    sharedKey: parts.sharedKey,
  };
}
