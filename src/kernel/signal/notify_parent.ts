// do_notify_parent: a process that ended sends its exit signal (SIGCHLD for fork; clone's
// CSIGNAL byte; none when 0) to its parent, with the child's pid, how it ended (CLD_EXITED
// and the exit code, CLD_KILLED or CLD_DUMPED and the signal) and its times in clock ticks.
// Not modelled: the automatic reaping Linux does when the parent's SIGCHLD is SIG_IGN or has
// SA_NOCLDWAIT (the child stays a zombie until wait4).

import type { Cpu } from '../cpu.ts';
import type { SignalHost, SigTask } from './host.ts';
import { sendSignal } from './send.ts';
import { chldInfo } from './siginfo.ts';
import { CLD_DUMPED, CLD_EXITED, CLD_KILLED } from './uapi.ts';

/** `status` is the wait status ((code << 8) | signal | 0x80 for a core dump). */
export function doNotifyParent(cpu: Cpu, host: SignalHost, child: SigTask, parent: SigTask, status: number, utimeTicks: number, stimeTicks: number): void {
  const sig = child.state.exitSignal;
  if (sig <= 0) return;
  const termsig = status & 0x7f;
  const code = termsig === 0 ? CLD_EXITED : (status & 0x80) !== 0 ? CLD_DUMPED : CLD_KILLED;
  const info = chldInfo(sig, code, child.pid, child.state.cred.uid, termsig === 0 ? (status >> 8) & 0xff : termsig, utimeTicks, stimeTicks);
  sendSignal(cpu, host, sig, info, parent, true);
}
