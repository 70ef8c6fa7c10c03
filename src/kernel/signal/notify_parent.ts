// do_notify_parent: a process that ended sends its exit signal (SIGCHLD for fork; clone's
// CSIGNAL byte; none when 0) to its parent, with the child's pid, how it ended (CLD_EXITED
// and the exit code, CLD_KILLED or CLD_DUMPED and the signal) and its times in clock ticks.
// A parent whose SIGCHLD action is SIG_IGN, or has SA_NOCLDWAIT, never waits: the child is
// reaped at once (the caller releases it; with SIG_IGN no signal is sent).

import type { Cpu } from '../cpu.ts';
import type { SignalHost, SigTask } from './host.ts';
import { sendSignal } from './send.ts';
import { chldInfo } from './siginfo.ts';
import { CLD_DUMPED, CLD_EXITED, CLD_KILLED, SA_NOCLDWAIT, SIG_IGN, SIGCHLD } from './uapi.ts';

/** `status` is the wait status ((code << 8) | signal | 0x80 for a core dump). Returns true when the child is to be reaped now (autoreap). */
export function doNotifyParent(cpu: Cpu, host: SignalHost, child: SigTask, parent: SigTask, status: number, utimeTicks: number, stimeTicks: number): boolean {
  let sig = child.state.exitSignal;
  let autoreap = false;
  const chld = parent.state.actions[SIGCHLD - 1]!;
  if (sig === SIGCHLD && (chld.handler === SIG_IGN || (chld.flags & SA_NOCLDWAIT) !== 0n)) {
    autoreap = true;
    if (chld.handler === SIG_IGN) sig = 0;
  }
  if (sig <= 0) return autoreap;
  const termsig = status & 0x7f;
  const code = termsig === 0 ? CLD_EXITED : (status & 0x80) !== 0 ? CLD_DUMPED : CLD_KILLED;
  const info = chldInfo(sig, code, child.pid, child.state.cred.uid, termsig === 0 ? (status >> 8) & 0xff : termsig, utimeTicks, stimeTicks);
  sendSignal(cpu, host, sig, info, parent, true);
  return autoreap;
}
