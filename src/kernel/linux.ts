// The kernel of `--boot linux`, as seen by the worker that hosts core 0: one process
// (pid 1, as the first user process of a Linux boot) exec'd from the program at start,
// running on core 0. It is the trap entry of every core this worker hosts: syscalls
// (memory ones here, then the syscall groups), page faults (mm/memory.ts), and the
// exceptions that end the process with a signal, reported in one line. Its shared state
// (page array, zones, VMAs, mm table) lives in SharedArrayBuffers; the process record and
// its syscall groups are objects of this worker.

import { CORE_EXITED, CORE_EXIT_CODE, CORE_STATE, ControlBlock, STOP_EXIT_GROUP, STOP_SIGNAL, coreWord, type QuantumClock } from '../../shared/control.ts';
import { parseElf, phdrVaddr, type ElfImage } from '../loader/elf.ts';
import { SymbolTable } from '../loader/symbols.ts';
import { regS, regU, setReg, TRAP_IDLE, TRAP_RESUME, TRAP_STOP, type Cpu, type TrapHandler } from './cpu.ts';
import { ExecError, riscvHwcap, seededRandomBytes } from './exec/binfmt_elf.ts';
import { readFileSync } from 'node:fs';
import { loadElfBinary } from './exec/load_elf_binary.ts';
import {
  CAUSE_BREAKPOINT, CAUSE_ECALL_U, CAUSE_FETCH_PAGE, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_LOAD_PAGE, CAUSE_MISALIGNED_FETCH,
  CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE, CAUSE_NAMES, CAUSE_STORE_PAGE,
} from './fault.ts';
import type { FaultInfo, OutputChunk } from './kernel.ts';
import { applyMmChanges, exitMmap } from './mm/mm_changes.ts';
import { F_BRK, F_START_BRK, MmTable, TASK_SIZE_SV39, TASK_SIZE_SV48 } from './mm/mm_struct.ts';
import { FAULT_FLAG_INSTRUCTION, FAULT_FLAG_WRITE, handleMmFault, VM_FAULT_OK, VM_FAULT_OOM, VM_FAULT_SIGBUS, type FaultCounts, type FilePages } from './mm/memory.ts';
import { PageAlloc, type MmBuffers } from './mm/page_alloc.ts';
import { MmuGather, PageTables } from './mm/pgtable.ts';
import { ShmemCache, ShmemInodes } from './mm/shmem.ts';
import type { CpuMmu } from './mm/tlbflush.ts';
import { AsidAllocator, allocAsidBuffer } from './mm/context.ts';
import { MmTlbFlush } from './mm/tlb_shootdown.ts';
import { ProcessUserAccess } from './mm/uaccess.ts';
import { readProcPath } from './proc/base.ts';
import { oneProcessView } from './proc_view.ts';
import type { MapsFile } from './proc/maps.ts';
import { emulateMisaligned, EMU_FAULT, EMU_OK } from './traps_misaligned.ts';
import { vmEvent } from './mm/vmstat.ts';
import { PAGE_SIZE, VM_EXEC, VM_GROWSDOWN, VM_MAYSHARE, VM_READ, VM_SHARED, VM_WRITE, VmaPool } from './mm/vma.ts';
import { GuestRoot } from './fs/namei.ts';
import { PseudoFs, registerCpuFiles } from './fs/procfs.ts';
import { FileSyscalls } from './fs/syscalls.ts';
import { pipeWakeups, takeWouldBlock, WOULD_BLOCK, type PipeInode } from './fs/pipe.ts';
import { PipeFile } from './fs/file.ts';
import { O_NONBLOCK } from './fs/uapi.ts';
import { registerProcFiles } from './proc/base.ts';
import { taskSchedView } from './proc/sched.ts';
import { QueuedConsole } from './syscalls/console.ts';
import { RandomPool } from './syscalls/random.ts';
import { LinuxProcessState, linuxSyscallGroups } from './syscalls/registry.ts';
import { mmSyscall, SYS_mmap, SYS_mremap, SYS_munmap, type MmContext } from './syscalls/mm.ts';
import { dup_mm } from './fork/dup_mmap.ts';
import { MappedFiles } from './mm/filemap.ts';
import {
  allocFutexBuffer, FUTEX_OP_ADD, FUTEX_OP_ANDN, FUTEX_OP_OR, FUTEX_OP_SET, FUTEX_PRIO_NORMAL, FUTEX_SLEEP, futex_clear_child_tid, futex_hashsize,
  futex_interrupt, futex_task_exit, futex_timeout, futex_wait_clock, futex_wait_deadline, futex_wait_pending, futex_wait_result, futex_wait_seq,
  FutexHash, futexUserFromAccess, KEY_BY_MM, sys_futex_cpu, UACCESS_FAULT,
} from './futex/index.ts';
import { pte_pfn } from './mm/pgtable_bits.ts';
import {
  __schedule, check_preempt_curr, dequeue_task, do_sched_yield, enqueue_task, init_idle, move_queued_task, sched_fork, sched_init, sched_task_init,
  sched_rq_online, set_cpus_allowed, set_task_cpu, try_to_wake_up, update_rq_clock, wake_up_new_task, SM_MIGRATE, SM_PREEMPT, SM_SLEEP, SM_YIELD,
} from './sched/core.ts';
import { cpumask_list, cpumask_of, cpumask_test, set_task_cpumask, task_allowed_on_cpu, task_cpumask } from './sched/cpumask.ts';
import {
  DEQUEUE_SLEEP, double_rq_lock, double_rq_unlock, ENQUEUE_MOVE, R_IDLE, R_NR_RUNNING, rq_lock, rq_unlock, Sched, T_CPU, T_FLAGS, T_ON_RQ, T_NR_INVOLUNTARY, T_NR_SWITCHES,
  T_NR_VOLUNTARY, test_need_resched,
} from './sched/sched.ts';
import { PERCPU_ORDER, RqLocks, type KernelSymbol, type RqLockStats } from './sched/rq_lock.ts';
import { GFP_KERNEL } from './mm/page_alloc.ts';
import { select_task_rq_fork, select_task_rq_wake } from './sched/select_rq.ts';
import { newidle_balance, rebalance_domains } from './sched/fair_balance.ts';
import {
  D_CLEAR_CHILD_TID, D_PC, D_PGD, EXIT_ZOMBIE, TASK_INTERRUPTIBLE, TASK_RUNNING, TaskRegs, W_EXIT_CODE, W_MM, W_PARENT, W_STATE, W_TGID, W_TID,
  type FpContext,
} from './sched/task_regs.ts';
import { ENOSYS, EPIPE, SYS_write, SYS_writev } from './syscalls/numbers.ts';
import { encodeRusage, schedCalls, type SchedCalls } from './syscalls/sched.ts';
import { task_times, ThreadGroupTimes, utimeOf, vtime_user_enter, vtime_user_exit } from './sched/cputime.ts';
import { sched_timer_next } from './sched/core.ts';
import { task_dead_dl } from './sched/deadline.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './syscalls/task_context.ts';
import {
  BUS_ADRALN, BUS_ADRERR, doNotifyParent, fatalSignalPending, nanosleepInterrupted, nanosleepRestart, signalPending, ERESTART_RESTARTBLOCK, ERESTARTSYS, exitToUserMode, forceSigFault, ILL_ILLOPC, SEGV_ACCERR, SEGV_MAPERR,
  SIG_RESUMED, sendSigpipe, signalSyscall, signame, SYS_kill, SYS_ppoll, SYS_rt_sigreturn, SYS_rt_tgsigqueueinfo, trapEntry, TRAP_BRKPT, type SignalHost,
} from './signal/index.ts';
import { DEFAULT_HZ, nsec_to_clock_t } from './time/tick.ts';
import { allocLinuxIrq, IrqEntry, type IrqStats, type LinuxIrqBoot } from './irq/entry.ts';

/** Cycles charged for a syscall's entry and exit, and for a page fault's (trap, save/restore, sret). */
export const SYSCALL_COST = 100;
export const FAULT_COST = 100;

const SYS_exit = 93;
const SYS_exit_group = 94;

export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGBUS = 7;
export const SIGKILL = 9;
export const SIGSEGV = 11;

/** The shared buffers of the Linux kernel (the region map's `mm` and `linux` regions). */
export interface LinuxBuffers {
  vmaPool: SharedArrayBuffer;
  mmTable: SharedArrayBuffer;
  /** The interrupt and time side's buffers, NIC and --top (irq/entry.ts); absent: this kernel allocates its own. */
  irq?: LinuxIrqBoot;
}

/** What the first process is: the program and what it is given. */
export interface LinuxExec {
  program: Uint8Array;
  /** Path of the program in the guest tree (argv[0] default, AT_EXECFN). */
  execfn: string;
  argv: string[];
  envp: string[];
  /** Seed of AT_RANDOM and getrandom (fixed: runs are reproducible). */
  seed: number;
  /** /proc files to render when the process exits (the CLI's --proc PATH). */
  procAtExit?: string[];
  /** --proc-at CYCLES: snapshots of procAtExit's files when core 0's cycle counter first reaches each (ascending). */
  procAt?: number[];
  /** The process's page tables: Sv39 (3 levels, the default) or Sv48 (4 levels). */
  mmu?: 'sv39' | 'sv48';
  /** The host directory that is the guest's "/" (--root, or a fresh tree holding the program), and --root-rw. */
  root: string;
  rootRw?: boolean;
  /** Whether the host's stdin, stdout and stderr are terminals (TCGETS, fstat of fds 0-2). */
  tty?: [boolean, boolean, boolean];
  /** --affinity: pid 1's cpus_mask (default: every core). */
  affinity?: number[];
}

/** CLOCK_REALTIME at boot: fixed (2026-01-01T00:00:00Z), so runs are reproducible. */
export const BOOT_EPOCH_NS = 1767225600n * 1_000_000_000n;

export interface LinuxKernelOptions {
  control: ControlBlock;
  clock: QuantumClock;
  clockHz: number;
  cores: number;
  mm: MmBuffers;
  buffers: LinuxBuffers;
  exec: LinuxExec;
  /** The MMU of each hosted core, by core id. */
  mmus: Map<number, CpuMmu>;
  /** CONFIG_HZ: the timer tick's rate in simulated time (default 250). */
  hz?: number;
  /** Cache geometry for the auxv's ARCH_DLINFO entries. */
  caches?: { l1i: Geometry; l1d: Geometry; l2: Geometry; l3: Geometry };
  /**
   * Parallel mode (src/kernel/remote/): the kernel is about to use the context of a task running
   * on another core; a core of another worker stops and hands its registers over first.
   */
  fetchCpu?: (cpu: Cpu) => void;
}
interface Geometry { size: number; ways: number; lineSize: number }

/** The per-process numbers the stats report. */
export interface ProcessStats {
  pid: number;
  comm: string;
  minFlt: number;
  majFlt: number;
  /** vmstat events at the end: pgfault, pgmajfault, pgalloc (all zones), pgfree. */
  pgfault: number;
  pgmajfault: number;
  pgalloc: number;
  pgfree: number;
  /** Misaligned accesses across pages the kernel emulated. */
  misalignedEmulated: number;
  /** --proc PATH: the files as they read when the process exited, and at each --proc-at cycle (`cycle`: the cycle the snapshot was taken at, at or after the one asked for). */
  proc?: { path: string; text: string; at?: number; cycle?: number }[];
  /** The scheduler on core 0: context switches and their cycles, forks and their cycles, ticks, idle cycles, tasks still alive. */
  sched?: {
    switches: number; switchCycles: number; forks: number; forkCycles: number; forkFailed: number; execs: number; threads: number; ticks: number; idleCycles: number; hostSwitchNs: number; tasks: number;
    /** The median host time of the last (up to 1024) switches: the mean (hostSwitchNs / switches) is wall time and a rare
     *  switch's window takes in host preemption and the first switch's lazy compilation (bench/sched_machine.ts). */
    hostSwitchMedianNs?: number;
    /** Host time of every schedule() call: the run-queue lock, __schedule's pick (and newidle balance) and the switch (bench/sched_machine.ts). */
    hostScheduleNs?: number;
    /** Reschedule IPIs each core received (a wakeup or placement there that preempts). */
    reschedIpis?: number[];
    /** The run queues' locks in simulated memory (sched/rq_lock.ts): addresses, acquires, cycles per acting core. */
    rqLock?: RqLockStats;
  };
  /** Kernel data named by physical address, for c2c (`runqueues[N].__lock`). */
  kernelSymbols?: KernelSymbol[];
  /** Interrupts, softirqs, ksoftirqd and the NIC (irq/entry.ts). */
  irq?: IrqStats;
}

/**
 * One process (a thread group of one thread for now): the kernel objects of this worker that
 * Linux keeps in task_struct, mm_struct's owner, files_struct and signal_struct. The saved
 * registers and identity are in the task table (sched/task_regs.ts), the scheduling state in
 * the scheduler's records, the address space in the mm table: all shared memory.
 */
interface Process {
  /** The thread group's id (getpid). */
  pid: number;
  /** This thread's id (gettid): pid for the group leader. */
  tid: number;
  /** The threads of the group, leader first; shared by all of them. */
  group: Process[];
  /** Asleep in a futex wait (a0 comes from futex_wait_result when it runs again). */
  futexWait: boolean;
  /** Asleep in nanosleep until this cycle of the core its timer is on, sleepCpu (-1: not). */
  sleepUntil: number;
  sleepCpu: number;
  /** Slot in the task table and the scheduler's records. */
  task: number;
  ppid: number;
  comm: string;
  exe: string;
  /** File id of its executable (the images map): symbols for reports. */
  image: number;
  mm: MmContext | undefined;
  fs: FileSyscalls;
  state: LinuxProcessState;
  groups: SyscallGroup[];
  counts: FaultCounts;
  /** Children by pid, oldest first (the order do_wait scans them). */
  children: Set<number>;
  /** Asleep in wait4: the ecall is restarted when a child's exit wakes it. */
  waiting: boolean;
  /** Asleep on this pipe's wait queue in read or write: the ecall is restarted when pipe activity wakes it. */
  pipeWait: PipeInode | undefined;
  /** Bytes a blocking write(2) to a pipe has written before sleeping for room: its result includes them. */
  pipeDone: number;
  /** The restarted ecall is not counted twice. */
  restarting: boolean;
  /** CLONE_CHILD_SETTID: written from the child's own address space when it first runs (schedule_tail). */
  setChildTid: number;
  /** SIGCHLDs sent to this process (counted; signal/notify_parent.ts sends them). */
  sigchld: number;
  /** The children's reaped times and faults (cutime, cminflt...). */
  cminFlt: number;
  cmajFlt: number;
  /** vfork_done: the parent thread asleep in vfork until this task releases the mm (exec or exit). */
  vforkDone: Process | undefined;
  /** This thread sleeps in vfork (TASK_KILLABLE) until that child releases the mm. */
  vforkChild: Process | undefined;
}

/** Cycles a context switch costs the core (save and restore of 64 registers, satp, the rest of switch_to). */
export const CONTEXT_SWITCH_COST = 600;
/** Switches whose host time the median of the stats is taken over. */
const SWITCH_SAMPLES = 1024;
/** Cycles fork's copy_process costs beyond the page-table copy (which is charged as it happens). */
export const FORK_COST = 5000;
/** Task slots: the most tasks alive at once (zombies included); fork beyond it fails with EAGAIN. */
export const NR_TASKS = 512;
/** PID_MAX_DEFAULT. */
const PID_MAX = 32768;

