// The signal syscalls that need the task table or the scheduler (kernel/signal.c): kill,
// tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, rt_sigpending, rt_sigsuspend,
// rt_sigtimedwait and rt_sigreturn; and ppoll without file descriptors (fs/select.c), which
// is glibc's pause() on riscv and a sleep that only a signal or its timeout ends (ppoll with
// descriptors is not implemented: -ENOSYS). (rt_sigaction, rt_sigprocmask and sigaltstack only touch
// the process's own state: syscalls/signal.ts.) Argument checks in Linux's order.
//
// Returns the syscall's result for the caller to put in a0, NOT_MINE for another number,
// or SIG_RESUMED when the registers are already what user mode resumes with (rt_sigreturn,
// and the calls that put the task to sleep).

import { regU, type Cpu } from '../cpu.ts';
import { EAGAIN, EFAULT, EINVAL, EPERM, ESRCH } from '../syscalls/numbers.ts';
import { NOT_MINE } from '../syscalls/task_context.ts';
import { dequeueSignal, rtSigreturn } from './deliver.ts';
import type { SignalHost, SigTask } from './host.ts';
import { sendSignal } from './send.ts';
import { killInfo, siCode, SIGINFO_SIZE, withSigno, type KSiginfo } from './siginfo.ts';
import {
  ERESTARTNOHAND, SI_TKILL, SI_USER, SYS_kill, SYS_rt_sigpending, SYS_rt_sigqueueinfo, SYS_rt_sigreturn, SYS_rt_sigsuspend,
  SYS_ppoll, SYS_rt_sigtimedwait, SYS_rt_tgsigqueueinfo, SYS_tgkill, SYS_tkill, UNBLOCKABLE, validSignal,
} from './uapi.ts';

/** The registers are set: resume user mode as they are. */
export const SIG_RESUMED = Number.MIN_SAFE_INTEGER + 3;

const SIGSET_SIZE = 8;
/** The one process group: pid 1's. */
const INIT_PGRP = 1;
const NSEC_PER_SEC = 1_000_000_000n;

const int = (cpu: Cpu, i: number) => cpu.xl[10 + i]!;

export function signalSyscall(cpu: Cpu, host: SignalHost, t: SigTask, nr: number): number {
  switch (nr) {
    case SYS_kill: return sysKill(cpu, host, t, int(cpu, 0), int(cpu, 1));
    case SYS_tkill: {
      const tid = int(cpu, 0);
      if (tid <= 0) return -EINVAL;
      return sendSpecific(cpu, host, 0, tid, int(cpu, 1), killInfo(int(cpu, 1), SI_TKILL, t.pid, uid(t)));
    }
    case SYS_tgkill: {
      const tgid = int(cpu, 0);
      const tid = int(cpu, 1);
      if (tid <= 0 || tgid <= 0) return -EINVAL;
      return sendSpecific(cpu, host, tgid, tid, int(cpu, 2), killInfo(int(cpu, 2), SI_TKILL, t.pid, uid(t)));
    }
    case SYS_rt_sigqueueinfo: {
      const pid = int(cpu, 0);
      const sig = int(cpu, 1);
      const raw = host.user(cpu).copyFromUser(regU(cpu, 12), SIGINFO_SIZE);
      if (!raw) return -EFAULT;
      const info = withSigno(raw, sig);
      // Not even root may pretend to be the kernel, or kill()/tgkill(), towards another process.
      if ((siCode(info) >= 0 || siCode(info) === SI_TKILL) && pid !== t.pid) return -EPERM;
      return killProcInfo(cpu, host, sig, info, pid);
    }
    case SYS_rt_tgsigqueueinfo: {
      const tgid = int(cpu, 0);
      const tid = int(cpu, 1);
      const sig = int(cpu, 2);
      if (tid <= 0 || tgid <= 0) return -EINVAL;
      const raw = host.user(cpu).copyFromUser(regU(cpu, 13), SIGINFO_SIZE);
      if (!raw) return -EFAULT;
      const info = withSigno(raw, sig);
      if ((siCode(info) >= 0 || siCode(info) === SI_TKILL) && tid !== t.tid) return -EPERM;
      return sendSpecific(cpu, host, tgid, tid, sig, info);
    }
    case SYS_rt_sigpending: {
      const size = regU(cpu, 11);
      if (size > SIGSET_SIZE) return -EINVAL;
      const ts = t.state.task(t.tid);
      const set = (ts.pending.signal | t.state.shared.signal) & ts.blocked;
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, set, true);
      return host.user(cpu).copyToUser(regU(cpu, 10), b.subarray(0, size)) ? 0 : -EFAULT;
    }
    case SYS_rt_sigsuspend: return sigsuspend(cpu, host, t);
    case SYS_rt_sigtimedwait: return sigtimedwait(cpu, host, t);
    case SYS_rt_sigreturn:
      rtSigreturn(cpu, host, t);
      return SIG_RESUMED;
    case SYS_ppoll: return regU(cpu, 11) === 0 ? ppollNoFds(cpu, host, t) : NOT_MINE;
    default: return NOT_MINE;
  }
}

