// The syscall groups of one `--boot linux` process, in the order the trap
// handler asks them (after its own mm, exit and process calls): the first
// answer other than NOT_MINE is the result; no answer at all is -ENOSYS.
// File calls come first because they are the most frequent.
//
// Per process the caller keeps: the FileSyscalls (fd table, cwd), the
// LinuxProcessState (creds, rlimits, signal actions, per-thread state) and
// this list. fork: fs.fork(childPid, false) and state.fork(parentTid,
// childTid), then linuxSyscallGroups again for the child.

import type { FileSyscalls } from '../fs/syscalls.ts';
import { fileCalls } from './file_calls.ts';
import { identityCalls } from './identity.ts';
import { LinuxProcessState } from './process_state.ts';
import { RandomPool, randomCalls } from './random.ts';
import { resourceCalls } from './resource.ts';
import type { SchedCalls } from './sched.ts';
import { signalCalls } from './signal.ts';
import { sysInfoCalls, type SysinfoSource, type Utsname } from './sys_info.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import { timeCalls } from './time.ts';

export interface LinuxSyscallOptions {
  fs: FileSyscalls;
  state: LinuxProcessState;
  /** The console behind fds 0-2 (a QueuedConsole): its `core` is stamped per call. */
  console?: { core: number };
  clockHz: number;
  /** CLOCK_REALTIME at boot, ns since the epoch. */
  bootEpochNs: bigint;
  /** CONFIG_HZ for the COARSE clocks and times() (default 250). */
  hz?: number;
  /** getrandom's stream (one per machine run, from the run's seed). */
  random: RandomPool;
  /** sysinfo's memory and thread figures, read at each call. */
  sysinfo: () => SysinfoSource;
  uts?: Partial<Utsname>;
  /** TASK_SIZE for access_ok: 2^38 with Sv39 (the default), 2^47 with Sv48. */
  taskSize?: number;
  /** CPU time of the caller in cycles (default: its core's cycle counter). */
  cpuCycles?: (t: SyscallTask, thread: boolean) => number;
  /** The scheduling syscalls (syscalls/sched.ts); they also give the CPU-time clocks and times() their numbers. */
  sched?: SchedCalls;
  /** nanosleep's sleep (time.ts TimeOptions.sleep); default: the core's clock jumps. */
  sleep?: (t: SyscallTask, cycles: number) => number;
}

export function linuxSyscallGroups(o: LinuxSyscallOptions): SyscallGroup[] {
  const ps = o.state;
  return [
    fileCalls(o.fs, { console: o.console, taskSize: o.taskSize, cred: () => ({ uid: ps.cred.uid, gid: ps.cred.gid }) }),
    identityCalls(ps),
    timeCalls({ clockHz: o.clockHz, bootEpochNs: o.bootEpochNs, hz: o.hz, cpuCycles: o.cpuCycles, cpuNs: o.sched?.cpuNs, tms: o.sched?.tms, sleep: o.sleep }),
    signalCalls(ps),
    resourceCalls(ps, { onNofile: (n) => o.fs.files.setLimit(n) }),
    randomCalls(o.random, o.taskSize),
    sysInfoCalls({ clockHz: o.clockHz, sysinfo: o.sysinfo, uts: o.uts }),
    ...(o.sched ? [o.sched.group] : []),
  ];
}

/** Asks each group in turn: the result, or NOT_MINE when no group owns nr (the caller's -ENOSYS). */
export function dispatchSyscall(groups: readonly SyscallGroup[], t: SyscallTask, nr: number): number {
  for (const g of groups) {
    const r = g(t, nr);
    if (r !== NOT_MINE) return r;
  }
  return NOT_MINE;
}

export { LinuxProcessState };
