// Delivery on the way back to user mode (kernel/signal.c get_signal, arch/riscv/kernel/
// signal.c do_signal / handle_signal), run after every trap and after the timer tick, for
// the task that is about to run in user mode on this core:
//   1. a sleep of the signal code is finished (rt_sigtimedwait's answer, ppoll's, nanosleep's rmtp);
//   2. the next signal is taken — the thread's own pending set before the process's, faults
//      first, then the lowest number — that the thread does not block;
//   3. SIG_IGN, or a default action of "ignore" (SIGCHLD, SIGCONT, SIGURG, SIGWINCH): dropped.
//      A stop signal's default stops the process (stop.ts). Any other default action ends the
//      process (the kernel's fatal path: its report, the 128+signal status). A handler:
//      a syscall that was interrupted gets -EINTR or is restarted (SA_RESTART), the
//      rt_sigframe goes on the stack, the handler's mask is added, SA_RESETHAND resets it;
//   4. with no signal left, an interrupted syscall is restarted and rt_sigsuspend's saved
//      mask put back.
// A -ERESTART_RESTARTBLOCK call restarted without a handler (a rare race: the handler became
// SIG_IGN between the wake-up and the delivery) runs again from its original arguments,
// where Linux's restart_syscall continues it (a nanosleep sleeps its whole time again).

import { TRAP_RESUME, type Cpu } from '../cpu.ts';
import { EFAULT, EINTR, EAGAIN } from '../syscalls/numbers.ts';
import type { TaskState } from '../syscalls/process_state.ts';
import type { SignalHost, SigTask } from './host.ts';
import { restoreRtFrame, setupRtFrame } from './rt_sigframe.ts';
import { kernelInfo, siCode, siPid, SIGINFO_SIZE, type KSiginfo } from './siginfo.ts';
import { sigreturnTrampoline } from './trampoline.ts';
import { sendSignal, signalWakeUp } from './send.ts';
import { doSignalStop } from './stop.ts';
import {
  ERESTART_RESTARTBLOCK, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, SA_NODEFER, SA_RESETHAND, SA_RESTART, SI_KERNEL, SI_QUEUE,
  SI_TKILL, SI_USER, SIG_DFL, SIG_IGN, sigKernelIgnore, sigKernelStop, sigmask, signame, SIGPIPE, SIGSEGV, UNBLOCKABLE,
} from './uapi.ts';

/** At most this many signals are delivered on one return to user mode (each nests a frame). */
const MAX_PER_RETURN = 64;

/**
 * exit_to_user_mode's signal work for `current`, the task current on `cpu`. Returns the trap result:
 * TRAP_RESUME, or what the fatal path returned when a signal ended the machine's pid 1.
 */
export function exitToUserMode(cpu: Cpu, host: SignalHost, current: SigTask): number {
  let t: SigTask | undefined = current;
  for (let n = 0; t && n < MAX_PER_RETURN; n++) {
    const ps = t.state;
    const ts = ps.task(t.tid);
    if (ts.sleep) finishSleep(cpu, host, t, ts);
    if (ps.groupStop !== 0) {
      // A group stop in force: this thread stops too (its interrupted call restarts after SIGCONT).
      doSignalStop(cpu, host, t, 0, signalWakeUp, sendSignal);
      t = host.current(cpu);
      continue;
    }
    if (ts.pending.signal === 0n && ps.shared.signal === 0n) {
      // The common case: nothing pending (an interrupted call whose signal another thread took is restarted).
      if (ts.inSyscall) restartWithoutHandler(cpu, ts);
      return TRAP_RESUME;
    }
    const got = dequeueSignal(t, ts, ts.blocked);
    if (!got) {
      restartWithoutHandler(cpu, ts);
      return TRAP_RESUME;
    }
    const { sig, info } = got;
    const ka = ps.actions[sig - 1]!;
    if (ka.handler === SIG_IGN) continue;
    if (ka.handler === SIG_DFL) {
      if (sigKernelIgnore(sig)) continue;
      if (sigKernelStop(sig)) {
        doSignalStop(cpu, host, t, sig, signalWakeUp, sendSignal);
        t = host.current(cpu);
        continue;
      }
      const r = host.fatal(cpu, sig, describe(sig, info));
      if (r !== TRAP_RESUME) return r;
      t = host.current(cpu); // the process is gone; the core runs another task (or idles)
      continue;
    }
    const action = { ...ka };
    if ((ka.flags & SA_RESETHAND) !== 0n) ka.handler = SIG_DFL;
    if (!handleSignal(cpu, host, t, ts, sig, info, action)) forceSigsegv(t, ts, sig);
    host.drain(cpu);
  }
  return TRAP_RESUME;
}