function uid(t: SigTask): number {
  return t.state.cred.uid;
}

/** group_send_sig_info to a process: check_kill_permission (a valid signal; everyone is root), then the send; signal 0 only checks. */
function groupSend(cpu: Cpu, host: SignalHost, sig: number, info: KSiginfo, leader: SigTask, zombie: boolean): number {
  if (!validSignal(sig)) return -EINVAL;
  if (sig === 0 || zombie) return 0;
  return sendSignal(cpu, host, sig, info, leader, true);
}

/** kill_proc_info: the process with this pid, or -ESRCH. */
function killProcInfo(cpu: Cpu, host: SignalHost, sig: number, info: KSiginfo, pid: number): number {
  const p = pid > 0 ? host.process(pid) : undefined;
  if (!p) return -ESRCH;
  return groupSend(cpu, host, sig, info, p.leader, p.zombie);
}

/**
 * kill_something_info: pid > 0 that process; 0 or -1's process group (every process is in
 * pid 1's group: setpgid and setsid are not implemented) all of them; -1 every process but
 * pid 1 and the caller's; another negative pid, a group that does not exist: -ESRCH.
 */
function sysKill(cpu: Cpu, host: SignalHost, t: SigTask, pid: number, sig: number): number {
  const info = killInfo(sig, SI_USER, t.pid, uid(t));
  if (pid > 0) return killProcInfo(cpu, host, sig, info, pid);
  if (pid === -2147483648) return -ESRCH;
  let targets: SigTask[];
  if (pid === -1) targets = host.processes().filter((p) => p.pid > 1 && p.pid !== t.pid);
  else if (pid === 0 || pid === -1 * INIT_PGRP) targets = host.processes();
  else targets = [];
  let ok = false;
  let ret = -ESRCH;
  for (const p of targets) {
    const err = groupSend(cpu, host, sig, info, p, false);
    if (err === 0) ok = true;
    ret = err;
  }
  return pid === -1 ? (targets.length > 0 ? ret : -ESRCH) : ok ? 0 : ret;
}

/** do_send_specific: thread tid (of process tgid when tgid > 0); -ESRCH when there is none. */
function sendSpecific(cpu: Cpu, host: SignalHost, tgid: number, tid: number, sig: number, info: KSiginfo): number {
  const p = host.thread(tid);
  if (!p || (tgid > 0 && p.pid !== tgid)) return -ESRCH;
  if (!validSignal(sig)) return -EINVAL;
  if (sig === 0) return 0;
  return sendSignal(cpu, host, sig, info, p, false);
}

/** A signal the thread would take now (pending and not blocked, its own or its process's). */
function deliverable(t: SigTask): boolean {
  const ts = t.state.task(t.tid);
  return ts.pending.next(ts.blocked) !== 0 || t.state.shared.next(ts.blocked) !== 0;
}

/**
 * rt_sigsuspend(mask, sigsetsize): the mask replaces the blocked one until a signal comes,
 * then the call returns -EINTR through the handler (-ERESTARTNOHAND) and the old mask comes
 * back when the handler returns (saved_sigmask).
 */
function sigsuspend(cpu: Cpu, host: SignalHost, t: SigTask): number {
  if (regU(cpu, 11) !== SIGSET_SIZE) return -EINVAL;
  const b = host.user(cpu).copyFromUser(regU(cpu, 10), SIGSET_SIZE);
  if (!b) return -EFAULT;
  const ts = t.state.task(t.tid);
  ts.savedSigmask = ts.blocked;
  ts.blocked = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) & ~UNBLOCKABLE;
  cpu.xl[10] = -ERESTARTNOHAND;
  cpu.xh[10] = -1;
  cpu.pc += 4;
  if (!deliverable(t)) {
    ts.sleep = { kind: 'sigsuspend' };
    host.sleep(cpu, t, -1);
  }
  return SIG_RESUMED;
}

/**
 * rt_sigtimedwait(set, info, timeout, sigsetsize): a pending signal of `set` is taken at once
 * (its number returned, its siginfo copied out); else -EAGAIN for a zero timeout, else the
 * thread sleeps with `set` unblocked until one comes (returned as well), another signal
 * interrupts (-EINTR) or the timeout passes (-EAGAIN). deliver.ts finishes the sleep.
 */