const SYS_clone = 220;
const SYS_wait4 = 260;
const SYS_sched_yield = 124;
const SYS_getppid = 173;
const SYS_execve = 221;
const SYS_futex = 98;
const SYS_sched_setaffinity = 122;
const SYS_sched_getaffinity = 123;
const SYS_getcpu = 168;
const CLONE_SIGHAND = 0x800;
const CLONE_VFORK = 0x4000;
/** TASK_UNINTERRUPTIBLE: vfork's wait (TASK_KILLABLE: only a fatal signal ends it early). */
const TASK_UNINTERRUPTIBLE = 2;
const ESRCH = 3;
/** __TASK_STOPPED: a task of a stopped process (signal/stop.ts), off the run queue until SIGCONT. */
const TASK_STOPPED = 4;
/** MAX_ARG_STRINGS; and PATH_MAX. */
const MAX_ARG_STRINGS = 0x7fffffff;
const PATH_MAX = 4096;
const ENOENT = 2;
const E2BIG = 7;
const ENOEXEC = 8;
const EACCES = 13;
const ENAMETOOLONG = 36;
/** execve's answer when the process died past the point of no return. */
const EXEC_KILLED = Number.MIN_SAFE_INTEGER + 2;
const CLONE_VM = 0x100;
const CLONE_FILES = 0x400;
const CLONE_THREAD = 0x10000;
const CLONE_SETTLS = 0x80000;
const CLONE_PARENT_SETTID = 0x100000;
const CLONE_CHILD_CLEARTID = 0x200000;
const CLONE_CHILD_SETTID = 0x1000000;
const CSIGNAL = 0xff;
const SIGCHLD = 17;
const WNOHANG = 1;
const WUNTRACED = 2;
const WCONTINUED = 8;
const WNOTHREAD = 0x20000000;
const WALL = 0x40000000;
const WCLONE = 0x80000000;
/** ECHILD, EAGAIN, ENOMEM, EINVAL, EFAULT (asm-generic/errno-base.h). */
const ECHILD = 10;
const EAGAIN = 11;
const ENOMEM = 12;
const EFAULT = 14;
const EINVAL = 22;

export class LinuxKernel implements TrapHandler {
  out: OutputChunk[] = [];
  readonly syscallCounts = new Map<number, number>();
  /**
   * Kernel entries (trap, tick, idle) since the last `takeEntries`: in parallel mode a quantum
   * with any of them on any worker is not lengthened (cores/quantum.ts), as for a crossing.
   */
  entries = 0;
  readonly enosysCounts = new Map<number, number>();
  readonly faults: FaultInfo[] = [];
  /** Misaligned accesses across pages the kernel emulated. */
  misalignedEmulated = 0;
  /** The --proc files as they read when the process exited. */
  readonly procTexts: { path: string; text: string; at?: number; cycle?: number }[] = [];
  /** --proc-at: the snapshot cycles not reached yet (ascending). */
  private readonly procAtDue: number[];
  /** Page-table levels (3: Sv39, 4: Sv48) and the matching TASK_SIZE. */
  private readonly levels: number;
  private readonly taskSize: number;
  /** The run queues and the task table (shared memory; run queue 0 is the only one used yet). */
  readonly sched: Sched;
  readonly regs: TaskRegs;
  readonly futex: FutexHash;
  /** Context switches, forks and their cost in cycles, for the stats. */
  readonly switchStats = { switches: 0, switchCycles: 0, forks: 0, forkCycles: 0, forkFailed: 0, execs: 0, threads: 0, ticks: 0, idleCycles: 0 };
  private nextImageId = 2;
  /** Set by the time group's sleep during a syscall: the caller sleeps this many cycles after it returns. */
  private pendingSleep = -1;
  /** Tasks asleep in nanosleep (hrtimer_nanosleep's timers, one per task). */
  private readonly sleepers = new Set<Process>();
  private readonly symbolTables = new Map<number, SymbolTable>();
  /** Host time spent in context switches (a measurement for the summary, never in the simulated numbers). */
  private hostSwitchNs = 0;
  /** Host time spent in schedule(), the pick included (a measurement, as hostSwitchNs). */
  private hostScheduleNs = 0;
  /** The last SWITCH_SAMPLES switches' host ns (a ring), for the median. */
  private readonly hostSwitchSamples = new Float64Array(SWITCH_SAMPLES);
  private readonly procs = new Map<number, Process>();
  private readonly byTask = new Map<number, Process>();
  /** The process running on each hosted core (undefined: the idle task). */
  private readonly current = new Map<number, Process>();
  /** The cores this kernel runs tasks on (start and attach), by id, and their ids ascending: the scheduling domain. */
  private readonly cpus = new Map<number, Cpu>();
  private active: number[] = [];
  /** The core whose trap or timer event the kernel is handling (the waker of the wakeups it does,
   *  and the core whose memory path takes the run-queue locks). */
  private curCpu = 0;
  /** rq->__lock of every CPU in simulated memory (sched/rq_lock.ts): the per-CPU area start() allocates. */
  private rqLocks: RqLocks | undefined;
  /** Page tables as each core reaches them (its memory path and page lists); the boot core's made the zero page. */
  private readonly pts = new Map<number, PageTables>();
  /** The mm whose page tables each core's satp holds (kept by the idle task: lazy TLB mode). */
  private readonly loadedMm = new Map<number, MmContext>();
  /** Each mm's per-core views (a syscall's flushes start from the core it runs on). */
  private readonly mmViews = new WeakMap<MmContext, MmContext[]>();
  /** The shmem objects (one set for the kernel: fork shares them), reached per core. */
  private readonly shmemInodes = new ShmemInodes();
  private readonly shmems = new Map<number, ShmemCache>();
  private nextPid = 1;
  /** Pid 1's leader record (a thread that execs takes the leader's place: de_thread). */
  private init: Process;
  private readonly ctl: ControlBlock;
  private readonly clock: QuantumClock;
  private readonly alloc: PageAlloc;
  private readonly t: MmTable;
  private readonly image: ElfImage;
  private readonly symbols: SymbolTable;
  private readonly files: FilePages;
  /** Executables by file id (1: the first program; execve adds one per image; no page cache yet). */
  private readonly images = new Map<number, { bytes: Uint8Array; path: string }>();
  /** Files the processes mmap'ed (ids from the images' id space). */
  private readonly mapped = new MappedFiles(() => this.nextImageId++);
  private readonly console: QueuedConsole;
  private readonly random: RandomPool;
  private readonly users = new Map<number, ProcessUserAccess>();
  /**
   * ASIDs and mm_cpumask (mm/context.ts), and the mm-wide TLB flushes (mm/tlb_shootdown.ts).
   * The buffer is this worker's while the process runs on core 0 alone; with processes on
   * cores of several workers it must come from the boot's regions, and the shootdowns to
   * other workers' cores need the IPI path (smpShootdown) wired into the cores' loops.
   */
  readonly asids: AsidAllocator;
  readonly tlbFlush: MmTlbFlush;
  /** Cycles between ticks (clockHz / HZ). */
  readonly tickCycles: number;
  /** The scheduling syscalls (syscalls/sched.ts) and the thread groups' CPU-time sums they report. */
  private readonly schedCalls: SchedCalls;
  readonly groupTimes: ThreadGroupTimes;
  /** What the signal code (src/kernel/signal/) needs of this kernel. */
  private readonly sigHost: SignalHost;
  /** Pid 1 died of a signal: a trap in progress must not resume user code (its mm is gone). */
  private initKilled = false;
  /** Interrupts, the tick, softirqs and ksoftirqd/N, the NIC, --top (irq/entry.ts). */
  readonly irq: IrqEntry;
  /** The last fault (pc, address, cause) and how often in a row: a fault the kernel cannot fix must not loop. */
  private lastFault = '';
  private repeats = 0;

  constructor(private readonly o: LinuxKernelOptions) {
    this.ctl = o.control;
    this.clock = o.clock;
    this.levels = o.exec.mmu === 'sv48' ? 4 : 3;
    this.taskSize = o.exec.mmu === 'sv48' ? TASK_SIZE_SV48 : TASK_SIZE_SV39;
    this.procAtDue = [...new Set(o.exec.procAt ?? [])].sort((a, b) => a - b);
    this.alloc = new PageAlloc(o.mm);
    const pool = new VmaPool(o.buffers.vmaPool);
    this.t = new MmTable(o.buffers.mmTable, pool);
    this.asids = new AsidAllocator(allocAsidBuffer(o.cores, this.t.capacity));
    this.tlbFlush = new MmTlbFlush(this.asids, (c) => o.mmus.get(c));
    this.image = parseElf(o.exec.program);
    this.symbols = new SymbolTable(this.image.symbols);
    const hz = o.hz ?? o.buffers.irq?.buffers.hz ?? DEFAULT_HZ; // the boot's CONFIG_HZ (--hz)
    this.tickCycles = Math.max(1, Math.round(o.clockHz / hz));
    // One idle task per core in slots 0..cores-1, then the processes' tasks.
    this.sched = sched_init({ cpus: o.cores, nrTasks: NR_TASKS + o.cores, hz });
    this.regs = TaskRegs.alloc(NR_TASKS + o.cores);
    this.futex = new FutexHash(allocFutexBuffer({ nrTasks: NR_TASKS + o.cores, nbuckets: futex_hashsize(o.cores) }), { wake_up: (t) => this.futexWake(t) });
    for (let c = 0; c < o.cores; c++) {
      init_idle(this.sched, c, c);
      this.regs.allocSlot(c);
    }
    // The scheduler's own moves (rt push/pull, active balance) reach other cores through these.
    this.sched.hooks = {
      this_cpu: () => this.curCpu,
      update_rq_clock: (c) => {
        this.catchUp(c, this.cpus.get(this.curCpu)!.cycle);
        update_rq_clock(this.sched, c, this.nsOf(this.cpus.get(c)!));
        // The move's lock on that queue (push's double_lock_balance, active balance's attach):
        // its traffic, when this path does not hold it already (a pull onto this core's own queue).
        if (this.rqLocks && !this.rqLocks.isHeld(c)) {
          rq_lock(this.sched, c);
          rq_unlock(this.sched, c);
        }
      },
      smp_send_reschedule: (c) => this.smp_send_reschedule(c),
    };
    this.groupTimes = new ThreadGroupTimes(this.sched);
    this.schedCalls = schedCalls({
      s: this.sched, regs: this.regs, clockHz: o.clockHz, times: this.groupTimes,
      faults: (tgid) => {
        const p = this.procs.get(tgid);
        return { minFlt: p?.counts.minFlt ?? 0, majFlt: p?.counts.majFlt ?? 0, cminFlt: p?.cminFlt ?? 0, cmajFlt: p?.cmajFlt ?? 0, mm: p?.mm && { t: this.t, m: p.mm.m } };
      },
      uid: (tgid) => this.procs.get(tgid)?.state.cred.uid ?? 0,
      kick: (c) => this.smp_send_reschedule(c),
    });
    this.images.set(1, { bytes: o.exec.program, path: o.exec.execfn });
    const images = this.images;
    const mapped = this.mapped;
    this.files = {
      readPage(id: number, pgoff: number, out: Uint8Array): boolean {
        const program = images.get(id)?.bytes;
        if (!program) return mapped.readPage(id, pgoff, out);
        out.fill(0);
        const from = pgoff * PAGE_SIZE;
        if (from < program.length) out.set(program.subarray(from, Math.min(from + PAGE_SIZE, program.length)));
        return true;
      },
    };
    // The file tree, the console on fds 0-2, and the syscall groups (syscalls/registry.ts).
    const pseudo = new PseudoFs();
    pseudo.pids = () => this.livePids();
    pseudo.registerLink('/proc/[pid]/exe', (ctx) => this.procs.get(ctx.pid ?? ctx.self)?.exe ?? '');
    registerCpuFiles(pseudo, { ncpus: o.cores, isa: 'rv64imafdc', mmu: o.exec.mmu ?? 'sv39' });
    registerProcFiles(pseudo, this.liveProcView());
    const root = new GuestRoot(o.exec.root, { writable: o.exec.rootRw ?? false, pseudo });
    this.console = new QueuedConsole({ push: (c) => this.out.push(c), tty: o.exec.tty });
    this.random = new RandomPool(o.exec.seed);
    const pid = this.nextPid++;
    const fs = new FileSyscalls({ root, pid });
    fs.installStdio(this.console);
    const state = new LinuxProcessState({ totalramPages: this.alloc.totalramPages() });
    const task = this.regs.allocSlot(o.cores);
    sched_task_init(this.sched, task);
    this.init = this.newProcess({ pid, task, ppid: 0, comm: (o.exec.execfn.split('/').pop() ?? 'prog').slice(0, 15), exe: o.exec.execfn, fs, state });
    this.sigHost = this.signalHost();
    this.irq = this.irqEntry(o);
    this.irq.registerProcFiles(pseudo);
    // SCHED_SOFTIRQ's work; for a nohz-idle core, on behalf of the kicked one (ilb), whose time it catches up to.
    this.irq.setRebalance((c, ilb) => {
      if (ilb !== undefined) this.catchUp(c, this.cpus.get(ilb)!.cycle);
      this.run_rebalance_domains(this.cpus.get(c)!);
    });
  }

