// The trap entry's part of the signal state (pt_regs' cause and orig_a0): whether the task
// entered the kernel by a syscall, and the arguments a restart or an interrupted sleep needs
// (orig_a0, which the result overwrites; nanosleep's rmtp in a1 or a3, clock_nanosleep's
// flags in a1). Cleared when the task goes back to user mode (deliver.ts).

import { regU, type Cpu } from '../cpu.ts';
import type { SigTask } from './host.ts';

export function trapEntry(cpu: Cpu, t: SigTask, syscall: boolean): void {
  const ts = t.state.task(t.tid);
  ts.inSyscall = syscall;
  if (!syscall) return;
  ts.sysNr = cpu.xl[17]!;
  ts.origA0Lo = cpu.xl[10]!;
  ts.origA0Hi = cpu.xh[10]!;
  ts.sysA1 = regU(cpu, 11);
  ts.sysA3 = regU(cpu, 13);
}