/**
 * get_timespec64 of a relative timeout: nanoseconds (-1n for a null pointer: no timeout), or
 * -EFAULT / -EINVAL (a negative or unnormalized timespec) as a number.
 */
function get_timespec64(user: ReturnType<SignalHost['user']>, addr: number): bigint | number {
  if (addr === 0) return -1n;
  const tb = user.copyFromUser(addr, 16);
  if (!tb) return -EFAULT;
  const v = new DataView(tb.buffer, tb.byteOffset, 16);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= NSEC_PER_SEC) return -EINVAL;
  return sec * NSEC_PER_SEC + nsec;
}

function sigtimedwait(cpu: Cpu, host: SignalHost, t: SigTask): number {
  if (regU(cpu, 13) !== SIGSET_SIZE) return -EINVAL;
  const user = host.user(cpu);
  const b = user.copyFromUser(regU(cpu, 10), SIGSET_SIZE);
  if (!b) return -EFAULT;
  const these = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) & ~UNBLOCKABLE;
  const uinfo = regU(cpu, 11);
  const uts = regU(cpu, 12);
  const timeoutNs = get_timespec64(user, uts);
  if (typeof timeoutNs === 'number') return timeoutNs;
  const ts = t.state.task(t.tid);
  const got = dequeueSignal(t, ts, ~these);
  if (got) {
    if (uinfo !== 0 && !user.copyToUser(uinfo, got.info.subarray(0, SIGINFO_SIZE))) return -EFAULT;
    return got.sig;
  }
  if (timeoutNs === 0n) return -EAGAIN;
  ts.realBlocked = ts.blocked;
  ts.blocked &= ~these;
  cpu.pc += 4;
  ts.sleep = { kind: 'timedwait', these, uinfo, interrupted: false };
  if (deliverable(t)) {
    ts.sleep.interrupted = true; // another signal is there already: -EINTR without sleeping
    return SIG_RESUMED;
  }
  const cycles = timeoutNs < 0n ? -1 : Number((timeoutNs * BigInt(host.clockHz) + NSEC_PER_SEC - 1n) / NSEC_PER_SEC);
  host.sleep(cpu, t, cycles);
  return SIG_RESUMED;
}


/**
 * ppoll(fds, 0, tmo_p, sigmask, sigsetsize): no descriptors, so only a signal or the timeout
 * ends it. The timeout is read (EFAULT, EINVAL), the mask set for the sleep (set_user_sigmask:
 * sigsetsize 8, EFAULT); a zero timeout returns 0 at once; a signal already deliverable,
 * -ERESTARTNOHAND at once; else the thread sleeps (deliver.ts finishes: 0 on timeout,
 * -ERESTARTNOHAND when a signal woke it, the time left written to tmo_p).
 */
function ppollNoFds(cpu: Cpu, host: SignalHost, t: SigTask): number {
  const user = host.user(cpu);
  const tmo = regU(cpu, 12);
  const maskAddr = regU(cpu, 13);
  const timeoutNs = get_timespec64(user, tmo);
  if (typeof timeoutNs === 'number') return timeoutNs;
  const ts = t.state.task(t.tid);
  if (maskAddr !== 0) {
    if (regU(cpu, 14) !== SIGSET_SIZE) return -EINVAL;
    const b = user.copyFromUser(maskAddr, SIGSET_SIZE);
    if (!b) return -EFAULT;
    ts.savedSigmask = ts.blocked;
    ts.blocked = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) & ~UNBLOCKABLE;
  }
  cpu.pc += 4;
  if (deliverable(t)) {
    cpu.xl[10] = -ERESTARTNOHAND;
    cpu.xh[10] = -1;
    return SIG_RESUMED;
  }
  cpu.xl[10] = 0;
  cpu.xh[10] = 0;
  if (timeoutNs === 0n) {
    if (ts.savedSigmask !== null) {
      ts.blocked = ts.savedSigmask;
      ts.savedSigmask = null;
    }
    return SIG_RESUMED;
  }
  const cycles = timeoutNs < 0n ? -1 : Number((timeoutNs * BigInt(host.clockHz) + NSEC_PER_SEC - 1n) / NSEC_PER_SEC);
  ts.sleep = { kind: 'ppoll', tmo, deadline: cycles < 0 ? Infinity : cpu.cycle + cycles, interrupted: false };
  host.sleep(cpu, t, cycles);
  return SIG_RESUMED;
}