  /**
   * The signal code's view of this kernel (signal/host.ts): task lookup, the wake-up of a
   * sleeper a signal interrupts, the signal code's own sleeps, and the fatal default action.
   */
  private signalHost(): SignalHost {
    const live = (p: Process | undefined) => (p && p.mm && this.regs.get(p.task, W_STATE) !== EXIT_ZOMBIE ? p : undefined);
    const wakeTask = (cpu: Cpu, p: Process) => {
      this.regs.set(p.task, W_STATE, TASK_RUNNING);
      this.wakeUp(cpu, p.task);
    };
    const cancelTimer = (p: Process) => {
      this.sleepers.delete(p);
      p.sleepUntil = -1;
      p.sleepCpu = -1;
    };
    return {
      clockHz: this.o.clockHz,
      current: (cpu) => this.current.get(cpu.hartId),
      thread: (tid) => live([...this.byTask.values()].find((t) => t.tid === tid)),
      process: (pid) => {
        const p = this.procs.get(pid);
        return p ? { leader: p, zombie: this.regs.get(p.task, W_STATE) === EXIT_ZOMBIE || !p.mm } : undefined;
      },
      processes: () => [...this.procs.values()].filter((p) => live(p)),
      interrupt: (cpu, t, nanosleepRet) => {
        const p = live(this.byTask.get(t.task));
        if (p?.vforkChild && fatalSignalPending(p)) {
          // wait_for_vfork_done's TASK_KILLABLE: a fatal signal ends the wait (the child runs on); vfork returns and the signal kills.
          this.vforkUnlink(p);
          wakeTask(cpu, p);
          return -1;
        }
        if (!p || this.regs.get(p.task, W_STATE) !== TASK_INTERRUPTIBLE) return -1;
        if (p.futexWait) {
          const timed = futex_wait_deadline(this.futex, p.task) !== Infinity;
          if (futex_interrupt(this.futex, p.task, timed ? -ERESTART_RESTARTBLOCK : -ERESTARTSYS)) this.futexWake(p.task);
          return -1;
        }
        if (this.sleepers.has(p)) {
          const left = Math.max(0, p.sleepUntil - (this.cpus.get(p.sleepCpu)?.cycle ?? cpu.cycle));
          cancelTimer(p);
          this.regs.setReg(p.task, 10, nanosleepRet);
          wakeTask(cpu, p);
          return (left * 1e9) / this.o.clockHz;
        }
        if (p.waiting || p.pipeWait) {
          // wait4 and pipe reads/writes sleep with pc on their ecall: -ERESTARTSYS returns from it (or restarts it, SA_RESTART).
          p.waiting = false;
          p.pipeWait?.wait.delete(p.task);
          p.pipeWait = undefined;
          this.regs.setD(p.task, D_PC, this.regs.getD(p.task, D_PC) + 4);
          this.regs.setReg(p.task, 10, p.pipeDone > 0 ? p.pipeDone : -ERESTARTSYS); // a write that moved bytes returns their count
          p.pipeDone = 0;
          wakeTask(cpu, p);
        }
        return -1;
      },
      kick: (cpu, t) => {
        for (const [c, p] of this.current) if (p.task === t.task && c !== cpu.hartId) this.smp_send_reschedule(c);
      },
      wake: (cpu, t) => {
        const p = live(this.byTask.get(t.task));
        if (!p || this.regs.get(p.task, W_STATE) !== TASK_INTERRUPTIBLE) return;
        cancelTimer(p);
        wakeTask(cpu, p);
      },
      sleep: (cpu, t, cycles) => {
        const p = this.byTask.get(t.task)!;
        if (cycles >= 0) {
          p.sleepUntil = Math.min(Number.MAX_SAFE_INTEGER, cpu.cycle + cycles);
          p.sleepCpu = cpu.hartId;
          this.sleepers.add(p);
        }
        this.drainPhys(cpu);
        this.regs.set(p.task, W_STATE, TASK_INTERRUPTIBLE);
        this.schedule(cpu, SM_SLEEP);
      },
      parent: (t) => this.procs.get(this.byTask.get(t.task)?.group[0]?.ppid ?? 0),
      stop: (cpu, t) => {
        const p = this.byTask.get(t.task)!;
        this.drainPhys(cpu);
        this.regs.set(p.task, W_STATE, TASK_STOPPED);
        this.schedule(cpu, SM_SLEEP);
      },
      resume: (cpu, t) => {
        const p = live(this.byTask.get(t.task));
        if (p && this.regs.get(p.task, W_STATE) === TASK_STOPPED) wakeTask(cpu, p);
      },
      user: (cpu) => this.userOf(cpu),
      mm: (cpu, t) => {
        const mm = this.byTask.get(t.task)?.mm;
        return mm && this.mmOn(cpu.hartId, mm);
      },
      drain: (cpu) => this.drainPhys(cpu),
      fatal: (cpu, sig, what) => this.kill(cpu, -1, 0, sig, what),
    };
  }

  /** The way back to user mode after a trap or the tick: pending signals are delivered (signal/deliver.ts). */
  private signalReturn(cpu: Cpu): number {
    const p = this.current.get(cpu.hartId);
    return p ? exitToUserMode(cpu, this.sigHost, p) : TRAP_RESUME;
  }

  /** The interrupt side over the boot's buffers, with this kernel's answers (irq/entry.ts). */
  private irqEntry(o: LinuxKernelOptions): IrqEntry {
    const self = this;
    const enc = new TextEncoder();
    return new IrqEntry(o.buffers.irq ?? allocLinuxIrq({ cpus: o.cores, hz: o.hz }), {
      clockHz: o.clockHz,
      cores: o.cores,
      sched: this.sched,
      hosted: (c) => o.mmus.has(c),
      allocKthread() {
        const pid = self.nextPid++;
        const task = self.regs.allocSlot(o.cores);
        self.regs.set(task, W_TID, pid);
        self.regs.set(task, W_TGID, pid);
        self.regs.set(task, W_STATE, TASK_INTERRUPTIBLE);
        return { pid, task };
      },
      schedule: (cpu, mode) => this.schedule(cpu, mode),
      expireTimers: (cpu) => {
        this.wakeSleepers(cpu);
        this.futexTimeouts(cpu);
      },
      kernelTimerNext: (c) => this.kernelTimerNext(c),
      nextEvent: (c) => this.nextEvent(c),
      tick: (cpu) => this.tick(cpu),
      countTicks: (n) => {
        this.switchStats.ticks += n;
      },
      userTasks: () => [...this.byTask.values()].map((p) => ({ pid: p.pid, tid: p.tid, comm: p.comm, task: p.task, zombie: this.regs.get(p.task, W_STATE) === EXIT_ZOMBIE })),
      processes: () => 1 + o.cores + this.switchStats.forks + this.switchStats.threads,
      write: (fd, text) => this.out.push({ core: 0, fd, data: enc.encode(text) }),
      catchUp: (c, cycle) => this.catchUp(c, cycle),
      tlbFlush: this.tlbFlush,
    });
  }

  /**
   * When the nanosleeps and timed futex waits whose timers are on core `cpu` next expire,
   * cycles of its clock (their hrtimers: a sleeper's sleepCpu, a waiter's CPU, as
   * wakeSleepers and futexTimeouts take them).
   */
  private kernelTimerNext(cpu: number): number {
    let e = Infinity;
    for (const t of this.sleepers) if (t.sleepCpu === cpu && t.sleepUntil < e) e = t.sleepUntil;
    for (const t of this.byTask.values()) {
      if (!t.futexWait || this.sched.tget(t.task, T_CPU) !== cpu) continue;
      const d = futex_wait_deadline(this.futex, t.task);
      if (d === Infinity) continue;
      const ns = d - (futex_wait_clock(this.futex, t.task) === 0 ? Number(BOOT_EPOCH_NS) : 0);
      e = Math.min(e, this.irq.cyclesOf(ns));
    }
    return e;
  }

  /** A /proc file's text for --proc: the interrupt side's files, else proc/base.ts's. */
  private readProc(view: Parameters<typeof readProcPath>[0], path: string): string | undefined {
    return this.irq.procText(path) ?? readProcPath(view, path);
  }

  private newProcess(o: { pid: number; task: number; ppid: number; comm: string; exe: string; fs: FileSyscalls; state: LinuxProcessState }): Process {
    const p: Process = {
      ...o, tid: o.pid, group: [], futexWait: false, sleepUntil: -1, sleepCpu: -1, image: 1, mm: undefined, counts: { minFlt: 0, majFlt: 0 }, children: new Set(), waiting: false, pipeWait: undefined, pipeDone: 0, restarting: false, setChildTid: 0,
      sigchld: 0, cminFlt: 0, cmajFlt: 0, vforkDone: undefined, vforkChild: undefined,
      groups: linuxSyscallGroups({
        fs: o.fs, state: o.state, console: this.console, clockHz: this.o.clockHz, bootEpochNs: BOOT_EPOCH_NS, random: this.random,
        sysinfo: () => ({ totalram: this.alloc.totalramPages() * PAGE_SIZE, freeram: this.freePages() * PAGE_SIZE, procs: this.procs.size }),
        taskSize: this.taskSize,
        sched: this.schedCalls,
        sleep: (_t, cycles) => {
          this.pendingSleep = cycles;
          return 0;
        },
      }),
    };
    this.regs.set(o.task, W_TID, o.pid);
    this.regs.set(o.task, W_TGID, o.pid);
    this.regs.set(o.task, W_PARENT, o.ppid);
    p.group.push(p);
    this.procs.set(o.pid, p);
    this.byTask.set(o.task, p);
    return p;
  }

  /** The process pid 1 is (the first one: its exit ends the machine). */
  get pid(): number {
    return this.init.pid;
  }
  get comm(): string {
    return this.init.comm;
  }
  get counts(): FaultCounts {
    return this.init.counts;
  }

  private livePids(): number[] {
    return [...this.procs.values()].filter((p) => p.mm).map((p) => p.pid).sort((a, b) => a - b);
  }

  private freePages(): number {
    let s = 0;
    for (let z = 0; z < 3; z++) s += this.alloc.nrFreePages(z);
    return s;
  }

  /** /proc as the guest reads it: every live process, read through core 0's memory path. */
  private liveProcView() {
    const self = this;
    const view = {
      pids: () => [...self.livePids(), ...self.irq.kthreadPids()].sort((a, b) => a - b),
      task: (pid: number) => {
        const p = self.procs.get(pid);
        return p?.mm ? self.procSnapshot(p).task(pid) : self.irq.kthreadView(pid);
      },
      tids: (pid: number) => {
        const p = self.procs.get(pid);
        return p?.mm ? p.group.filter((t) => self.regs.get(t.task, W_STATE) !== EXIT_ZOMBIE).map((t) => t.tid) : [pid];
      },
      thread: (pid: number, tid: number) => {
        const p = self.procs.get(pid);
        if (!p?.mm) return tid === pid ? self.irq.kthreadView(pid) : undefined;
        const t = p.group.find((th) => th.tid === tid);
        return t ? self.procSnapshot(p, t).task(tid) : undefined;
      },
      alloc: this.alloc,
      mmTable: this.t,
      get phys() {
        return self.init.mm?.pt.phys ?? [...self.procs.values()].find((p) => p.mm)!.mm!.pt.phys;
      },
      levels: this.levels,
      nrCpuIds: this.o.cores,
      fileInfo: (id: number) => self.mapsFile(id),
    };
    return view;
  }

  /** /proc/PID/maps's file of a VMA file id: an executable's image or an mmap'ed file. */
  private mapsFile(id: number): MapsFile | undefined {
    const img = this.images.get(id);
    return img ? { major: 0, minor: 1, ino: id + 1, path: img.path } : this.mapped.info(id);
  }

  /**
   * Group p (its leader) as /proc/PID shows it, or, given thread th, as /proc/PID/task/TID does:
   * then pid is the thread's id and the switches, CPU time, processor and sched record are its
   * own. Times are sum_exec_runtime as of the last update (a running task's is up to its last
   * tick or switch). Fault counts are the group's in both (not kept per thread).
   */
  private procSnapshot(p: Process, th?: Process) {
    const mm = p.mm!;
    const s = this.sched;
    const t = th ?? p;
    // As of the tasks' last updates (now = -1: no open kernel stretch is counted).
    const times = th ? task_times(s, th.task, -1) : this.groupTimes.group(p.pid, p.group.map((g) => g.task), -1);
    // The thread's state (the group's: its leader's, as fs/proc/array.c shows the leader).
    const w = this.regs.get(t.task, W_STATE);
    const state = w === TASK_UNINTERRUPTIBLE ? 'D' : w === TASK_INTERRUPTIBLE ? 'S' : w === TASK_STOPPED ? 'T' : 'R';
    return oneProcessView(this.alloc, this.t, mm.pt.phys, this.o.cores, {
      pid: t.tid, tgid: p.pid, ppid: p.ppid, comm: t.comm, m: mm.m, pgd: mm.pgd, minFlt: p.counts.minFlt, majFlt: p.counts.majFlt, exe: p.exe,
      state, voluntary: s.tget(t.task, T_NR_VOLUNTARY), involuntary: s.tget(t.task, T_NR_INVOLUNTARY),
      cminFlt: p.cminFlt, cmajFlt: p.cmajFlt, threads: p.group.length, levels: this.levels, files: (id) => this.mapsFile(id),
      cpusAllowed: cpumask_list(task_cpumask(s, t.task), this.o.cores), processor: Math.max(0, s.tget(t.task, T_CPU)),
      signals: p.state.procView(t.tid), utimeNs: utimeOf(times), stimeNs: times.stime, sched: taskSchedView(s, t.task),
    });
  }

  /** exec of the first process on `cpu` (core 0): maps the program, builds the stack, sets pc, sp and a0. */
  start(cpu: Cpu): void {
    const mmu = this.mmuOf(cpu);
    const pt = new PageTables({ alloc: this.alloc, phys: mmu.phys, cpu: cpu.hartId, levels: this.levels });
    if (pt.zero_page_alloc() < 0) throw new Error('boot: no memory for the zero page');
    this.pts.set(cpu.hartId, pt);
    this.attach(cpu);
    this.setup_per_cpu_areas(cpu);
    const m = this.t.mmAlloc({ taskSize: this.taskSize });
    if (m < 0) throw new Error('boot: no free mm');
    const pgd = pt.pgd_alloc();
    if (pgd < 0) throw new Error('boot: no memory for the page tables');
    const p = this.init;
    p.mm = this.mmContext(cpu.hartId, m, pgd);
    this.regs.set(p.task, W_MM, m);
    this.regs.setD(p.task, D_PGD, pgd);
    this.asids.init_new_context(m);
    this.asids.switch_mm(cpu.hartId, m, mmu, pgd, this.levels);
    this.loadedMm.set(cpu.hartId, p.mm);
    this.current.set(cpu.hartId, p);
    const e = this.o.exec;
    const caches = this.o.caches;
    const phdr = phdrVaddr(this.image) ?? 0;
    const loaded = loadElfBinary(this.t, m, this.image, { id: 1, readable: true, writable: false }, {
      argv: e.argv, envp: e.envp, execfn: e.execfn, phdr, phnum: this.image.phnum, uid: 0, gid: 0,
      hwcap: riscvHwcap('rv64imafdc'), random: seededRandomBytes(e.seed),
      caches: caches && { l1i: caches.l1i, l1d: caches.l1d, l2: caches.l2, l3: caches.l3 },
    }, this.userOf(cpu), (ch) => applyMmChanges(this.t, m, pgd, pt, mmu, ch));
    this.drainPhys(cpu);
    for (let i = 1; i < 32; i++) setReg(cpu, i, 0);
    cpu.pc = loaded.entry;
    setReg(cpu, 2, loaded.stack.sp);
    setReg(cpu, 10, 0); // glibc takes a0 as rtld_fini
    // pid 1 is the current task of core 0's run queue.
    const s = this.sched;
    rq_lock(s, cpu.hartId);
    update_rq_clock(s, cpu.hartId, this.nsOf(cpu));
    wake_up_new_task(s, cpu.hartId, p.task);
    const next = __schedule(s, cpu.hartId, SM_PREEMPT);
    rq_unlock(s, cpu.hartId);
    if (next !== p.task) throw new Error('BUG: pid 1 is not picked at boot');
    s.tset(p.task, T_NR_INVOLUNTARY, 0);
    s.tset(p.task, T_NR_SWITCHES, 0);
    this.current.set(cpu.hartId, p);
    if (e.affinity) set_task_cpumask(s, p.task, cpumask_of(e.affinity));
  }

  /**
   * setup_per_cpu_areas at boot, on the boot core: one block from the page allocator with a
   * page per possible CPU (never freed, as Linux's first chunk), holding each CPU's `runqueues`
   * and so its rq->__lock on a line of its own. From here every rq_lock/rq_unlock (sched.ts)
   * also takes the word through the acting core's caches.
   */
  private setup_per_cpu_areas(cpu: Cpu): void {
    const pfn = this.alloc.alloc_pages(cpu.hartId, GFP_KERNEL, PERCPU_ORDER);
    if (pfn < 0) throw new Error('boot: no memory for the per-CPU areas');
    const locks = new RqLocks(pfn * PAGE_SIZE, this.o.cores); // unlocked: the block is pristine boot RAM (zero)
    this.rqLocks = locks;
    this.sched.rqLockHook = {
      lock: (c) => this.rqLockOp(locks, c, true),
      unlock: (c) => this.rqLockOp(locks, c, false),
    };
  }

  /** The lock word's acquire or release by the core the kernel runs for, charged to it. */
  private rqLockOp(locks: RqLocks, rq: number, take: boolean): void {
    const actor = this.cpus.get(this.curCpu);
    if (!actor) throw new Error(`BUG: run queue ${rq}'s lock taken for core ${this.curCpu}, which this kernel does not run`);
    const phys = this.mmuOf(actor).phys;
    if (take) locks.lock(phys, actor.hartId, rq);
    else locks.unlock(phys, actor.hartId, rq);
    this.drainPhys(actor);
  }

