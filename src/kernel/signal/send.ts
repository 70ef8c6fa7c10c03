// Sending a signal (kernel/signal.c): prepare_signal (SIGCONT and the stop signals cancel
// each other; an ignored signal is dropped), __send_signal (onto the thread's or the thread
// group's pending set), complete_signal (which thread takes it) and signal_wake_up (that
// thread, if asleep interruptibly, is woken: its syscall returns a restart code).
//
// Stop signals and SIGCONT: stop.ts.

import { EAGAIN } from '../syscalls/numbers.ts';
import { RLIMIT_SIGPENDING } from '../syscalls/process_state.ts';
import type { Cpu } from '../cpu.ts';
import type { SignalHost, SigTask } from './host.ts';
import { faultInfo, killInfo, siCode, type KSiginfo } from './siginfo.ts';
import { endGroupStop } from './stop.ts';
import {
  ERESTART_RESTARTBLOCK, ERESTARTNOHAND, NSIG, SI_USER, SIG_DFL, SIG_IGN, SIGCONT, SIGKILL, sigKernelCoredump, sigKernelIgnore, sigKernelStop, sigmask, SIGPIPE,
  SIGRTMIN, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
} from './uapi.ts';

const STOP_MASK = sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU);
const SYS_clock_nanosleep = 115;
const TIMER_ABSTIME = 1;

/** sig_ignored for thread t: never while blocked (the handler may change before it is unblocked). */
export function sigIgnored(t: SigTask, sig: number): boolean {
  const ts = t.state.task(t.tid);
  if (((ts.blocked | ts.realBlocked) & sigmask(sig)) !== 0n) return false;
  const h = t.state.actions[sig - 1]!.handler;
  return h === SIG_IGN || (h === SIG_DFL && sigKernelIgnore(sig));
}

/**
 * send_signal to thread t (group: onto its process's shared pending set instead). Returns 0,
 * or -EAGAIN when a real-time signal from sigqueue finds RLIMIT_SIGPENDING reached.
 */
export function sendSignal(cpu: Cpu, host: SignalHost, sig: number, info: KSiginfo, t: SigTask, group: boolean): number {
  const ps = t.state;
  // prepare_signal: a stop signal cancels a pending SIGCONT; SIGCONT cancels pending stops and
  // ends a group stop, SIGKILL too (whatever their actions).
  if (sigKernelStop(sig)) flushGroup(t, sigmask(SIGCONT));
  else if (sig === SIGCONT || sig === SIGKILL) {
    if (sig === SIGCONT) flushGroup(t, STOP_MASK);
    endGroupStop(cpu, host, t, sig, sendSignal);
  }
  if (sigIgnored(t, sig)) return 0;
  const pending = group ? ps.shared : ps.task(t.tid).pending;
  if (pending.isLegacyPending(sig)) return 0;
  let withInfo: KSiginfo | null = info;
  if (sig >= SIGRTMIN) {
    let queued = ps.shared.queued;
    for (const th of t.group) queued += ps.task(th.tid).pending.queued;
    if (queued >= Number(ps.rlimits[RLIMIT_SIGPENDING]!.cur)) {
      // __sigqueue_alloc fails: kill() and the kernel still set the bit (override_rlimit), sigqueue gets EAGAIN.
      if (siCode(info) < 0) return -EAGAIN;
      withInfo = null;
    }
  }
  pending.add(sig, withInfo);
  completeSignal(cpu, host, sig, t, group);
  return 0;
}

function flushGroup(t: SigTask, mask: bigint): void {
  t.state.shared.flush(mask);
  for (const th of t.group) t.state.task(th.tid).pending.flush(mask);
}

/** wants_signal, simplified: the thread does not block it (SIGKILL: always). */
function wantsSignal(sig: number, t: SigTask): boolean {
  return sig === SIGKILL || (t.state.task(t.tid).blocked & sigmask(sig)) === 0n;
}

/**
 * complete_signal: the thread that will take the signal — t itself if it does not block it,
 * else (a group signal) another thread of the group that does not — is woken. None: it stays
 * pending until one unblocks it.
 */
function completeSignal(cpu: Cpu, host: SignalHost, sig: number, t: SigTask, group: boolean): void {
  let target: SigTask | undefined = wantsSignal(sig, t) ? t : undefined;
  if (!target && group) target = t.group.find((th) => wantsSignal(sig, th));
  if (target) signalWakeUp(cpu, host, target);
}

