// Signal bookkeeping (kernel/signal.c): rt_sigaction, rt_sigprocmask and
// sigaltstack record what delivery needs — the process's actions, each
// thread's blocked mask and alternate stack — with Linux's checks and errno.
// Sending and delivery are in src/kernel/signal/ (a signal unblocked here is
// delivered on the way back to user mode).
//
// riscv64 layouts (asm-generic; riscv has no SA_RESTORER, so no sa_restorer):
//   struct sigaction (24 bytes): 0 sa_handler u64, 8 sa_flags u64, 16 sa_mask u64
//   stack_t (24 bytes): 0 ss_sp u64, 8 ss_flags s32, 16 ss_size u64
//   sigset_t: 8 bytes, bit (sig - 1) per signal

import { regU } from '../cpu.ts';
import {
  EFAULT, EINVAL, ENOMEM, EPERM,
  SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_sigaltstack,
} from './numbers.ts';
import { NSIG, SIGKILL, SIGSTOP, type LinuxProcessState, type SigAction } from './process_state.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import { argInt, argULong, putStruct, readStruct, struct } from './uaccess.ts';

export const SIGSET_SIZE = 8;
export const SIGACTION_SIZE = 24;
export const STACK_T_SIZE = 24;

export const SA_NOCLDSTOP = 0x1n;
export const SA_NOCLDWAIT = 0x2n;
export const SA_SIGINFO = 0x4n;
export const SA_EXPOSE_TAGBITS = 0x800n;
export const SA_ONSTACK = 0x08000000n;
export const SA_RESTART = 0x10000000n;
export const SA_NODEFER = 0x40000000n;
export const SA_RESETHAND = 0x80000000n;
/** UAPI_SA_FLAGS: unknown bits are cleared so user space can probe what the kernel supports. */
export const UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS;

export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;

export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const SS_AUTODISARM = 0x80000000 | 0;
/** MINSIGSTKSZ (asm-generic). */
export const MINSIGSTKSZ = 2048n;

/** sigmask(SIGKILL) | sigmask(SIGSTOP): never blocked, never in an action's mask. */
const UNBLOCKABLE = (1n << BigInt(SIGKILL - 1)) | (1n << BigInt(SIGSTOP - 1));

export function signalCalls(ps: LinuxProcessState): SyscallGroup {
  return (t: SyscallTask, nr: number): number => {
    switch (nr) {
      case SYS_rt_sigaction: return rtSigaction(ps, t);
      case SYS_rt_sigprocmask: return rtSigprocmask(ps, t);
      case SYS_sigaltstack: return sigaltstack(ps, t);
      default: return NOT_MINE;
    }
  };
}

/**
 * rt_sigaction(sig, act, oact, sigsetsize): sigsetsize first, then the copy of act, then
 * do_sigaction's check (sig in 1..64; SIGKILL/SIGSTOP only queried, never set), then oact.
 */
function rtSigaction(ps: LinuxProcessState, t: SyscallTask): number {
  if (argULong(t.cpu, 3) !== SIGSET_SIZE) return -EINVAL;
  const sig = argInt(t.cpu, 0);
  const actAddr = argULong(t.cpu, 1);
  const oactAddr = argULong(t.cpu, 2);
  let act: SigAction | null = null;
  if (actAddr !== 0) {
    const dv = readStruct(t.user, actAddr, SIGACTION_SIZE);
    if (!dv) return -EFAULT;
    act = { handler: dv.getBigUint64(0, true), flags: dv.getBigUint64(8, true), mask: dv.getBigUint64(16, true) };
  }
  if (sig < 1 || sig > NSIG || (act && (sig === SIGKILL || sig === SIGSTOP))) return -EINVAL;
  const old = { ...ps.actions[sig - 1] };
  if (act) ps.actions[sig - 1] = { handler: act.handler, flags: act.flags & UAPI_SA_FLAGS, mask: act.mask & ~UNBLOCKABLE };
  if (oactAddr === 0) return 0;
  const { bytes, dv } = struct(SIGACTION_SIZE);
  dv.setBigUint64(0, old.handler, true);
  dv.setBigUint64(8, old.flags & UAPI_SA_FLAGS, true);
  dv.setBigUint64(16, old.mask, true);
  return putStruct(t.user, oactAddr, bytes);
}

