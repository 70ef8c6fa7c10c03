// What the signal code needs from the kernel that runs the tasks (linux.ts implements it):
// finding tasks by id, waking a sleeper, putting the current task to sleep, the user
// memory and address space of the current task, and the fatal end of a process. The
// signal code itself keeps no task table.

import type { Cpu } from '../cpu.ts';
import type { MmContext } from '../syscalls/mm.ts';
import type { LinuxProcessState } from '../syscalls/process_state.ts';
import type { UserAccess } from '../syscalls/task_context.ts';

/** A thread as the signal code sees it (the parts of task_struct it reads). */
export interface SigTask {
  readonly pid: number;
  readonly tid: number;
  /** Slot in the task table. */
  readonly task: number;
  readonly comm: string;
  /** sighand, signal (shared pending) and the per-thread TaskStates: shared by the thread group. */
  readonly state: LinuxProcessState;
  /** The thread group, leader first. */
  readonly group: readonly SigTask[];
}

export interface SignalHost {
  /** The task running on this core (undefined: the idle task). */
  current(cpu: Cpu): SigTask | undefined;
  /** find_task_by_vpid: a live thread with this tid. */
  thread(tid: number): SigTask | undefined;
  /** A process by tgid (its leader); `zombie` when it has exited and waits to be reaped. */
  process(pid: number): { leader: SigTask; zombie: boolean } | undefined;
  /** Every live process's leader (kill(-1), kill(0)). */
  processes(): SigTask[];
  /**
   * signal_wake_up for a sleep the kernel owns (futex wait, nanosleep, wait4): the sleeper is
   * made runnable and its syscall returns the restart code Linux's would (futex -ERESTARTSYS
   * or, timed, -ERESTART_RESTARTBLOCK; wait4 -ERESTARTSYS; nanosleep -ERESTART_RESTARTBLOCK
   * or, absolute, -ERESTARTNOHAND: `nanosleepRet`, which the caller picks). Returns the
   * nanosleep's time left in ns (-1: not in a nanosleep). A task not asleep is left alone.
   */
  interrupt(cpu: Cpu, t: SigTask, nanosleepRet: number): number;
  /**
   * kick_process: a task running on another core (task_curr) gets a reschedule IPI, so that core
   * enters the kernel at once and takes the signal on its way back to user mode.
   */
  kick(cpu: Cpu, t: SigTask): void;
  /** try_to_wake_up of a task in one of the signal code's own sleeps (cancelling its timer, if any). */
  wake(cpu: Cpu, t: SigTask): void;
  /** The current task sleeps (TASK_INTERRUPTIBLE) for `cycles` (-1: until woken); the core schedules away. */
  sleep(cpu: Cpu, t: SigTask, cycles: number): void;
  /** The parent process's leader (undefined for pid 1). */
  parent(t: SigTask): SigTask | undefined;
  /** The current task stops (TASK_STOPPED, off the run queue); the core schedules away. */
  stop(cpu: Cpu, t: SigTask): void;
  /** A stopped task runs again (SIGCONT, SIGKILL); any other is left alone. */
  resume(cpu: Cpu, t: SigTask): void;
  /** The current task's user memory (copies through this core's memory path). */
  user(cpu: Cpu): UserAccess;
  /** The current task's address space as this core reaches it (for the trampoline page). */
  mm(cpu: Cpu, t: SigTask): MmContext | undefined;
  /** The kernel's page-table traffic so far, charged to this core. */
  drain(cpu: Cpu): void;
  /**
   * A fatal signal's default action on the current task (do_group_exit): the process ends
   * with it, reported in one line saying `what`. Returns the trap result (TRAP_STOP when pid
   * 1 ends the machine, TRAP_RESUME once the core has scheduled away).
   */
  fatal(cpu: Cpu, sig: number, what: string): number;
  /** Cycles per second (nanosleep's time left, rt_sigtimedwait's timeout). */
  readonly clockHz: number;
}