  /**
   * load_balance's locks around a pull that fair_balance.ts made: Linux holds the busiest
   * queue's lock to detach the tasks and this one's to attach them. The queue they came from
   * is the one whose nr_running fell. (A balance that found a busiest queue but moved nothing
   * took its lock too in Linux; that traffic is not charged here.)
   */
  private pullLocked(dst: number, pull: () => number[]): number[] {
    const s = this.sched;
    const before = this.active.map((c) => s.rget(c, R_NR_RUNNING));
    const moved = pull();
    if (moved.length === 0) return moved;
    const src = this.active.find((c, i) => c !== dst && s.rget(c, R_NR_RUNNING) < before[i]!);
    if (src !== undefined) {
      rq_lock(s, src);
      rq_unlock(s, src);
    }
    rq_lock(s, dst);
    rq_unlock(s, dst);
    return moved;
  }

  /**
   * After every core is attached: pid 1 leaves core 0 if --affinity excludes it. Throws
   * LinuxConfigError when the mask holds none of the cores this kernel runs tasks on.
   */
  placeInit(): void {
    const s = this.sched;
    if (!this.active.some((c) => task_allowed_on_cpu(s, this.init.task, c))) {
      throw new Error(`--affinity ${this.o.exec.affinity?.join(',')}: none of these cores runs tasks (the kernel's worker hosts cores ${this.active.join(',')}; use --threads 1)`);
    }
    this.enforceAffinity(this.init);
  }

  /**
   * A core this kernel runs tasks on (every core of the worker that hosts the kernel; start
   * attaches the boot core): it starts in its idle task, its tick armed, in the scheduling
   * domain of placement and balancing. `remote`: another worker runs it (parallel mode; its idle loop runs there).
   */
  attach(cpu: Cpu, remote = false): void {
    this.cpus.set(cpu.hartId, cpu);
    this.active = [...this.cpus.keys()].sort((a, b) => a - b);
    sched_rq_online(this.sched, cpu.hartId);
    this.irq.attach(cpu, remote);
  }

  private nsOf(cpu: { cycle: number }): number {
    return Math.floor((cpu.cycle * 1e9) / this.o.clockHz);
  }

  private cur(cpu: Cpu): Process {
    const p = this.current.get(cpu.hartId);
    if (!p) throw new Error(`BUG: core ${cpu.hartId} traps while idle`);
    return p;
  }

  /** True while core `hartId` runs its idle task: the core group skips it to its next event. */
  isIdle(hartId: number): boolean {
    return !this.current.has(hartId);
  }

  /** Until which cycle core `hartId` sleeps in its idle loop (0: it has work); the worker skips quanta on it. */
  sleepingUntil(hartId: number): number {
    return this.irq.sleepingUntil(hartId);
  }

  /** The cycle of this core's next timer tick (the core group's run loop stops there). */
  nextEvent(hartId: number): number {
    let e = this.irq.nextEvent(hartId);
    // A reschedule is pending on a running core (its IPI, or one this core set itself): it takes it now.
    if (test_need_resched(this.sched, hartId) && this.current.has(hartId)) return Math.min(e, this.cpus.get(hartId)?.cycle ?? e);
    for (const t of this.sleepers) if (t.sleepCpu === hartId && t.sleepUntil < e) e = t.sleepUntil;
    e = Math.min(e, this.schedTimerCycle(hartId));
    if (hartId === 0 && this.procAtDue.length > 0 && this.procAtDue[0] < e) e = this.procAtDue[0];
    return e;
  }

  /**
   * --proc-at: core 0's run loop stops at the next snapshot cycle as at a tick (nextEvent), so
   * each snapshot is taken at the first slice boundary at or after its cycle; /proc as the
   * guest would read it then (pid 1 as self), through core 0's memory path.
   */
  private procAtSnapshots(cpu: Cpu): void {
    const paths = this.o.exec.procAtExit ?? [];
    const view = this.init.mm ? this.liveProcView() : undefined;
    while (this.procAtDue.length > 0 && cpu.cycle >= this.procAtDue[0]) {
      const at = this.procAtDue.shift()!;
      if (!view) continue;
      for (const path of paths) this.procTexts.push({ path, at, cycle: cpu.cycle, text: this.readProc(view, path) ?? `smpemu: --proc ${path}: no such file\n` });
    }
  }

  /** hrtimer_wakeup for the nanosleeps whose timer is on this core, due by now. */
  private wakeSleepers(cpu: Cpu): void {
    if (this.sleepers.size === 0) return;
    for (const t of [...this.sleepers]) {
      if (t.sleepCpu !== cpu.hartId || t.sleepUntil > cpu.cycle) continue;
      this.sleepers.delete(t);
      t.sleepUntil = -1;
      t.sleepCpu = -1;
      this.regs.set(t.task, W_STATE, TASK_RUNNING);
      this.wakeUp(cpu, t.task);
    }
  }

  /**
   * The rt period and dl replenishment timers of this core (sched_timer_next), as a cycle of
   * its clock (the timer interrupt runs them: irq/entry.ts). Read live, not from the entry's
   * cache: a sched syscall on another core may arm them.
   */
  private schedTimerCycle(hartId: number): number {
    return this.irq.cyclesOf(sched_timer_next(this.sched, hartId));
  }

  /**
   * try_to_wake_up from core `waker`: select_task_rq_wake picks the run queue (the task's CPU,
   * or an idle allowed one); an idle target behind the waker in simulated time first catches
   * up to it (the wakeup cannot run before it happened); a preemption it causes on another
   * core is a reschedule IPI.
   */
  private wakeUp(waker: Cpu, task: number): void {
    const s = this.sched;
    const target = select_task_rq_wake(s, task, this.active);
    if (target < 0) throw new Error(`BUG: task ${task} may run on none of the active cores`);
    this.catchUp(target, waker.cycle);
    rq_lock(s, target);
    update_rq_clock(s, target, this.nsOf(this.cpus.get(target)!));
    const had = test_need_resched(s, target);
    const resched = try_to_wake_up(s, target, task);
    rq_unlock(s, target);
    if (resched && !had && target !== waker.hartId) this.smp_send_reschedule(target);
  }

  /** wake_up_new_task after clone or fork on `parent`'s core: select_task_rq_fork's CPU. */
  private wakeUpNew(parent: Cpu, task: number): void {
    const s = this.sched;
    const target = select_task_rq_fork(s, task, this.active, parent.hartId);
    if (target < 0) throw new Error(`BUG: task ${task} may run on none of the active cores`);
    this.catchUp(target, parent.cycle);
    rq_lock(s, target);
    update_rq_clock(s, target, this.nsOf(this.cpus.get(target)!));
    const had = test_need_resched(s, target);
    const resched = wake_up_new_task(s, target, task);
    rq_unlock(s, target);
    if (resched && !had && target !== parent.hartId) this.smp_send_reschedule(target);
  }

  /** An idle core behind `cycle` in simulated time idles up to it (its clock jumps, as do_idle's does). */
  private catchUp(core: number, cycle: number): void {
    const c = this.cpus.get(core)!;
    const s = this.sched;
    if (s.curr(core) === s.rget(core, R_IDLE) && c.cycle < cycle) {
      this.switchStats.idleCycles += cycle - c.cycle;
      c.cycle = cycle;
    }
  }

  /**
   * smp_send_reschedule: core `cpu`'s need_resched is set; the IPI makes it look (the run loop
   * stops its slice at nextEvent, which is now). Counted: /proc/interrupts' RES row.
   */
  smp_send_reschedule(cpu: number): void {
    this.irq.smp_send_reschedule(cpu);
  }

  /**
   * The core reached its next event: --proc-at snapshots, then every interrupt due (irq/entry.ts:
   * IPIs; the timer with nanosleep and futex timeouts, hrtimers and the tick; the NIC), softirqs
   * at their exit; then the switch if one of them set need_resched.
   */
  tick(cpu: Cpu): void {
    const id = cpu.hartId;
    this.entries++;
    this.curCpu = id;
    this.vtimeEnter(cpu);
    if (id === 0 && this.procAtDue.length > 0 && cpu.cycle >= this.procAtDue[0]) this.procAtSnapshots(cpu);
    this.irq.handle(cpu);
    if (test_need_resched(this.sched, id)) this.schedule(cpu, SM_PREEMPT);
    this.signalReturn(cpu);
    this.vtimeLeave(cpu);
  }

  /** Kernel entry of the core's current task (vtime_user_exit): its system time runs from here. */
  private vtimeEnter(cpu: Cpu): void {
    const p = this.current.get(cpu.hartId);
    if (p) vtime_user_exit(this.sched, p.task, this.nsOf(cpu));
  }

  /** Back to user mode (vtime_user_enter): the current task's stretch in the kernel is system time. */
  private vtimeLeave(cpu: Cpu): void {
    const p = this.current.get(cpu.hartId);
    if (p) vtime_user_enter(this.sched, p.task, this.nsOf(cpu));
  }

  /**
   * The SCHED softirq's work (run_rebalance_domains, irq/entry.ts raises it from every tick:
   * trigger_load_balance): the periodic load balance of this core's domain when its
   * next_balance is due (sched/fair_balance.ts). Tasks pulled here set this core's
   * need_resched; the interrupted context switches at irq exit.
   */
  run_rebalance_domains(cpu: Cpu): void {
    const id = cpu.hartId;
    const s = this.sched;
    update_rq_clock(s, id, this.nsOf(cpu));
    this.pullLocked(id, () => rebalance_domains(s, id, this.active, s.curr(id) === s.rget(id, R_IDLE)));
  }

  /**
   * The core runs no user task: ksoftirqd/N runs if it is current (irq/entry.ts), else the idle
   * task's loop (do_idle): a task queued here runs, else the clock jumps to the next event, at
   * most `end`, instead of spinning. With every task asleep and nothing that could wake one,
   * the machine stops, saying so: returns false.
   */
  idle(cpu: Cpu, end: number): boolean {
    const id = cpu.hartId;
    this.entries++;
    this.curCpu = id;
    if (this.irq.runKsoftirqd(cpu, end)) {
      this.vtimeLeave(cpu); // ksoftirqd gave the core to a task
      return true;
    }
    if (this.allAsleep()) return this.deadlock(cpu);
    this.switchStats.idleCycles += this.irq.do_idle(cpu, end);
    this.vtimeLeave(cpu); // a task switched in here goes to user mode
    return true;
  }

  /** Every core idle, every run queue empty, and no timer that could wake a task. */
  private allAsleep(): boolean {
    if (this.current.size > 0 || this.sleepers.size > 0) return false;
    for (const c of this.active) if (this.sched.rget(c, R_NR_RUNNING) > 0) return false;
    for (const t of this.byTask.values()) if (t.futexWait && futex_wait_deadline(this.futex, t.task) !== Infinity) return false;
    return true;
  }