/** rt_sigprocmask(how, set, oset, sigsetsize): how is checked only when set is given, after its copy. */
function rtSigprocmask(ps: LinuxProcessState, t: SyscallTask): number {
  if (argULong(t.cpu, 3) !== SIGSET_SIZE) return -EINVAL;
  const task = ps.task(t.tid);
  const old = task.blocked;
  const setAddr = argULong(t.cpu, 1);
  if (setAddr !== 0) {
    const dv = readStruct(t.user, setAddr, SIGSET_SIZE);
    if (!dv) return -EFAULT;
    const set = dv.getBigUint64(0, true) & ~UNBLOCKABLE;
    switch (argInt(t.cpu, 0)) {
      case SIG_BLOCK: task.blocked = old | set; break;
      case SIG_UNBLOCK: task.blocked = old & ~set; break;
      case SIG_SETMASK: task.blocked = set; break;
      default: return -EINVAL;
    }
  }
  const osetAddr = argULong(t.cpu, 2);
  if (osetAddr === 0) return 0;
  const { bytes, dv } = struct(SIGSET_SIZE);
  dv.setBigUint64(0, old, true);
  return putStruct(t.user, osetAddr, bytes);
}

/**
 * sigaltstack(ss, old_ss) as do_sigaltstack: the old state is taken first (ss_flags says
 * SS_ONSTACK when sp is on the stack, SS_DISABLE when there is none); changing the stack while
 * running on it is EPERM; a mode other than 0, SS_ONSTACK or SS_DISABLE is EINVAL; a stack
 * smaller than MINSIGSTKSZ is ENOMEM.
 */
function sigaltstack(ps: LinuxProcessState, t: SyscallTask): number {
  const ssAddr = argULong(t.cpu, 0);
  const oldAddr = argULong(t.cpu, 1);
  let ss: { sp: bigint; flags: number; size: bigint } | null = null;
  if (ssAddr !== 0) {
    const dv = readStruct(t.user, ssAddr, STACK_T_SIZE);
    if (!dv) return -EFAULT;
    ss = { sp: dv.getBigUint64(0, true), flags: dv.getInt32(8, true), size: dv.getBigUint64(16, true) };
  }
  const task = ps.task(t.tid);
  const cur = task.altStack;
  const sp = BigInt(regU(t.cpu, 2));
  const autodisarm = (cur.flags & SS_AUTODISARM) !== 0;
  const onStack = !autodisarm && sp > cur.sp && sp - cur.sp <= cur.size;
  const old = { sp: cur.sp, size: cur.size, flags: (cur.size === 0n ? SS_DISABLE : onStack ? SS_ONSTACK : 0) | (cur.flags & SS_AUTODISARM) };
  if (ss) {
    if (onStack) return -EPERM;
    const mode = ss.flags & ~SS_AUTODISARM;
    if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -EINVAL;
    if (!(cur.sp === ss.sp && cur.size === ss.size && cur.flags === ss.flags)) {
      if (mode === SS_DISABLE) task.altStack = { sp: 0n, size: 0n, flags: ss.flags };
      else if (ss.size < MINSIGSTKSZ) return -ENOMEM;
      else task.altStack = { sp: ss.sp, size: ss.size, flags: ss.flags };
    }
  }
  if (oldAddr === 0) return 0;
  const { bytes, dv } = struct(STACK_T_SIZE);
  dv.setBigUint64(0, old.sp, true);
  dv.setInt32(8, old.flags, true);
  dv.setBigUint64(16, old.size, true);
  return putStruct(t.user, oldAddr, bytes);
}
