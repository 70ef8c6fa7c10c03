// Who the caller is (kernel/sys.c, kernel/fork.c, kernel/futex/syscalls.c):
// getpid (the tgid), getppid, gettid, the uid/gid family from the process's
// credentials, and the two registrations glibc makes at start-up for thread
// exit — set_tid_address and set_robust_list — recorded per thread for the
// thread issue to act on.

import {
  EFAULT, EINVAL, ESRCH,
  SYS_get_robust_list, SYS_getegid, SYS_geteuid, SYS_getgid, SYS_getpid, SYS_getppid, SYS_gettid, SYS_getuid,
  SYS_set_robust_list, SYS_set_tid_address,
} from './numbers.ts';
import type { LinuxProcessState } from './process_state.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import { argInt, argULong, putU64, putStruct, struct } from './uaccess.ts';

/** sizeof(struct robust_list_head) on 64-bit: list.next, futex_offset, list_op_pending. */
export const ROBUST_LIST_HEAD_SIZE = 24;

export function identityCalls(ps: LinuxProcessState): SyscallGroup {
  return (t: SyscallTask, nr: number): number => {
    switch (nr) {
      case SYS_getpid: return t.pid;
      case SYS_getppid: return t.ppid;
      case SYS_gettid: return t.tid;
      case SYS_getuid: return ps.cred.uid;
      case SYS_geteuid: return ps.cred.euid;
      case SYS_getgid: return ps.cred.gid;
      case SYS_getegid: return ps.cred.egid;
      case SYS_set_tid_address:
        // Linux stores the pointer unchecked: a bad one only matters at thread exit.
        ps.task(t.tid).clearChildTid = argULong(t.cpu, 0);
        return t.tid;
      case SYS_set_robust_list: return setRobustList(ps, t);
      case SYS_get_robust_list: return getRobustList(ps, t);
      default: return NOT_MINE;
    }
  };
}

/** set_robust_list(head, len): len must be sizeof(struct robust_list_head), else EINVAL. */
function setRobustList(ps: LinuxProcessState, t: SyscallTask): number {
  if (argULong(t.cpu, 1) !== ROBUST_LIST_HEAD_SIZE) return -EINVAL;
  const task = ps.task(t.tid);
  task.robustListHead = argULong(t.cpu, 0);
  task.robustListLen = ROBUST_LIST_HEAD_SIZE;
  return 0;
}

/**
 * get_robust_list(pid, head_ptr, len_ptr): pid 0 is the caller; another thread of this process
 * may be named (ptrace_may_access allows the same thread group); other pids are ESRCH (no
 * other process is visible to this group yet). Linux stores len (always 24) first, then head.
 */
function getRobustList(ps: LinuxProcessState, t: SyscallTask): number {
  const pid = argInt(t.cpu, 0);
  const task = pid === 0 ? ps.task(t.tid) : ps.tasks.get(pid);
  if (!task) return -ESRCH;
  const len = struct(8);
  putU64(len.dv, 0, ROBUST_LIST_HEAD_SIZE);
  if (putStruct(t.user, argULong(t.cpu, 2), len.bytes) < 0) return -EFAULT;
  const head = struct(8);
  putU64(head.dv, 0, task.robustListHead);
  return putStruct(t.user, argULong(t.cpu, 1), head.bytes);
}