/** dequeue_signal: the thread's pending set first, then the process's; null when nothing outside `blocked` is pending. */
export function dequeueSignal(t: SigTask, ts: TaskState, blocked: bigint): { sig: number; info: KSiginfo } | null {
  let sig = ts.pending.next(blocked);
  if (sig !== 0) return { sig, info: ts.pending.collect(sig) };
  sig = t.state.shared.next(blocked);
  if (sig !== 0) return { sig, info: t.state.shared.collect(sig) };
  return null;
}

/** The interrupted syscall's a0, when the thread comes back from one: an -ERESTART* code, else 0. */
function restartCode(cpu: Cpu, ts: TaskState): number {
  if (!ts.inSyscall || cpu.xh[10] !== -1) return 0;
  const a0 = -cpu.xl[10]!;
  return a0 === ERESTARTSYS || a0 === ERESTARTNOINTR || a0 === ERESTARTNOHAND || a0 === ERESTART_RESTARTBLOCK ? a0 : 0;
}

/** The ecall runs again with its original a0 (regs->a0 = orig_a0; epc -= 4). */
function restartSyscall(cpu: Cpu, ts: TaskState): void {
  cpu.xl[10] = ts.origA0Lo;
  cpu.xh[10] = ts.origA0Hi;
  cpu.pc -= 4;
}

/** do_signal without a handler to run: restart an interrupted call, put a saved mask back. */
function restartWithoutHandler(cpu: Cpu, ts: TaskState): void {
  if (restartCode(cpu, ts) !== 0) restartSyscall(cpu, ts);
  ts.inSyscall = false;
  if (ts.savedSigmask !== null) {
    ts.blocked = ts.savedSigmask;
    ts.savedSigmask = null;
  }
}

/**
 * handle_signal: the syscall restart rules, then the frame and the handler's mask
 * (signal_delivered). False when the frame could not be set up.
 */
function handleSignal(cpu: Cpu, host: SignalHost, t: SigTask, ts: TaskState, sig: number, info: KSiginfo, ka: { handler: bigint; flags: bigint; mask: bigint }): boolean {
  switch (restartCode(cpu, ts)) {
    case ERESTART_RESTARTBLOCK:
    case ERESTARTNOHAND:
      setA0(cpu, -EINTR);
      break;
    case ERESTARTSYS:
      if ((ka.flags & SA_RESTART) === 0n) {
        setA0(cpu, -EINTR);
        break;
      }
      restartSyscall(cpu, ts);
      break;
    case ERESTARTNOINTR:
      restartSyscall(cpu, ts);
      break;
  }
  ts.inSyscall = false;
  const user = host.user(cpu);
  const mm = host.mm(cpu, t);
  const tramp = t.state.sigreturnTrampoline || (mm ? sigreturnTrampoline(t.state, mm, user) : -EFAULT);
  const oldset = ts.savedSigmask ?? ts.blocked;
  if (tramp <= 0 || !setupRtFrame(cpu, user, ts, sig, info, ka, oldset, tramp)) return false;
  ts.savedSigmask = null;
  let blocked = ts.blocked | ka.mask;
  if ((ka.flags & SA_NODEFER) === 0n) blocked |= sigmask(sig);
  ts.blocked = blocked & ~UNBLOCKABLE;
  return true;
}