  /** Every task asleep and nothing that could wake one: the machine stops, saying so. */
  private deadlock(cpu: Cpu): boolean {
    const why = (p: Process) => (p.futexWait ? 'futex' : p.waiting ? 'wait4' : p.pipeWait ? 'pipe' : p.vforkChild ? 'vfork' : this.regs.get(p.task, W_STATE) === TASK_STOPPED ? 'stopped'
      : p.state.task(p.tid).sleep?.kind.replace('timedwait', 'sigtimedwait') ?? '');
    const asleep = [...this.byTask.values()].filter((p) => why(p) !== '').map((p) => `${p.tid} (${p.comm}, ${why(p)})`);
    const report = `core ${cpu.hartId}: every task is asleep with nothing to wake it: ${asleep.join(', ')}`;
    this.faults.push({ core: cpu.hartId, pc: cpu.pc, cause: -1, causeName: 'deadlock', tval: 0, report, signal: SIGKILL });
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_EXIT_CODE), 128 + SIGKILL);
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_STATE), CORE_EXITED);
    this.ctl.requestStop(STOP_SIGNAL, cpu.hartId, 128 + SIGKILL, this.clock.quantum);
    return false;
  }

  /**
   * __schedule on this core and, when it picks another task, the context switch: the hart's
   * registers saved into prev's slot (unless prev is dead), next's loaded, satp switched to
   * next's page tables and ASID (which flushes the TLB and the decode cache, keyed by virtual
   * pc), and the switch's cost charged to the core.
   */
  private schedule(cpu: Cpu, mode: number): void {
    const t0 = performance.now();
    const s = this.sched;
    const id = cpu.hartId;
    rq_lock(s, id);
    update_rq_clock(s, id, this.nsOf(cpu));
    const prevP = this.current.get(id);
    const prev = s.curr(id);
    // newidle_balance drops this queue's lock while it pulls, and takes it back.
    const next = __schedule(s, id, mode, (c) => {
      rq_unlock(s, c);
      this.pullLocked(c, () => newidle_balance(s, c, this.active));
      rq_lock(s, c);
    });
    rq_unlock(s, id); // finish_task_switch's unlock: the switch itself runs without it here
    if (next !== prev) {
      const t1 = performance.now();
      this.switchTo(cpu, prevP, prev, next);
      const ns = (performance.now() - t1) * 1e6;
      this.hostSwitchNs += ns;
      this.hostSwitchSamples[this.switchStats.switches % SWITCH_SAMPLES] = ns;
    }
    this.hostScheduleNs += (performance.now() - t0) * 1e6;
  }

  private switchTo(cpu: Cpu, prevP: Process | undefined, prev: number, next: number): void {
    const id = cpu.hartId;
    // vtime_task_switch: prev's stretch in the kernel ends here, next's begins (it leaves through the kernel).
    const now = this.nsOf(cpu);
    if (prevP) vtime_user_enter(this.sched, prev, now);
    if (this.byTask.has(next)) vtime_user_exit(this.sched, next, now);
    if (prevP && this.regs.get(prev, W_STATE) !== EXIT_ZOMBIE) this.regs.save(cpu as Cpu & Partial<FpContext>, prev);
    else if (prevP) task_dead_dl(this.sched, prev); // finish_task_switch of a dead task: its dl bandwidth goes
    const nextP = this.byTask.get(next);
    cpu.cycle += CONTEXT_SWITCH_COST;
    this.switchStats.switches++;
    this.switchStats.switchCycles += CONTEXT_SWITCH_COST;
    if (!nextP) {
      // The idle task borrows the mm loaded (lazy TLB: no satp write, and a thread of that mm
      // coming back needs no switch_mm either).
      this.current.delete(id);
      return;
    }
    this.regs.load(cpu as Cpu & Partial<FpContext>, next);
    const mmu = this.mmuOf(cpu);
    if (this.loadedMm.get(id) !== nextP.mm) {
      this.asids.switch_mm(id, nextP.mm!.m, mmu, nextP.mm!.pgd, this.levels);
      this.loadedMm.set(id, nextP.mm!);
    }
    this.current.set(id, nextP);
    if (nextP.futexWait) {
      nextP.futexWait = false;
      let r = futex_wait_result(this.futex, next);
      if (r === FUTEX_SLEEP) {
        futex_interrupt(this.futex, next, 0); // a wake meant for an older wait: return 0 (a spurious wakeup, allowed)
        r = futex_wait_result(this.futex, next);
      }
      setReg(cpu, 10, r);
    }
    if (nextP.setChildTid !== 0) {
      // schedule_tail: CLONE_CHILD_SETTID's store, from the child's own address space.
      const at = nextP.setChildTid;
      nextP.setChildTid = 0;
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, nextP.pid, true);
      this.userOf(cpu).copyToUser(at, b);
      this.drainPhys(cpu);
    }
    // A task scheduled in goes back to user mode: its signals first (it may have been switched in
    // on a core that is not trapping: the idle loop, a schedule another core made for it).
    this.signalReturn(cpu);
  }

  /**
   * An address space as the syscalls use it: their flushes are mm-wide (flush_tlb_range/_mm:
   * every core of mm_cpumask, by m's ASID), so each mm gets its own view of the core's MMU.
   */
  private mmContext(cpuId: number, m: number, pgd: number): MmContext {
    const home = this.mmView(cpuId, m, pgd, this.shmemOn(cpuId));
    const views: MmContext[] = [];
    views[cpuId] = home;
    this.mmViews.set(home, views);
    return home;
  }

  private mmView(cpuId: number, m: number, pgd: number, shmem: ShmemCache | undefined): MmContext {
    const mmu = this.o.mmus.get(cpuId);
    if (!mmu) throw new Error(`BUG: core ${cpuId} has no MMU`);
    const mmFlush: CpuMmu = Object.create(mmu, {
      flushTlbPage: { value: (va: number) => this.tlbFlush.flush_tlb_page(cpuId, m, va) },
      flushTlbAll: { value: () => this.tlbFlush.flush_tlb_mm(cpuId, m) },
    });
    return { t: this.t, m, pgd, pt: this.ptOf(cpuId), mmu: mmFlush, shmem };
  }

  /** mm as core `cpuId` works on it: its page-table path, and its flushes sent from that core. */
  private mmOn(cpuId: number, mm: MmContext): MmContext {
    let views = this.mmViews.get(mm);
    if (!views) {
      views = [];
      this.mmViews.set(mm, views);
    }
    return (views[cpuId] ??= this.mmView(cpuId, mm.m, mm.pgd, this.shmemOn(cpuId)));
  }

  /** Core cpuId's way to the kernel's shmem objects (pages allocated and freed on that core). */
  private shmemOn(cpuId: number): ShmemCache {
    let c = this.shmems.get(cpuId);
    if (!c) this.shmems.set(cpuId, (c = new ShmemCache(this.alloc, cpuId, this.shmemInodes)));
    return c;
  }

  private ptOf(cpuId: number): PageTables {
    let pt = this.pts.get(cpuId);
    if (!pt) {
      const boot = this.pts.values().next().value as PageTables | undefined;
      if (!boot) throw new Error('BUG: page tables before boot');
      pt = new PageTables({ alloc: this.alloc, phys: this.o.mmus.get(cpuId)!.phys, cpu: cpuId, levels: this.levels, zeroPfn: boot.zeroPfn });
      this.pts.set(cpuId, pt);
    }
    return pt;
  }

  private mmuOf(cpu: Cpu): CpuMmu {
    const mmu = this.o.mmus.get(cpu.hartId);
    if (!mmu) throw new Error(`BUG: core ${cpu.hartId} has no MMU`);
    return mmu;
  }

  private userOf(cpu: Cpu): ProcessUserAccess {
    let u = this.users.get(cpu.hartId);
    if (!u) {
      u = new ProcessUserAccess(cpu, (addr, write) => this.fixUserFault(cpu, addr, write ? FAULT_FLAG_WRITE : 0));
      this.users.set(cpu.hartId, u);
    }
    return u;
  }

  /** The kernel's page-table and page traffic so far on this core, charged to it. */
  private drainPhys(cpu: Cpu): void {
    const phys = this.mmuOf(cpu).phys;
    cpu.cycle += phys.cycles;
    phys.cycles = 0;
  }

  private fixUserFault(cpu: Cpu, addr: number, flags: number): boolean {
    const p = this.current.get(cpu.hartId);
    if (!p?.mm) return false;
    const r = handleMmFault(this.faultContext(cpu, p), addr, flags);
    return r.code === VM_FAULT_OK;
  }

  private faultContext(cpu: Cpu, p: Process) {
    const mm = this.mmOn(cpu.hartId, p.mm!);
    return { t: mm.t, m: mm.m, pgd: mm.pgd, pt: mm.pt, phys: mm.pt.phys as CpuMmu['phys'], mmu: this.mmuOf(cpu), cpu: cpu.hartId, files: this.files, counts: p.counts, shmem: mm.shmem, tlb: this.tlbFlush };
  }

  trap(cpu: Cpu, cause: number, tval: number): number {
    this.entries++;
    this.curCpu = cpu.hartId;
    const p = this.current.get(cpu.hartId);
    if (p) trapEntry(cpu, p, cause === CAUSE_ECALL_U);
    this.vtimeEnter(cpu);
    const c0 = cpu.cycle;
    let r = this.handle(cpu, cause, tval);
    this.irq.account_kernel(cpu, cpu.cycle - c0);
    if (r === TRAP_RESUME) r = this.signalReturn(cpu);
    this.vtimeLeave(cpu);
    // A signal delivered to a task switched in during this trap ended pid 1 (and the machine).
    if (this.initKilled) return TRAP_STOP;
    // The trapping task slept or died and the idle task took the core: the hart leaves its run loop.
    return r === TRAP_RESUME && this.isIdle(cpu.hartId) ? TRAP_IDLE : r;
  }

  private handle(cpu: Cpu, cause: number, tval: number): number {
    if (cause === CAUSE_ECALL_U) return this.syscall(cpu);
    if (cause === CAUSE_LOAD_PAGE || cause === CAUSE_STORE_PAGE || cause === CAUSE_FETCH_PAGE) return this.pageFault(cpu, cause, tval);
    switch (cause) {
      case CAUSE_ILLEGAL_INSTRUCTION: return this.kill(cpu, cause, tval, SIGILL, `illegal instruction 0x${(tval >>> 0).toString(16).padStart((tval & 3) === 3 ? 8 : 4, '0')}`, { code: ILL_ILLOPC, addr: cpu.pc });
      case CAUSE_BREAKPOINT: return this.kill(cpu, cause, tval, SIGTRAP, 'breakpoint (ebreak)', { code: TRAP_BRKPT, addr: cpu.pc });
      case CAUSE_MISALIGNED_FETCH: return this.kill(cpu, cause, tval, SIGBUS, `misaligned jump target 0x${tval.toString(16)}`, { code: BUS_ADRALN, addr: tval });
      case CAUSE_MISALIGNED_LOAD:
      case CAUSE_MISALIGNED_STORE: return this.misaligned(cpu, cause, tval);
      default: return this.kill(cpu, cause, tval, SIGSEGV, `${CAUSE_NAMES[cause] ?? `cause ${cause}`} at 0x${tval.toString(16)}`, { code: SEGV_ACCERR, addr: tval });
    }
  }

  /** A misaligned access across two pages: emulated as Linux does for user mode (traps_misaligned.ts). */
  private misaligned(cpu: Cpu, cause: number, tval: number): number {
    cpu.cycle += FAULT_COST;
    const r = emulateMisaligned(cpu, this.userOf(cpu), tval);
    this.drainPhys(cpu);
    if (r === EMU_OK) {
      this.misalignedEmulated++;
      return TRAP_RESUME;
    }
    const kind = cause === CAUSE_MISALIGNED_STORE ? 'store to' : 'load from';
    if (r === EMU_FAULT) return this.kill(cpu, cause, tval, SIGSEGV, `misaligned ${kind} 0x${tval.toString(16)}: not all of it is mapped`, { code: SEGV_MAPERR, addr: tval });
    return this.kill(cpu, cause, tval, SIGBUS, `misaligned ${kind} 0x${tval.toString(16)} (an access the kernel does not emulate)`, { code: BUS_ADRALN, addr: tval });
  }

  private pageFault(cpu: Cpu, cause: number, tval: number): number {
    cpu.cycle += FAULT_COST;
    const flags = cause === CAUSE_STORE_PAGE ? FAULT_FLAG_WRITE : cause === CAUSE_FETCH_PAGE ? FAULT_FLAG_INSTRUCTION : 0;
    const key = `${this.cur(cpu).pid}:${cpu.pc}:${tval}:${cause}`;
    this.repeats = key === this.lastFault ? this.repeats + 1 : 0;
    this.lastFault = key;
    const ctx = this.faultContext(cpu, this.cur(cpu));
    let addr = tval;
    let r = handleMmFault(ctx, addr, flags);
    // An access across a page boundary faults naming its first byte: after a couple of
    // rounds with that page fine, the next page is the one to fault in.
    if (r.code === VM_FAULT_OK && this.repeats >= 1 && tval % PAGE_SIZE > PAGE_SIZE - 8) {
      addr = tval - (tval % PAGE_SIZE) + PAGE_SIZE;
      r = handleMmFault(ctx, addr, flags);
    }
    this.drainPhys(cpu);
    if (r.code === VM_FAULT_OK && this.repeats < 4) return TRAP_RESUME;
    if (r.code === VM_FAULT_OK) this.repeats = 0;
    const kind = cause === CAUSE_STORE_PAGE ? 'store to' : cause === CAUSE_FETCH_PAGE ? 'instruction fetch from' : 'load from';
    if (r.code === VM_FAULT_OK) return this.kill(cpu, cause, tval, SIGSEGV, `${kind} 0x${addr.toString(16)}: the fault repeats (kernel could not fix it)`, { code: SEGV_ACCERR, addr });
    if (r.code === VM_FAULT_OOM) return this.kill(cpu, cause, tval, SIGKILL, `out of memory at ${kind} 0x${addr.toString(16)} (no free page: the OOM killer's choice)`);
    if (r.code === VM_FAULT_SIGBUS) return this.kill(cpu, cause, tval, SIGBUS, `${kind} 0x${addr.toString(16)}: beyond the end of the mapped file`, { code: BUS_ADRERR, addr });
    const where = r.vma >= 0 ? `in VMA ${this.describeVma(this.cur(cpu), r.vma)}` : 'outside any mapping';
    return this.kill(cpu, cause, tval, SIGSEGV, `${kind} 0x${addr.toString(16)} ${where}`, { code: r.vma >= 0 ? SEGV_ACCERR : SEGV_MAPERR, addr });
  }

  /** "0x10000-0x71000 r-xp /hello", as /proc/PID/maps names it. */
  private describeVma(proc: Process, v: number): string {
    const p = this.t.pool;
    const m = proc.mm!.m;
    const f = p.flags(v);
    const perms = `${f & VM_READ ? 'r' : '-'}${f & VM_WRITE ? 'w' : '-'}${f & VM_EXEC ? 'x' : '-'}${f & VM_MAYSHARE ? 's' : 'p'}`;
    let name = '';
    if (p.file(v) === 1) name = ` ${proc.exe}`;
    else if (p.start(v) <= this.t.get(m, F_START_BRK) && p.end(v) >= this.t.get(m, F_BRK) && p.end(v) > this.t.get(m, F_START_BRK)) name = ' [heap]';
    else if ((f & VM_GROWSDOWN) !== 0) name = ' [stack]';
    return `0x${p.start(v).toString(16)}-0x${p.end(v).toString(16)} ${perms}${name}`;
  }

  /**
   * The default action of a fatal signal: the process ends (status: the signal), one line says
   * why. Pid 1's death ends the machine; any other process's leaves the others running. A
   * fault (`fault`: its si_code and si_addr) goes to the thread's handler instead when it has
   * one it does not block (force_sig_fault); cause -1: a signal sent, not a fault.
   */
  private kill(cpu: Cpu, cause: number, tval: number, sig: number, what: string, fault?: { code: number; addr: number }): number {
    const p = this.cur(cpu);
    if (fault && forceSigFault(p, sig, fault.code, fault.addr)) return TRAP_RESUME;
    const sym = (this.symbolTables.get(p.image) ?? this.symbols).format(cpu.pc);
    const at = `at pc 0x${cpu.pc.toString(16)}${sym.startsWith('0x') ? '' : ` (${sym})`}`;
    const report = `core ${cpu.hartId}: pid ${p.pid} (${p.comm}) ${signame(sig)} ${at}: ${what}`;
    this.faults.push({ core: cpu.hartId, pc: cpu.pc, cause, causeName: cause < 0 ? 'signal' : CAUSE_NAMES[cause] ?? `cause ${cause}`, tval, report, signal: sig });
    this.killOtherThreads(cpu, p);
    if (p.pid !== this.init.pid) return this.doExit(cpu, p, sig & 0x7f);
    this.initKilled = true;
    this.exitCore(cpu, 128 + sig);
    this.ctl.requestStop(STOP_SIGNAL, cpu.hartId, 128 + sig, this.clock.quantum);
    return TRAP_STOP;
  }

  /**
   * do_exit's mm part (exit_mm, mmput): the process drops its reference; the address space
   * goes (pages, page tables, VMAs), charged to this core, only with the last user (a vfork
   * or CLONE_VM child shares its parent's).
   */
  private exitMm(cpu: Cpu, p: Process): void {
    if (!p.mm) return;
    const mm = this.mmOn(cpu.hartId, p.mm);
    const paths = p === this.init ? this.o.exec.procAtExit ?? [] : [];
    if (paths.length > 0) {
      // Every live pid as the guest would list it (other processes, the ksoftirqd/N kthreads), pid 1 as self.
      const view = this.liveProcView();
      for (const path of paths) this.procTexts.push({ path, text: this.readProc(view, path) ?? `smpemu: --proc ${path}: no such file\n` });
    }
    const home = p.mm;
    p.mm = undefined;
    if (this.mmUsers(home) > 0) return;
    this.dropLazyMm(home);
    exitMmap(mm.t, mm.m, mm.pgd, mm.pt, mm.mmu, mm.shmem);
    this.drainPhys(cpu);
    this.sweepMapped();
  }

  /** mm_users as the processes still holding mm (a thread group counts once: its threads share the leader's reference). */
  private mmUsers(mm: MmContext): number {
    let n = 0;
    for (const q of this.procs.values()) if (q.mm === mm) n++;
    return n;
  }

  /** exit_files: the fd table is closed by the last process using it (CLONE_FILES sharers keep it open). */
  private exitFiles(p: Process): void {
    const files = p.fs.files;
    if (--files.users <= 0) files.closeAll();
  }

  /**
   * complete_vfork_done (mm_release at exec or exit): the parent thread asleep in vfork for
   * t runs again; vfork returns t's pid to it.
   */
  private completeVforkDone(cpu: Cpu, t: Process): void {
    const parent = t.vforkDone;
    if (!parent) return;
    t.vforkDone = undefined;
    if (parent.vforkChild !== t || this.byTask.get(parent.task) !== parent) return;
    parent.vforkChild = undefined;
    this.regs.set(parent.task, W_STATE, TASK_RUNNING);
    this.wakeUp(cpu, parent.task);
  }

  /** A vfork wait ends without the child's release (the parent is killed): the child forgets it (vfork_done = NULL). */
  private vforkUnlink(parent: Process): void {
    const child = parent.vforkChild;
    if (!child) return;
    parent.vforkChild = undefined;
    if (child.vforkDone === parent) child.vforkDone = undefined;
  }

  /** An mm going away: no core keeps it loaded (its ASID no longer reserved there: leave_mm). */
  private dropLazyMm(mm: MmContext): void {
    for (const [core, loaded] of this.loadedMm) {
      if (loaded !== mm) continue;
      this.loadedMm.delete(core);
      this.asids.leave_mm(core);
    }
  }

  /** Drops the files no VMA of any live mm maps any more (the fput of the VMAs that went). */
  private sweepMapped(): void {
    if (this.mapped.size === 0) return;
    const ids = new Set<number>();
    const seen = new Set<number>();
    for (const q of this.procs.values()) {
      const mm = q.mm;
      if (!mm || seen.has(mm.m)) continue;
      seen.add(mm.m);
      for (let i = 0; i < mm.t.mapCount(mm.m); i++) ids.add(mm.t.pool.file(mm.t.vmaAt(mm.m, i)));
    }
    this.mapped.sweep(ids);
  }

  /** TLB shootdowns core `core` sent and received (mm/context.ts counts them). */
  shootdowns(core: number): { sent: number; received: number } {
    return this.asids.shootdowns(core);
  }

  /**
   * Pid 1 ends: the machine stops with its status. As when a pid namespace's init exits
   * (zap_pid_ns_processes), every other process is killed: their address spaces and files go.
   */
  private exitCore(cpu: Cpu, code: number): void {
    this.exitMm(cpu, this.init);
    this.init.fs.files.closeAll();
    for (const p of this.procs.values()) {
      if (p === this.init || !p.mm) continue;
      this.exitMm(cpu, p);
      p.fs.files.closeAll();
    }
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_EXIT_CODE), code & 0xff);
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_STATE), CORE_EXITED);
  }

  /**
   * do_exit of a process other than pid 1 (exit and exit_group are one for a one-thread
   * process): the mm and the files go, its children pass to pid 1, it becomes a zombie
   * holding its wait status, the parent gets SIGCHLD (recorded) and is woken if it waits,
   * and the core schedules away for good.
   */
  private doExit(cpu: Cpu, t: Process, status: number): number {
    // The leader's record and slot carry the process (and become the zombie) whichever thread ends it.
    const p = t.group[0]!;
    this.exitMm(cpu, p);
    this.completeVforkDone(cpu, p);
    futex_task_exit(this.futex, p.task);
    this.exitFiles(p);
    this.pipeWake(cpu);
    for (const c of p.children) {
      const child = this.procs.get(c);
      if (!child) continue;
      child.ppid = this.init.pid;
      this.regs.set(child.task, W_PARENT, this.init.pid);
      this.init.children.add(c);
      if (this.regs.get(child.task, W_STATE) === EXIT_ZOMBIE) this.wakeWaiter(cpu, this.init);
    }
    p.children.clear();
    this.regs.set(p.task, W_EXIT_CODE, status);
    this.regs.set(p.task, W_STATE, EXIT_ZOMBIE);
    const parent = this.procs.get(p.ppid);
    let autoreap = false;
    if (parent) {
      parent.sigchld++;
      for (const th of parent.group) this.wakeWaiter(cpu, th);
      const times = this.groupTimes.group(p.pid, [p.task], this.nsOf(cpu));
      autoreap = doNotifyParent(cpu, this.sigHost, p, parent, status, nsec_to_clock_t(utimeOf(times)), nsec_to_clock_t(times.stime));
    }
    if (t !== p) {
      // The thread that ended the group leaves too (killOtherThreads took the leader off the run queue).
      futex_task_exit(this.futex, t.task);
      this.regs.set(t.task, W_STATE, EXIT_ZOMBIE);
      this.schedule(cpu, SM_SLEEP);
      this.releaseThreadSlot(t);
      if (autoreap) this.releaseZombie(p);
      return TRAP_RESUME;
    }
    this.schedule(cpu, SM_SLEEP);
    if (autoreap) this.releaseZombie(p);
    return TRAP_RESUME;
  }

  /** release_task of a child nobody will wait for (its parent ignores SIGCHLD or set SA_NOCLDWAIT): no zombie stays. */
  private releaseZombie(z: Process): void {
    this.procs.get(z.ppid)?.children.delete(z.pid);
    this.procs.delete(z.pid);
    this.byTask.delete(z.task);
    this.regs.free(z.task);
    this.sched.tset(z.task, T_FLAGS, 0);
  }

  /**
   * exit_group / a fatal signal: every other thread of t's group goes at once (zap_other_threads):
   * off its futex chain and the run queue, its slot freed. Runs on t's core with t current; a
   * thread running on another core of this kernel is switched out there at once (Linux's
   * SIGKILL IPI, taken before that core runs another instruction of the dying process).
   */
  private killOtherThreads(cpu: Cpu, t: Process): void {
    if (t.group.length <= 1) return;
    for (const th of [...t.group]) {
      if (th === t) continue;
      this.zapThread(th);
      if (th === th.group[0]) {
        // The leader's record carries the process: t takes its place for the exit (its slot stays as the zombie).
        this.regs.set(th.task, W_STATE, TASK_INTERRUPTIBLE);
        task_dead_dl(this.sched, th.task);
        continue;
      }
      this.releaseThreadSlot(th);
    }
  }

  /**
   * A thread killed by another's exit_group, fatal signal or exec (SIGKILL: it runs no more
   * user code): off the futex hash, switched out of the core running it or taken off its run
   * queue, out of every wait (a vfork child it waited for runs on without it).
   */
  private zapThread(th: Process): void {
    futex_task_exit(this.futex, th.task);
    const on = this.coreRunning(th);
    if (on !== undefined) {
      this.regs.set(th.task, W_STATE, EXIT_ZOMBIE);
      this.schedule(on, SM_SLEEP);
    } else if (this.sched.tget(th.task, T_ON_RQ) !== 0) {
      const c = this.sched.tget(th.task, T_CPU);
      rq_lock(this.sched, c);
      dequeue_task(this.sched, c, th.task, DEQUEUE_SLEEP);
      rq_unlock(this.sched, c);
    }
    this.sleepers.delete(th);
    th.sleepUntil = -1;
    th.sleepCpu = -1;
    th.waiting = false;
    th.futexWait = false;
    th.pipeWait?.wait.delete(th.task);
    th.pipeWait = undefined;
    this.vforkUnlink(th);
  }

  /**
   * de_thread at exec: every other thread of t's group is killed (zapThread; then, as each
   * one's exit would, its clear_child_tid store of 0 and FUTEX_WAKE in the old mm, which t
   * still runs on, and a vfork parent waiting for it released); their slots go. A t that is
   * not the leader takes the leader's place: its pid as tid (exchange_tids), its parent, its
   * record in the process table; the old leader's record and slot go with the rest.
   */
  private deThread(cpu: Cpu, t: Process): void {
    if (t.group.length <= 1) return;
    const leader = t.group[0]!;
    const others = t.group.filter((th) => th !== t);
    for (const th of others) this.zapThread(th);
    const user = this.futexUser(cpu, t);
    for (const th of others) {
      const ts = th.state.task(th.tid);
      if (ts.clearChildTid !== 0) futex_clear_child_tid(this.futex, user, ts.clearChildTid);
      ts.clearChildTid = 0;
      this.completeVforkDone(cpu, th);
      this.regs.set(th.task, W_STATE, EXIT_ZOMBIE);
      this.releaseThreadSlot(th);
    }
    this.drainPhys(cpu);
    if (t === leader) return;
    const ts = t.state.tasks.get(t.tid)!;
    t.state.tasks.delete(t.tid);
    t.state.tasks.set(leader.pid, ts);
    t.tid = leader.pid;
    this.regs.set(t.task, W_TID, t.tid);
    t.ppid = leader.ppid;
    this.regs.set(t.task, W_PARENT, leader.ppid);
    t.sigchld = leader.sigchld;
    t.cminFlt = leader.cminFlt;
    t.cmajFlt = leader.cmajFlt;
    this.procs.set(t.pid, t);
    if (this.init === leader) this.init = t;
  }

  /** The core (of this kernel) that runs th right now, if any. */
  private coreRunning(th: Process): Cpu | undefined {
    for (const [id, p] of this.current) {
      if (p !== th) continue;
      const cpu = this.cpus.get(id);
      if (cpu && id !== this.curCpu) this.o.fetchCpu?.(cpu);
      return cpu;
    }
    return undefined;
  }

  /** A non-leader thread's record and slot go (release_task for a thread). */
  private releaseThreadSlot(th: Process): void {
    this.sleepers.delete(th);
    this.groupTimes.threadGone(th.pid, th.task);
    task_dead_dl(this.sched, th.task);
    const g = th.group;
    g.splice(g.indexOf(th), 1);
    th.state.removeThread(th.tid);
    this.byTask.delete(th.task);
    this.regs.free(th.task);
    this.sched.tset(th.task, T_FLAGS, 0);
  }

  /**
   * exit of one thread of several (not the leader): mm_release's clear_child_tid (store 0 and
   * FUTEX_WAKE one waiter: pthread_join), off the futex hash, slot freed, the core schedules away.
   */
  private exitThread(cpu: Cpu, t: Process): number {
    const ts = t.state.task(t.tid);
    if (ts.clearChildTid !== 0) {
      const at = ts.clearChildTid;
      ts.clearChildTid = 0;
      futex_clear_child_tid(this.futex, this.futexUser(cpu, t), at);
    }
    futex_task_exit(this.futex, t.task);
    this.regs.set(t.task, W_STATE, EXIT_ZOMBIE);
    const s = this.sched;
    update_rq_clock(s, cpu.hartId, this.nsOf(cpu));
    this.schedule(cpu, SM_SLEEP);
    this.releaseThreadSlot(t);
    return TRAP_RESUME;
  }

  /**
   * clone with CLONE_THREAD (glibc: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|
   * CHILD_CLEARTID): a new task in the caller's thread group sharing its mm, files and signal
   * state; a0 = 0, sp = stack, tp = tls, pc after the ecall.
   */
  private cloneThread(cpu: Cpu, parent: Process, flags: number, stack: number, ptid: number, tls: number, ctid: number): number {
    if ((flags & CLONE_VM) === 0 || (flags & CLONE_SIGHAND) === 0) return -EINVAL; // copy_process's checks
    if (stack === 0) return -EINVAL;
    if (!parent.mm) return -EINVAL;
    if (this.nextPid > PID_MAX) return -EAGAIN;
    const task = this.regs.allocSlot(this.o.cores);
    if (task < 0) return -EAGAIN;
    const s = this.sched;
    rq_lock(s, cpu.hartId); // task_fork_fair's
    update_rq_clock(s, cpu.hartId, this.nsOf(cpu));
    const r = sched_fork(s, cpu.hartId, parent.task, task);
    rq_unlock(s, cpu.hartId);
    if (r < 0) {
      this.regs.free(task);
      return r;
    }
    const tid = this.nextPid++;
    const th: Process = {
      ...parent, tid, task, futexWait: false, sleepUntil: -1, sleepCpu: -1, waiting: false, pipeWait: undefined, pipeDone: 0, restarting: false, setChildTid: 0,
      vforkDone: undefined, vforkChild: undefined,
    };
    parent.group.push(th);
    this.byTask.set(task, th);
    const ts = parent.state.addThread(parent.tid, tid);
    if ((flags & CLONE_CHILD_CLEARTID) !== 0) ts.clearChildTid = ctid;
    this.regs.set(task, W_TID, tid);
    this.regs.set(task, W_TGID, parent.pid);
    this.regs.set(task, W_PARENT, parent.ppid);
    this.regs.set(task, W_MM, parent.mm.m);
    this.regs.setD(task, D_PGD, parent.mm.pgd);
    this.regs.save(cpu as Cpu & Partial<FpContext>, task);
    this.regs.setD(task, D_PC, cpu.pc + 4);
    this.regs.setReg(task, 10, 0);
    this.regs.setReg(task, 2, stack);
    if ((flags & CLONE_SETTLS) !== 0) this.regs.setReg(task, 4, tls);
    if ((flags & CLONE_CHILD_SETTID) !== 0) th.setChildTid = ctid;
    if ((flags & CLONE_PARENT_SETTID) !== 0) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, tid, true);
      this.userOf(cpu).copyToUser(ptid, b);
    }
    this.wakeUpNew(cpu, task);
    this.switchStats.threads++;
    return tid;
  }

  /** The futex view of t's address space: words through the core's path, the physical address for shared keys. */
  private futexUser(cpu: Cpu, t: Process) {
    const user = this.userOf(cpu);
    const mm = this.mmOn(cpu.hartId, t.mm!);
    return futexUserFromAccess(user, {
      mm: mm.m,
      taskSize: this.taskSize,
      // One core runs every task and the kernel is not preempted: read-modify-write through the copies is atomic here.
      atomicOp: (addr, op, oparg) => {
        const b = user.copyFromUser(addr, 4);
        if (!b) return UACCESS_FAULT;
        const old = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) | 0;
        const v = op === FUTEX_OP_SET ? oparg : op === FUTEX_OP_ADD ? old + oparg : op === FUTEX_OP_OR ? old | oparg : op === FUTEX_OP_ANDN ? old & ~oparg : old ^ oparg;
        const w = new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
        if (!user.copyToUser(addr, w)) return UACCESS_FAULT;
        return old >>> 0;
      },
      sharedKey: (addr) => {
        if (!user.copyFromUser(addr, 4)) return UACCESS_FAULT;
        const v = mm.t.vmaLookup(mm.m, addr);
        if (v >= 0 && (mm.t.pool.flags(v) & VM_SHARED) === 0) return KEY_BY_MM; // a private page: fork's COW copy must keep the key
        const ptep = mm.pt.pte_offset_map(mm.pgd, addr);
        if (ptep === 0) return UACCESS_FAULT;
        const lo = mm.pt.ptep_get(ptep);
        return pte_pfn(lo, mm.pt.phys.hi) * PAGE_SIZE + (addr % PAGE_SIZE);
      },
    });
  }

  /** futex(2): sys_futex_cpu; FUTEX_SLEEP puts the task to sleep until futexWake (a0 then from futex_wait_result). */
  private futexCall(cpu: Cpu, t: Process): number {
    const f = this.futex;
    const caller = {
      task: t.task, prio: FUTEX_PRIO_NORMAL, user: this.futexUser(cpu, t), uaccess: this.userOf(cpu),
      clockNow: (clock: number) => this.nsOf(cpu) + (clock === 0 ? Number(BOOT_EPOCH_NS) : 0),
    };
    const r = sys_futex_cpu(f, caller, cpu);
    if (r !== FUTEX_SLEEP) return this.finish(cpu, r);
    this.drainPhys(cpu);
    cpu.pc += 4;
    if (!futex_wait_pending(f, t.task)) {
      setReg(cpu, 10, futex_wait_result(f, t.task));
      return TRAP_RESUME;
    }
    if (signalPending(t)) {
      // signal_pending_state: no sleep; the wait returns its restart code at once.
      futex_interrupt(f, t.task, futex_wait_deadline(f, t.task) !== Infinity ? -ERESTART_RESTARTBLOCK : -ERESTARTSYS);
      setReg(cpu, 10, futex_wait_result(f, t.task));
      return TRAP_RESUME;
    }
    t.futexWait = true;
    this.regs.set(t.task, W_STATE, TASK_INTERRUPTIBLE);
    this.schedule(cpu, SM_SLEEP);
    return TRAP_RESUME;
  }

  /** The futex code's wake_up(task), from the core whose futex call or timer event this is. */
  private futexWake(task: number): void {
    const t = this.byTask.get(task);
    if (!t || !t.futexWait) return;
    this.regs.set(task, W_STATE, TASK_RUNNING);
    this.wakeUp(this.cpus.get(this.curCpu)!, task);
  }

  /** Timed futex waits whose deadline passed: futex_timeout, and the task runs again with -ETIMEDOUT. */
  private futexTimeouts(cpu: Cpu): void {
    const f = this.futex;
    for (const t of this.byTask.values()) {
      if (!t.futexWait || this.sched.tget(t.task, T_CPU) !== cpu.hartId) continue;
      const d = futex_wait_deadline(f, t.task);
      if (d === Infinity) continue;
      const now = this.nsOf(cpu) + (futex_wait_clock(f, t.task) === 0 ? Number(BOOT_EPOCH_NS) : 0);
      if (now >= d && futex_timeout(f, t.task, futex_wait_seq(f, t.task))) this.futexWake(t.task);
    }
  }

  /** The task sched_{get,set}affinity's pid names (0: the caller), or undefined (ESRCH). */
  private affinityTarget(cpu: Cpu): Process | undefined {
    const pid = regS(cpu, 10) | 0;
    if (pid === 0) return this.cur(cpu);
    if (pid < 0) return undefined;
    for (const t of this.byTask.values()) if (t.tid === pid) return t;
    return undefined;
  }

  /** cpumask_size(): NR_CPUS (64 on riscv64) bits in whole longs. */
  private cpumaskSize(): number {
    return Math.ceil(Math.max(this.o.cores, 64) / 64) * 8;
  }

  /**
   * sched_getaffinity(pid, len, mask): the task's cpus_mask within the active cores; len must
   * hold nr_cpu_ids bits and be a multiple of sizeof(long) (EINVAL); returns the bytes written.
   */
  private getaffinity(cpu: Cpu): number {
    const len = regU(cpu, 11);
    if (len * 8 < this.o.cores || (len & 7) !== 0) return -EINVAL;
    const t = this.affinityTarget(cpu);
    if (!t) return -ESRCH;
    const size = Math.min(len, this.cpumaskSize());
    const b = new Uint8Array(size);
    const m = task_cpumask(this.sched, t.task);
    for (const c of this.active) if (cpumask_test(m, c)) b[c >> 3]! |= 1 << (c & 7);
    if (!this.userOf(cpu).copyToUser(regU(cpu, 12), b)) return -EFAULT;
    return size;
  }

  /**
   * sched_setaffinity(pid, len, mask): get_user_cpu_mask (a shorter len zero-fills the rest, a
   * longer one is cut to cpumask_size(); EFAULT), then __set_cpus_allowed_ptr: the mask within
   * the possible cores, EINVAL when it holds no active one. The caller then moves the task
   * off a core its mask no longer allows (enforceAffinity).
   */
  private setaffinity(cpu: Cpu): { r: number; target?: Process } {
    const len = Math.min(regU(cpu, 11), this.cpumaskSize());
    const raw = len === 0 ? new Uint8Array(0) : this.userOf(cpu).copyFromUser(regU(cpu, 12), len);
    if (!raw) return { r: -EFAULT };
    const t = this.affinityTarget(cpu);
    if (!t) return { r: -ESRCH };
    const cpus: number[] = [];
    for (let c = 0; c < this.o.cores && c < len * 8; c++) if ((raw[c >> 3]! >> (c & 7)) & 1) cpus.push(c);
    if (!cpus.some((c) => this.active.includes(c))) return { r: -EINVAL };
    set_cpus_allowed(this.sched, t.task, cpumask_of(cpus));
    return { r: 0, target: t };
  }

  /**
   * t's mask no longer allows the core it is on: a queued task moves (move_queued_task), a
   * running one is switched out there and queued on an allowed core (migration_cpu_stop), a
   * sleeping one is placed by its next wakeup.
   */
  enforceAffinity(t: Process): void {
    const s = this.sched;
    const on = this.coreRunning(t);
    const from = on ? on.hartId : s.tget(t.task, T_CPU);
    if (from < 0 || task_allowed_on_cpu(s, t.task, from)) return;
    if (!on && s.tget(t.task, T_ON_RQ) === 0) return;
    const src = this.cpus.get(from)!;
    update_rq_clock(s, from, this.nsOf(src));
    if (on) this.schedule(on, SM_MIGRATE);
    const dest = select_task_rq_wake(s, t.task, this.active);
    this.catchUp(dest, src.cycle);
    // __set_cpus_allowed_ptr's task_rq_lock, then move_queued_task's (or the stopper's) dest lock.
    if (on) rq_lock(s, dest);
    else double_rq_lock(s, from, dest);
    update_rq_clock(s, dest, this.nsOf(this.cpus.get(dest)!));
    const had = test_need_resched(s, dest);
    if (on) {
      set_task_cpu(s, t.task, dest);
      enqueue_task(s, dest, t.task, ENQUEUE_MOVE);
      check_preempt_curr(s, dest, t.task, 0);
    } else move_queued_task(s, from, t.task, dest);
    if (on) rq_unlock(s, dest);
    else double_rq_unlock(s, from, dest);
    if (!had && test_need_resched(s, dest) && dest !== this.curCpu) this.smp_send_reschedule(dest);
  }

  /** getcpu(cpu, node, cache): the core the caller runs on, node 0 (one NUMA node). */
  private getcpu(cpu: Cpu): number {
    const user = this.userOf(cpu);
    const put = (at: number, v: number) => {
      if (at === 0) return true;
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v, true);
      return user.copyToUser(at, b);
    };
    if (!put(regU(cpu, 10), cpu.hartId) || !put(regU(cpu, 11), 0)) return -EFAULT;
    return 0;
  }

  /** A child changed state: a parent asleep in wait4 runs again (and restarts the call). */
  private wakeWaiter(cpu: Cpu, parent: Process): void {
    if (!parent.waiting) return;
    parent.waiting = false;
    parent.restarting = true;
    this.regs.set(parent.task, W_STATE, TASK_RUNNING);
    this.wakeUp(cpu, parent.task);
  }

  private syscall(cpu: Cpu): number {
    const p = this.cur(cpu);
    const nr = regU(cpu, 17);
    this.lastFault = ''; // progress: the same fault after a syscall (after each fork, say) is a new one
    if (p.restarting) p.restarting = false;
    else this.syscallCounts.set(nr, (this.syscallCounts.get(nr) ?? 0) + 1);
    cpu.cycle += SYSCALL_COST;
    if (nr === SYS_exit && p.group.length > 1 && p !== p.group[0]) return this.exitThread(cpu, p);
    if (nr === SYS_futex) return this.futexCall(cpu, p);
    if (nr === SYS_sched_getaffinity) return this.finish(cpu, this.getaffinity(cpu));
    if (nr === SYS_sched_setaffinity) {
      const { r, target } = this.setaffinity(cpu);
      const ret = this.finish(cpu, r);
      if (target) this.enforceAffinity(target);
      return ret;
    }
    if (nr === SYS_getcpu) return this.finish(cpu, this.getcpu(cpu));
    if (nr === SYS_exit || nr === SYS_exit_group) {
      const code = cpu.xl[10] & 0xff;
      this.killOtherThreads(cpu, p);
      if (p.pid !== this.init.pid) return this.doExit(cpu, p, code << 8);
      // pid 1 ends the machine (Linux would panic: "Attempted to kill init").
      this.exitCore(cpu, code);
      this.ctl.requestStop(STOP_EXIT_GROUP, cpu.hartId, code, this.clock.quantum);
      return TRAP_STOP;
    }
    if (nr === SYS_wait4) {
      const r = this.wait4(cpu, p);
      if (r === BLOCKED && signalPending(p)) return this.finish(cpu, -ERESTARTSYS); // signal_pending_state: no sleep
      if (r === BLOCKED) {
        // Asleep until a child exits; the ecall runs again then (pc still points at it).
        p.waiting = true;
        this.regs.set(p.task, W_STATE, TASK_INTERRUPTIBLE);
        this.schedule(cpu, SM_SLEEP);
        return TRAP_RESUME;
      }
      return this.finish(cpu, r);
    }
    if (nr === SYS_clone) {
      const r = this.clone(cpu, p);
      return p.vforkChild ? this.vforkWait(cpu, p, r) : this.finish(cpu, r);
    }
    if (nr === SYS_execve) {
      const r = this.execve(cpu, p);
      if (r === 0) {
        this.pipeWake(cpu); // close-on-exec pipe ends
        this.drainPhys(cpu);
        return TRAP_RESUME; // the new image's registers are in place
      }
      if (r === EXEC_KILLED) return TRAP_RESUME;
      return this.finish(cpu, r);
    }
    if (nr === SYS_sched_yield) {
      setReg(cpu, 10, 0);
      cpu.pc += 4;
      rq_lock(this.sched, cpu.hartId); // do_sched_yield's this_rq_lock_irq
      do_sched_yield(this.sched, cpu.hartId);
      rq_unlock(this.sched, cpu.hartId);
      this.schedule(cpu, SM_YIELD);
      return TRAP_RESUME;
    }
    if ((nr >= SYS_kill && nr <= SYS_rt_sigreturn) || nr === SYS_rt_tgsigqueueinfo || nr === SYS_ppoll) {
      const sr = signalSyscall(cpu, this.sigHost, p, nr);
      if (sr === SIG_RESUMED) return TRAP_RESUME;
      if (sr !== NOT_MINE) return this.finish(cpu, sr);
    }
    const task: SyscallTask = { cpu, user: this.userOf(cpu), pid: p.pid, tid: p.tid, ppid: p.group[0]!.ppid, canSleep: true, writeDone: p.pipeDone };
    this.console.core = cpu.hartId;
    let ret = p.mm ? mmSyscall(this.mmOn(cpu.hartId, p.mm), task, nr, (fd) => this.mapped.fget(p.fs.files.get(fd))) : NOT_MINE;
    if (nr === SYS_mmap || ((nr === SYS_munmap || nr === SYS_mremap) && ret >= 0)) this.sweepMapped();
    for (let i = 0; ret === NOT_MINE && i < p.groups.length; i++) ret = p.groups[i](task, nr);
    if (ret === NOT_MINE) {
      this.enosysCounts.set(nr, (this.enosysCounts.get(nr) ?? 0) + 1);
      ret = -ENOSYS;
    }
    if ((nr === SYS_write || nr === SYS_writev) && ret !== WOULD_BLOCK) {
      const done = p.pipeDone;
      p.pipeDone = 0;
      if (ret >= 0) {
        // pipe_write goes on until every byte is in: a write that filled the pipe part-way sleeps for room.
        const f = p.fs.files.get(cpu.xl[10] | 0);
        const pipe = f instanceof PipeFile && (f.flags & O_NONBLOCK) === 0 ? f.pipe : undefined;
        if (pipe && ret > 0 && (task.writeLeft ?? 0) > 0 && pipe.readers > 0 && pipe.available === pipe.buf.length) {
          p.pipeDone = done + ret;
          return this.pipeSleep(cpu, p, pipe);
        }
        ret += done;
      } else if (done > 0) {
        if (ret === -EPIPE) sendSigpipe(cpu, this.sigHost, p);
        ret = done; // an error after some bytes: their count
      }
    }
    if (ret === WOULD_BLOCK) return this.pipeSleep(cpu, p);
    if (ret === -EPIPE && (nr === SYS_write || nr === SYS_writev)) sendSigpipe(cpu, this.sigHost, p);
    return this.finish(cpu, ret);
  }

  /**
   * pipe_read / pipe_write must wait (empty with writers, full with readers): the task sleeps on
   * the pipe's wait queue with pc on its ecall, which runs again when pipe activity wakes it
   * (pipeWake); a pending signal stops it first (-ERESTARTSYS: EINTR or SA_RESTART's restart).
   */
  private pipeSleep(cpu: Cpu, p: Process, on?: PipeInode): number {
    const pipe = on ?? takeWouldBlock();
    if (!pipe) throw new Error('BUG: WOULD_BLOCK without a pipe');
    this.pipeWake(cpu);
    if (signalPending(p)) {
      const done = p.pipeDone;
      p.pipeDone = 0;
      return this.finish(cpu, done > 0 ? done : -ERESTARTSYS);
    }
    p.pipeWait = pipe;
    pipe.wait.add(p.task);
    this.drainPhys(cpu);
    this.regs.set(p.task, W_STATE, TASK_INTERRUPTIBLE);
    this.schedule(cpu, SM_SLEEP);
    return TRAP_RESUME;
  }

  /** wake_up_interruptible_all of the pipes that changed in this syscall: their sleepers run again and restart the call. */
  private pipeWake(cpu: Cpu): void {
    if (pipeWakeups.length === 0) return;
    const tasks = pipeWakeups.splice(0, pipeWakeups.length);
    for (const task of tasks) {
      const p = this.byTask.get(task);
      if (!p || p.pipeWait === undefined) continue; // gone, or a signal woke it first
      p.pipeWait = undefined;
      p.restarting = true;
      this.regs.set(p.task, W_STATE, TASK_RUNNING);
      this.wakeUp(cpu, p.task);
    }
  }

  /**
   * The end of a vfork-type clone in the parent (wait_for_vfork_done): clone's return value is
   * in place, then the caller sleeps (TASK_KILLABLE) until the child execs or exits
   * (completeVforkDone) or a fatal signal arrives; a fatal signal already pending: no sleep.
   */
  private vforkWait(cpu: Cpu, p: Process, pid: number): number {
    if (fatalSignalPending(p)) {
      this.vforkUnlink(p);
      return this.finish(cpu, pid);
    }
    this.syscallReturn(cpu, pid);
    this.regs.set(p.task, W_STATE, TASK_UNINTERRUPTIBLE);
    this.schedule(cpu, SM_SLEEP);
    return TRAP_RESUME;
  }

  /** A syscall's return value in a0 and pc past the ecall, after waking pipe waiters and settling page frees. */
  private syscallReturn(cpu: Cpu, ret: number): void {
    this.pipeWake(cpu);
    this.drainPhys(cpu);
    setReg(cpu, 10, ret);
    cpu.pc += 4;
  }

  /** Syscall return: a0, pc past the ecall, and a pending preemption (a woken or new task) taken here. */
  private finish(cpu: Cpu, ret: number): number {
    this.syscallReturn(cpu, ret);
    if (this.pendingSleep >= 0) {
      const cycles = this.pendingSleep;
      this.pendingSleep = -1;
      const t = this.cur(cpu);
      if (signalPending(t)) {
        // signal_pending_state: no sleep; nanosleep returns its restart code and the whole time left.
        setReg(cpu, 10, nanosleepRestart(t));
        nanosleepInterrupted(t, (Math.max(0, cycles - 1) * 1e9) / this.o.clockHz); // the timer ran a cycle before the check
        return TRAP_RESUME;
      }
      t.sleepUntil = Math.min(Number.MAX_SAFE_INTEGER, cpu.cycle + cycles);
      t.sleepCpu = cpu.hartId;
      this.sleepers.add(t);
      this.regs.set(t.task, W_STATE, TASK_INTERRUPTIBLE);
      this.schedule(cpu, SM_SLEEP);
      return TRAP_RESUME;
    }
    if (test_need_resched(this.sched, cpu.hartId)) this.schedule(cpu, SM_PREEMPT);
    return TRAP_RESUME;
  }

  /**
   * clone of a new process (fork, vfork, posix_spawn's clone): copy_process with dup_mm's
   * copy-on-write — or, with CLONE_VM, the parent's mm itself, one more user of it (mmget) —
   * a copy of the fd table (or the same one with CLONE_FILES), the signal state (the actions
   * shared with CLONE_SIGHAND), and the parent's registers with a0 = 0, resuming after the
   * ecall (sp = stack when given); sched_fork and wake_up_new_task place the child.
   * CLONE_VFORK: the caller sleeps until the child releases the mm (syscall, vforkWait).
   * CLONE_THREAD goes to cloneThread. Unknown bits are ignored, as Linux ignores
   * CLONE_DETACHED (musl's pthread_create passes it).
   */
  private clone(cpu: Cpu, parent: Process): number {
    const flags = regU(cpu, 10);
    const stack = regU(cpu, 11);
    const ptid = regU(cpu, 12);
    const tls = regU(cpu, 13);
    const ctid = regU(cpu, 14);
    if ((flags & CLONE_THREAD) !== 0) return this.cloneThread(cpu, parent, flags, stack, ptid, tls, ctid);
    if ((flags & CLONE_SIGHAND) !== 0 && (flags & CLONE_VM) === 0) return -EINVAL; // copy_process's check
    if (!parent.mm) return -EINVAL;
    const shareVm = (flags & CLONE_VM) !== 0;
    const start = cpu.cycle;
    const s = this.sched;
    if (this.nextPid > PID_MAX) {
      this.switchStats.forkFailed++;
      return -EAGAIN;
    }
    const task = this.regs.allocSlot(this.o.cores);
    if (task < 0) {
      this.switchStats.forkFailed++;
      return -EAGAIN;
    }
    // dup_mm under the parent's mmap lock; the parent's PTEs that lost W leave its TLB before unlock.
    const pm = this.mmOn(cpu.hartId, parent.mm);
    let dup = { ret: 0, m: pm.m, pgd: pm.pgd };
    if (!shareVm) {
      pm.t.mmapWriteLock(pm.m);
      forkGather.reset();
      try {
        dup = dup_mm(pm.t, pm.pt, pm.m, pm.pgd, forkGather, pm.shmem);
        if (forkGather.needFlush()) pm.mmu.flushTlbAll();
        forkGather.reset();
      } finally {
        pm.t.mmapWriteUnlock(pm.m);
      }
    }
    this.drainPhys(cpu);
    if (dup.ret < 0) {
      this.regs.free(task);
      this.switchStats.forkFailed++;
      return dup.ret;
    }
    const pid = this.nextPid++;
    rq_lock(s, cpu.hartId); // task_fork_fair's
    update_rq_clock(s, cpu.hartId, this.nsOf(cpu));
    const r = sched_fork(s, cpu.hartId, parent.task, task);
    rq_unlock(s, cpu.hartId);
    if (r < 0) {
      if (!shareVm) exitMmap(pm.t, dup.m, dup.pgd, pm.pt, pm.mmu, pm.shmem);
      this.regs.free(task);
      return r;
    }
    const fs = parent.fs.fork(pid, (flags & CLONE_FILES) !== 0);
    const state = parent.state.fork(parent.tid, pid, (flags & CLONE_CHILD_CLEARTID) !== 0 ? ctid : 0, (flags & CLONE_SIGHAND) !== 0);
    const child = this.newProcess({ pid, task, ppid: parent.pid, comm: parent.comm, exe: parent.exe, fs, state });
    child.image = parent.image;
    if (shareVm) {
      // The same mm object: its ASID, mm_cpumask and per-core views stay; a switch between the two keeps satp (as between threads).
      child.mm = parent.mm;
    } else {
      child.mm = this.mmContext(cpu.hartId, dup.m, dup.pgd);
      this.asids.init_new_context(dup.m);
    }
    this.regs.set(task, W_MM, dup.m);
    this.regs.setD(task, D_PGD, dup.pgd);
    // copy_thread: the parent's registers; the child returns 0 from the ecall.
    this.regs.save(cpu as Cpu & Partial<FpContext>, task);
    this.regs.setD(task, D_PC, cpu.pc + 4);
    this.regs.setReg(task, 10, 0);
    if (stack !== 0) this.regs.setReg(task, 2, stack);
    if ((flags & CLONE_SETTLS) !== 0) this.regs.setReg(task, 4, tls);
    if ((flags & CLONE_CHILD_SETTID) !== 0) child.setChildTid = ctid;
    if ((flags & CLONE_CHILD_CLEARTID) !== 0) this.regs.setD(task, D_CLEAR_CHILD_TID, ctid);
    if ((flags & CLONE_PARENT_SETTID) !== 0) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, pid, true);
      this.userOf(cpu).copyToUser(ptid, b);
    }
    state.exitSignal = flags & CSIGNAL; // sent to the parent at exit (signal/notify_parent.ts)
    parent.children.add(pid);
    if ((flags & CLONE_VFORK) !== 0) {
      child.vforkDone = parent;
      parent.vforkChild = child;
    }
    this.wakeUpNew(cpu, task);
    cpu.cycle += FORK_COST;
    this.drainPhys(cpu);
    this.switchStats.forks++;
    this.switchStats.forkCycles += cpu.cycle - start;
    return pid;
  }

  /**
   * execve(path, argv, envp): the ELF at path in the guest tree (through the process's root
   * and cwd; symlinks followed, confined to the root) replaces the address space: argv and
   * envp are copied out of the old image first, a new mm is built (load_elf_binary through
   * the new page tables), the old one is put (mmput: freed unless a vfork parent shares it,
   * which wakes now), close-on-exec fds are closed and signal handlers reset. Past the point
   * of no return the other threads die first (deThread; a non-leader caller becomes the
   * leader). Errors before it are the syscall's errno; a failure while loading kills the
   * process (SIGSEGV, as Linux's force_fatal_sig).
   */
  private execve(cpu: Cpu, p: Process): number {
    const user = this.userOf(cpu);
    const rawPath = user.strncpyFromUser(regU(cpu, 10), PATH_MAX);
    if (rawPath === null) return -EFAULT;
    if (rawPath === -1) return -ENAMETOOLONG;
    const path = new TextDecoder().decode(rawPath);
    if (path === '') return -ENOENT;
    const strings = (at: number): string[] | number => {
      const out: string[] = [];
      let bytes = 0;
      for (let i = 0; at !== 0 && i < MAX_ARG_STRINGS; i++) {
        const ptr = user.copyFromUser(at + 8 * i, 8);
        if (!ptr) return -EFAULT;
        const v = new DataView(ptr.buffer, ptr.byteOffset, 8);
        const a = v.getUint32(4, true) * 4294967296 + v.getUint32(0, true);
        if (a === 0) break;
        const str = user.strncpyFromUser(a, 131072); // MAX_ARG_STRLEN
        if (str === null) return -EFAULT;
        if (str === -1) return -E2BIG;
        bytes += str.length + 1 + 8;
        if (bytes > 2 * 1024 * 1024) return -E2BIG;
        out.push(new TextDecoder().decode(str));
      }
      return out;
    };
    const argv = strings(regU(cpu, 11));
    if (typeof argv === 'number') return argv;
    const envp = strings(regU(cpu, 12));
    if (typeof envp === 'number') return envp;
    const fs = p.fs;
    const found = fs.root.lookup(path.startsWith('/') ? [] : fs.cwd, path, { followLast: true }, { self: p.pid });
    if (typeof found === 'number') return found;
    const inode = found.inode;
    if (!inode) return -ENOENT;
    if (inode.fs !== 'host' || !inode.st.isFile()) return -EACCES;
    if ((Number(inode.st.mode) & 0o111) === 0) return -EACCES;
    let bytes: Uint8Array;
    let image: ElfImage;
    try {
      bytes = new Uint8Array(readFileSync(inode.host));
      image = parseElf(bytes);
    } catch {
      return -ENOEXEC;
    }
    const guestPath = '/' + found.guest.join('/');
    const oldMm = p.mm!;
    const old = this.mmOn(cpu.hartId, oldMm);
    const m = this.t.mmAlloc({ taskSize: this.taskSize });
    if (m < 0) return -ENOMEM;
    const pgd = old.pt.pgd_alloc();
    if (pgd < 0) {
      this.t.mmFree(m);
      return -ENOMEM;
    }
    // The point of no return (begin_new_exec): the other threads go, then the mm is swapped.
    this.deThread(cpu, p);
    // exec_mm_release: clear_child_tid's store and wake while another process shares the old mm.
    const ts = p.state.task(p.tid);
    if (ts.clearChildTid !== 0 && this.mmUsers(oldMm) > 1) futex_clear_child_tid(this.futex, this.futexUser(cpu, p), ts.clearChildTid);
    ts.clearChildTid = 0;
    const id = this.nextImageId++;
    this.images.set(id, { bytes, path: guestPath });
    const mmu = this.mmuOf(cpu);
    p.mm = this.mmContext(cpu.hartId, m, pgd);
    const shared = this.mmUsers(oldMm) > 0;
    if (!shared) this.dropLazyMm(oldMm);
    this.asids.init_new_context(m);
    this.asids.switch_mm(cpu.hartId, m, mmu, pgd, this.levels);
    this.loadedMm.set(cpu.hartId, p.mm);
    if (!shared) {
      exitMmap(old.t, old.m, old.pgd, old.pt, old.mmu, old.shmem);
      this.sweepMapped();
    }
    this.completeVforkDone(cpu, p);
    // unshare_files: a table shared with another process (CLONE_FILES) is copied before close-on-exec.
    if (p.fs.files.users > 1) {
      p.fs.files.users--;
      p.fs.files = p.fs.files.dup();
    }
    this.regs.set(p.task, W_MM, m);
    this.regs.setD(p.task, D_PGD, pgd);
    let loaded;
    try {
      loaded = loadElfBinary(this.t, m, image, { id, readable: true, writable: false }, {
        argv, envp, execfn: path, phdr: phdrVaddr(image) ?? 0, phnum: image.phnum, uid: p.state.cred.uid, gid: p.state.cred.gid,
        hwcap: riscvHwcap('rv64imafdc'), random: seededRandomBytes(this.o.exec.seed + p.pid),
        caches: this.o.caches && { l1i: this.o.caches.l1i, l1d: this.o.caches.l1d, l2: this.o.caches.l2, l3: this.o.caches.l3 },
      }, user, (ch) => applyMmChanges(this.t, m, pgd, old.pt, mmu, ch));
    } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      this.kill(cpu, CAUSE_ECALL_U, 0, SIGSEGV, `execve ${path}: ${e.message}`);
      return EXEC_KILLED;
    }
    p.comm = (guestPath.split('/').pop() ?? 'prog').slice(0, 15);
    p.image = id;
    this.symbolTables.set(id, new SymbolTable(image.symbols));
    p.exe = guestPath;
    p.state.exec(p.pid);
    fs.files.closeOnExec();
    for (let i = 1; i < 32; i++) setReg(cpu, i, 0);
    const fp = (cpu as Cpu & Partial<FpContext>).f;
    if (fp) fp.w.fill(0);
    cpu.pc = loaded.entry;
    setReg(cpu, 2, loaded.stack.sp);
    this.switchStats.execs++;
    return 0;
  }

  /**
   * wait4(pid, wstatus, options, rusage): do_wait over the caller's children (pid > 0: that
   * one; -1 or 0: any; < -1: any of process group -pid, which is pid 1's for every process).
   * A zombie is reaped: its task slot freed, its status ((code << 8) | signal) and rusage
   * written, its pid returned (-EFAULT if a copy fails, the child reaped all the same). None yet: 0 with WNOHANG, else the caller sleeps (BLOCKED).
   * No child at all: -ECHILD.
   */
  private wait4(cpu: Cpu, p: Process): number {
    const pid = regS(cpu, 10) | 0;
    const wstatus = regU(cpu, 11);
    const options = regU(cpu, 12);
    const rusage = regU(cpu, 13);
    if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) !== 0) return -EINVAL;
    let candidates = [...p.children];
    if (pid > 0) candidates = candidates.filter((c) => c === pid);
    else if (pid < -1 && -pid !== this.init.pid) candidates = [];
    if (candidates.length === 0) return -ECHILD;
    const zombie = candidates.map((c) => this.procs.get(c)!).find((c) => this.regs.get(c.task, W_STATE) === EXIT_ZOMBIE);
    if (!zombie) return (options & WNOHANG) !== 0 ? 0 : BLOCKED;
    // release_task, then the copies out (kernel_wait4, sys_wait4): a bad pointer is -EFAULT but the child is reaped.
    p.children.delete(zombie.pid);
    p.cminFlt += zombie.counts.minFlt + zombie.cminFlt;
    p.cmajFlt += zombie.counts.majFlt + zombie.cmajFlt;
    this.procs.delete(zombie.pid);
    this.byTask.delete(zombie.task);
    const status = this.regs.get(zombie.task, W_EXIT_CODE);
    const ru = rusage !== 0 ? this.rusageOf(zombie) : undefined;
    this.groupTimes.reap(p.pid, zombie.pid, [zombie.task]);
    this.regs.free(zombie.task);
    this.sched.tset(zombie.task, T_FLAGS, 0);
    const user = this.userOf(cpu);
    if (wstatus !== 0) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, status, true);
      if (!user.copyToUser(wstatus, b)) return -EFAULT;
    }
    if (ru && !user.copyToUser(rusage, ru)) return -EFAULT;
    return zombie.pid;
  }

  /** wait4's struct rusage of a reaped child: RUSAGE_BOTH, its threads' time (dead ones too) and its reaped children's. */
  private rusageOf(c: Process): Uint8Array {
    return encodeRusage(this.groupTimes.both(c.pid, [c.task]), c.counts.minFlt + c.cminFlt, c.counts.majFlt + c.cmajFlt);
  }

  /** The process running on core `hartId` (its thread group's pid, comm and image id), for the c2c records; undefined when none is. */
  runningOn(hartId: number): { pid: number; comm: string; image: number } | undefined {
    const p = this.current.get(hartId);
    return p ? { pid: p.pid, comm: p.comm, image: (p.group[0] ?? p).image } : undefined; // a thread's image is its leader's
  }

  private hostSwitchMedian(): number {
    const n = Math.min(this.switchStats.switches, SWITCH_SAMPLES);
    if (n === 0) return 0;
    const a = this.hostSwitchSamples.slice(0, n).sort();
    return Math.round(n % 2 === 1 ? a[(n - 1) / 2]! : (a[n / 2 - 1]! + a[n / 2]!) / 2);
  }

  processStats(): ProcessStats {
    const vs = this.alloc.vmstat;
    const ev = (name: string) => vs.event(vmEvent(name));
    let pgalloc = 0;
    for (const z of ['pgalloc_dma32', 'pgalloc_normal', 'pgalloc_movable']) pgalloc += ev(z);
    const irq = this.irq.stats();
    return { pid: this.pid, comm: this.comm, ...this.counts, pgfault: ev('pgfault'), pgmajfault: ev('pgmajfault'), pgalloc, pgfree: ev('pgfree'), misalignedEmulated: this.misalignedEmulated,
      ...(this.procTexts.length > 0 ? { proc: this.procTexts } : {}),
      sched: { ...this.switchStats, hostSwitchNs: Math.round(this.hostSwitchNs), hostSwitchMedianNs: this.hostSwitchMedian(), hostScheduleNs: Math.round(this.hostScheduleNs), tasks: this.procs.size, reschedIpis: irq.res, ...(this.rqLocks ? { rqLock: this.rqLocks.stats() } : {}) }, irq,
      ...(this.rqLocks ? { kernelSymbols: this.rqLocks.symbols() } : {}) };
  }

  /** Kernel entries since the last call (`entries`), then counts from 0. */
  takeEntries(): number {
    const n = this.entries;
    this.entries = 0;
    return n;
  }

  takeOutput(): OutputChunk[] {
    if (this.out.length === 0) return [];
    return this.out.splice(0, this.out.length);
  }
}

/** wait4's answer when the caller must sleep. */
const BLOCKED = Number.MIN_SAFE_INTEGER + 1;
const forkGather = new MmuGather();