/**
 * signal_wake_up: a thread asleep interruptibly runs again. In a sleep of the signal code
 * (rt_sigsuspend, rt_sigtimedwait, ppoll without fds) it is woken and finishes the call itself; in one of the
 * kernel's (futex, nanosleep, wait4) the kernel makes its syscall return a restart code; a
 * relative nanosleep also leaves the time left to write to rmtp. A thread not asleep and
 * running on another core is kicked (kick_process): without the IPI it would take the signal
 * only at that core's next trap or tick.
 */
export function signalWakeUp(cpu: Cpu, host: SignalHost, t: SigTask): void {
  const ts = t.state.task(t.tid);
  const s = ts.sleep;
  if (s && s.kind !== 'nanosleep') {
    if (s.kind === 'timedwait' || s.kind === 'ppoll') s.interrupted = true;
    host.wake(cpu, t);
    return;
  }
  const left = host.interrupt(cpu, t, nanosleepRestart(t));
  if (left >= 0) nanosleepInterrupted(t, left);
  host.kick(cpu, t); // a task just woken is current nowhere: nothing sent
}

/** What an interrupted nanosleep returns: -ERESTART_RESTARTBLOCK, or -ERESTARTNOHAND for an absolute clock_nanosleep. */
export function nanosleepRestart(t: SigTask): number {
  const ts = t.state.task(t.tid);
  return ts.sysNr === SYS_clock_nanosleep && (ts.sysA1 & TIMER_ABSTIME) !== 0 ? -ERESTARTNOHAND : -ERESTART_RESTARTBLOCK;
}

/** A relative nanosleep cut short with `leftNs` to go: rmtp gets it when the task runs (deliver.ts). */
export function nanosleepInterrupted(t: SigTask, leftNs: number): void {
  const ts = t.state.task(t.tid);
  if (nanosleepRestart(t) === -ERESTARTNOHAND) return;
  const rmtp = ts.sysNr === SYS_clock_nanosleep ? ts.sysA3 : ts.sysA1;
  if (rmtp !== 0) ts.sleep = { kind: 'nanosleep', rmtp, remainingNs: BigInt(Math.max(0, Math.ceil(leftNs))) };
}

/**
 * signal_pending_state for an interruptible sleep about to start: a signal the thread would
 * take now (or SIGKILL, or a group stop) means it must not sleep — Linux's __schedule leaves
 * it running and the sleeping call returns its restart code at once.
 */
export function signalPending(t: SigTask): boolean {
  const ts = t.state.task(t.tid);
  const ps = t.state;
  if (ps.groupStop !== 0) return true;
  if (ts.pending.signal === 0n && ps.shared.signal === 0n) return false;
  return ((ts.pending.signal | ps.shared.signal) & ~ts.blocked) !== 0n;
}

/**
 * fatal_signal_pending for a TASK_KILLABLE sleep (vfork's wait for its child): SIGKILL, or a
 * signal complete_signal would turn into one — pending, not blocked, SIG_DFL, and its default
 * kills without a core dump (sig_fatal).
 */
export function fatalSignalPending(t: SigTask): boolean {
  const ts = t.state.task(t.tid);
  const pending = ts.pending.signal | t.state.shared.signal;
  if ((pending & sigmask(SIGKILL)) !== 0n) return true;
  const take = pending & ~ts.blocked;
  if (take === 0n) return false;
  for (let sig = 1; sig <= NSIG; sig++) {
    if ((take & sigmask(sig)) === 0n) continue;
    if (t.state.actions[sig - 1]!.handler === SIG_DFL && !sigKernelIgnore(sig) && !sigKernelStop(sig) && !sigKernelCoredump(sig)) return true;
  }
  return false;
}

/**
 * force_sig_fault when the thread has a handler for sig that it does not block: the fault's
 * info is queued on the thread and the handler runs on the way back to user mode (true).
 * Otherwise false: the caller's default action ends the process (Linux resets a blocked or
 * ignored action to SIG_DFL and kills, which comes to the same).
 */
export function forceSigFault(t: SigTask, sig: number, code: number, addr: number): boolean {
  const ts = t.state.task(t.tid);
  const h = t.state.actions[sig - 1]!.handler;
  if (h === SIG_DFL || h === SIG_IGN || (ts.blocked & sigmask(sig)) !== 0n) return false;
  if (!ts.pending.isLegacyPending(sig)) ts.pending.add(sig, faultInfo(sig, code, addr));
  return true;
}

/** pipe_write with no reader left: send_sig(SIGPIPE, current) (SI_USER from the writer itself); the write still returns -EPIPE. */
export function sendSigpipe(cpu: Cpu, host: SignalHost, t: SigTask): void {
  sendSignal(cpu, host, SIGPIPE, killInfo(SIGPIPE, SI_USER, t.pid, t.state.cred.uid), t, false);
}