/** force_sigsegv: a frame that could not be written; a SIGSEGV handler is reset first so the next try kills. */
function forceSigsegv(t: SigTask, ts: TaskState, sig: number): void {
  const a = t.state.actions[SIGSEGV - 1]!;
  // force_sig_info_to_task: a blocked or ignored SIGSEGV is reset to the default and unblocked.
  if (sig === SIGSEGV || a.handler === SIG_IGN || (ts.blocked & sigmask(SIGSEGV)) !== 0n) a.handler = SIG_DFL;
  ts.blocked &= ~sigmask(SIGSEGV);
  if (!ts.pending.isLegacyPending(SIGSEGV)) ts.pending.add(SIGSEGV, kernelInfo(SIGSEGV));
}

/** rt_sigreturn: the frame at sp back into the registers; a bad frame forces SIGSEGV. */
export function rtSigreturn(cpu: Cpu, host: SignalHost, t: SigTask): void {
  const ts = t.state.task(t.tid);
  if (!restoreRtFrame(cpu, host.user(cpu), ts)) forceSigsegv(t, ts, 0);
  ts.inSyscall = false; // never restarted again (regs->cause = -1)
}

function setA0(cpu: Cpu, v: number): void {
  cpu.xl[10] = v | 0;
  cpu.xh[10] = v < 0 ? -1 : 0;
}

/** The end of a sleep of the signal code, or of an interrupted nanosleep, as the task runs again. */
function finishSleep(cpu: Cpu, host: SignalHost, t: SigTask, ts: TaskState): void {
  const s = ts.sleep!;
  ts.sleep = null;
  if (s.kind === 'timedwait') {
    ts.blocked = ts.realBlocked;
    ts.realBlocked = 0n;
    const got = dequeueSignal(t, ts, ~s.these);
    if (!got) {
      setA0(cpu, s.interrupted ? -EINTR : -EAGAIN);
      return;
    }
    setA0(cpu, got.sig);
    if (s.uinfo !== 0 && !host.user(cpu).copyToUser(s.uinfo, got.info.subarray(0, SIGINFO_SIZE))) setA0(cpu, -EFAULT);
  } else if (s.kind === 'ppoll') {
    // poll_select_finish: interrupted, -ERESTARTNOHAND (the handler makes it -EINTR, the saved
    // mask stays for sigreturn); timed out, 0 and the mask back. The time left goes to tmo_p.
    if (s.interrupted) setA0(cpu, -ERESTARTNOHAND);
    else if (ts.savedSigmask !== null) {
      ts.blocked = ts.savedSigmask;
      ts.savedSigmask = null;
    }
    if (s.tmo !== 0) {
      const leftNs = BigInt(Math.max(0, Math.ceil(((s.deadline - cpu.cycle) * 1e9) / host.clockHz)));
      const b = new Uint8Array(16);
      const v = new DataView(b.buffer);
      v.setBigInt64(0, leftNs / 1_000_000_000n, true);
      v.setBigInt64(8, leftNs % 1_000_000_000n, true);
      if (!host.user(cpu).copyToUser(s.tmo, b) && s.interrupted) setA0(cpu, -EINTR); // sticky: cannot be restarted
    }
  } else if (s.kind === 'nanosleep') {
    // nanosleep_copyout: the time left, or -EFAULT when rmtp is bad.
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setBigInt64(0, s.remainingNs / 1_000_000_000n, true);
    v.setBigInt64(8, s.remainingNs % 1_000_000_000n, true);
    if (!host.user(cpu).copyToUser(s.rmtp, b)) setA0(cpu, -EFAULT);
  }
}

/** The report's reason for a signal's fatal default action: who sent it. */
function describe(sig: number, info: KSiginfo): string {
  const code = siCode(info);
  const pid = siPid(info);
  switch (code) {
    case SI_USER:
      // send_sig's SIGPIPE looks like the writer's own kill().
      if (sig === SIGPIPE) return `a write to a pipe with no reader (or kill() from pid ${pid})`;
      return pid > 0 ? `sent by kill() from pid ${pid}` : 'sent by the kernel';
    case SI_TKILL: return `sent by tgkill() from pid ${pid}`;
    case SI_QUEUE: return `sent by sigqueue() from pid ${pid}`;
    case SI_KERNEL: return 'sent by the kernel';
    default: return `${signame(sig)} with si_code ${code}`;
  }
}
