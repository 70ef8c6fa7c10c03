// The /proc view of --boot linux's one process (proc/base.ts KernelProcView): what the CLI's
// --proc PATH reads at the process's exit, through the same providers a guest's open/read
// will use. It reads page tables through the exiting core's physical path.

import type { PageAlloc } from './mm/page_alloc.ts';
import type { MmTable } from './mm/mm_struct.ts';
import type { PhysAccess } from './mm/phys_access.ts';
import { defaultProcessView, type ProcessView } from './proc/array.ts';
import type { KernelProcView } from './proc/base.ts';
import type { MapsFile } from './proc/maps.ts';

export interface OneProcess {
  pid: number;
  comm: string;
  m: number;
  pgd: number;
  minFlt: number;
  majFlt: number;
  /** The executable's path (the mapping of file id 1). */
  exe: string;
  /** With several processes: the parent, the state letter, switch counts and the reaped children's faults. */
  ppid?: number;
  state?: ProcessView['state'];
  voluntary?: number;
  involuntary?: number;
  cminFlt?: number;
  cmajFlt?: number;
  /** Page-table levels: 3 (Sv39, the default) or 4 (Sv48). */
  levels?: number;
  /** Threads in the group (/proc/PID/status Threads:). */
  threads?: number;
  /** The task's cpus_mask (Cpus_allowed) and the CPU it last ran on (stat's processor). */
  cpusAllowed?: number[];
  processor?: number;
  /** For a thread's view (/proc/PID/task/TID): the group's id, pid being the thread's. */
  tgid?: number;
  /** CPU time in user and in kernel mode (sched/cputime.ts's vtime): the group's, or the thread's. */
  utimeNs?: number;
  stimeNs?: number;
  /** The scheduler's record of the task (/proc/PID/sched). */
  sched?: ProcessView['sched'];
  /** The other VMA file ids (execve's images, mmap'ed files). */
  files?: (id: number) => MapsFile | undefined;
  /** /proc/PID/status's signal lines (LinuxProcessState.procView). */
  signals?: Pick<ProcessView, 'sigPending' | 'shdPending' | 'sigBlocked' | 'sigIgnored' | 'sigCaught' | 'sigQueued' | 'sigQueueLimit'>;
}

export function oneProcessView(alloc: PageAlloc, t: MmTable, phys: PhysAccess, cpus: number, p: OneProcess): KernelProcView {
  const exe: MapsFile = { major: 0, minor: 1, ino: 2, path: p.exe };
  return {
    pids: () => [p.pid],
    task: (pid: number): ProcessView | undefined => {
      if (pid !== p.pid) return undefined;
      const v = defaultProcessView({ pid: p.pid, ppid: p.ppid ?? 0, comm: p.comm, mm: p.m, pgd: p.pgd, ncpus: cpus, totalramPages: alloc.totalramPages() });
      return {
        ...v, minFlt: p.minFlt, majFlt: p.majFlt, state: p.state ?? v.state, cminFlt: p.cminFlt ?? 0, cmajFlt: p.cmajFlt ?? 0,
        voluntaryCtxtSwitches: p.voluntary ?? 0, nonvoluntaryCtxtSwitches: p.involuntary ?? 0, threads: p.threads ?? 1,
        cpusAllowed: p.cpusAllowed ?? v.cpusAllowed, processor: p.processor ?? v.processor,
        tgid: p.tgid ?? v.tgid, pgid: p.tgid ?? v.pgid, sid: p.tgid ?? v.sid, utimeNs: p.utimeNs ?? 0, stimeNs: p.stimeNs ?? 0, sched: p.sched,
        ...(p.signals ? {
          sigPending: p.signals.sigPending, shdPending: p.signals.shdPending, sigBlocked: p.signals.sigBlocked, sigIgnored: p.signals.sigIgnored,
          sigCaught: p.signals.sigCaught, sigQueued: p.signals.sigQueued, sigQueueLimit: p.signals.sigQueueLimit,
        } : {}),
      };
    },
    alloc,
    mmTable: t,
    phys,
    levels: p.levels ?? 3,
    nrCpuIds: cpus,
    fileInfo: (id: number) => (id === 1 ? exe : p.files?.(id)),
  };
}
