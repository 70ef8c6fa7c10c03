// Job control (kernel/signal.c do_signal_stop, prepare_signal's SIGCONT): a stop signal whose
// action is the default stops every thread of the process (TASK_STOPPED: off the run queue,
// a sleeper interrupted first so it stops on its way out) and tells the parent (SIGCHLD,
// CLD_STOPPED, unless its SIGCHLD has SA_NOCLDSTOP); SIGCONT — at the moment it is sent,
// whatever its action — resumes them all and tells the parent (CLD_CONTINUED); SIGKILL
// resumes them to die. An interrupted syscall restarts after SIGCONT (no handler ran).
// Not modelled: wait4's WUNTRACED and WCONTINUED reports, orphaned process groups (a SIGTSTP
// there is not discarded).

import type { Cpu } from '../cpu.ts';
import type { SignalHost, SigTask } from './host.ts';
import { chldInfo } from './siginfo.ts';
import { CLD_CONTINUED, CLD_STOPPED, SA_NOCLDSTOP, SIG_IGN, SIGCHLD, SIGCONT } from './uapi.ts';

/** do_notify_parent_cldstop: CLD_STOPPED or CLD_CONTINUED with the signal, unless the parent asked not to hear. */
function notifyParentCldstop(cpu: Cpu, host: SignalHost, t: SigTask, code: number, sig: number, send: typeof import('./send.ts').sendSignal): void {
  const parent = host.parent(t);
  if (!parent) return;
  const a = parent.state.actions[SIGCHLD - 1]!;
  if (a.handler === SIG_IGN || (a.flags & SA_NOCLDSTOP) !== 0n) return;
  send(cpu, host, SIGCHLD, chldInfo(SIGCHLD, code, t.pid, t.state.cred.uid, sig, 0, 0), parent, true);
}

/**
 * do_signal_stop for the current thread t: the first thread to stop starts the group stop
 * (the parent is told, the other threads are woken to stop in turn); t stops.
 */
export function doSignalStop(cpu: Cpu, host: SignalHost, t: SigTask, sig: number, wakeUp: (cpu: Cpu, host: SignalHost, t: SigTask) => void, send: typeof import('./send.ts').sendSignal): void {
  const ps = t.state;
  if (ps.groupStop === 0 && sig !== 0) {
    ps.groupStop = sig;
    notifyParentCldstop(cpu, host, t, CLD_STOPPED, sig, send);
    for (const th of t.group) if (th !== t) wakeUp(cpu, host, th);
  }
  host.stop(cpu, t);
}

/** SIGCONT (or SIGKILL) sent to a stopped process: every thread runs again; SIGCONT tells the parent. */
export function endGroupStop(cpu: Cpu, host: SignalHost, t: SigTask, sig: number, send: typeof import('./send.ts').sendSignal): void {
  const ps = t.state;
  if (ps.groupStop === 0) return;
  ps.groupStop = 0;
  for (const th of t.group) host.resume(cpu, th);
  if (sig === SIGCONT) notifyParentCldstop(cpu, host, t, CLD_CONTINUED, SIGCONT, send);
}
