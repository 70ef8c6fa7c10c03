// The per-process and per-thread state the syscall groups keep under `--boot
// linux` (parts of Linux's task_struct, signal_struct, sighand_struct and cred):
// credentials, resource limits, signal actions, and per thread the blocked
// mask, the alternate signal stack, clear_child_tid and the robust list.
// Threads of one process (CLONE_VM | CLONE_SIGHAND) share one object and each
// has a TaskState; fork() makes the child's copy as copy_process does.
//
// Values a guest may set to any 64-bit pattern (handlers, masks, limits) are
// bigints so they read back exactly; none of this is on a hot path.
//
// Signal delivery (src/kernel/signal/) keeps its per-thread part in TaskState (pending set,
// the mask sigsuspend saved, the interrupted syscall) and its per-process part here (the
// shared pending set, the exit signal, the sigreturn trampoline).

import { SigPending } from '../signal/sigpending.ts';

/** RLIM_NLIMITS and the resource numbers (asm-generic/resource.h). */
export const RLIMIT_CPU = 0;
export const RLIMIT_FSIZE = 1;
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const RLIMIT_MEMLOCK = 8;
export const RLIMIT_AS = 9;
export const RLIMIT_LOCKS = 10;
export const RLIMIT_SIGPENDING = 11;
export const RLIMIT_MSGQUEUE = 12;
export const RLIMIT_NICE = 13;
export const RLIMIT_RTPRIO = 14;
export const RLIMIT_RTTIME = 15;
export const RLIM_NLIMITS = 16;
/** RLIM64_INFINITY (and RLIM_INFINITY on 64-bit). */
export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

/** _NSIG on riscv64: signals 1..64. */
export const NSIG = 64;
export const SIGKILL = 9;
export const SIGSTOP = 19;

export interface Rlimit {
  cur: bigint;
  max: bigint;
}

/** struct k_sigaction as riscv64 user space sees it: handler, flags, mask (no sa_restorer). */
export interface SigAction {
  handler: bigint;
  flags: bigint;
  mask: bigint;
}

/** sigaltstack state (t->sas_ss_sp, sas_ss_size, sas_ss_flags). */
export interface AltStack {
  sp: bigint;
  size: bigint;
  flags: number;
}

/**
 * What an interruptible sleep of the signal code leaves to do when the thread runs again
 * (signal/deliver.ts finishes it on the way back to user mode).
 */
export type SigSleep =
  | { kind: 'sigsuspend' }
  | { kind: 'timedwait'; these: bigint; uinfo: number; interrupted: boolean }
  | { kind: 'nanosleep'; rmtp: number; remainingNs: bigint }
  | { kind: 'ppoll'; tmo: number; deadline: number; interrupted: boolean };

/** Per-thread state. */
export class TaskState {
  /** current->blocked (bit sig-1 set: blocked). */
  blocked = 0n;
  /** task->pending: signals sent to this thread (tgkill, tkill, its own faults). */
  pending = new SigPending();
  /** saved_sigmask when TIF_RESTORE_SIGMASK is set (rt_sigsuspend); null otherwise. */
  savedSigmask: bigint | null = null;
  /** real_blocked while in rt_sigtimedwait. */
  realBlocked = 0n;
  /** The last trap was a syscall (regs->cause == EXC_SYSCALL) not yet returned from: its number and orig_a0 (two halves), a1, a3. */
  inSyscall = false;
  sysNr = 0;
  origA0Lo = 0;
  origA0Hi = 0;
  sysA1 = 0;
  sysA3 = 0;
  /** An interruptible sleep of the signal code (or an interrupted nanosleep) to finish. */
  sleep: SigSleep | null = null;
  altStack: AltStack = { sp: 0n, size: 0n, flags: 0 };
  /** set_tid_address / CLONE_CHILD_CLEARTID: zeroed and futex-woken when the thread exits (the thread issue). */
  clearChildTid = 0;
  /** set_robust_list: the head the futex code walks at exit (the thread issue); len is always 24. */
  robustListHead = 0;
  robustListLen = 0;

  copy(): TaskState {
    const t = new TaskState();
    t.blocked = this.blocked;
    t.altStack = { ...this.altStack };
    return t;
  }
}

/** Credentials (struct cred): real, effective, saved and fs ids. Root by default. */
export interface Cred {
  uid: number;
  euid: number;
  suid: number;
  gid: number;
  egid: number;
  sgid: number;
}

/**
 * INIT_RLIMITS (include/asm-generic/resource.h) as a booted Linux 6.1 has them: NPROC and
 * SIGPENDING are max_threads / 2, set by fork_init from RAM (max_threads = pages / 32 with
 * riscv64's 16 KiB THREAD_SIZE, at least 20). NOFILE: 1024 soft and 1048576 hard, what a
 * login session gets from systemd (the kernel's own default hard limit is 4096).
 */
export function defaultRlimits(totalramPages: number): Rlimit[] {
  const inf: Rlimit = { cur: RLIM_INFINITY, max: RLIM_INFINITY };
  const maxThreads = Math.max(20, Math.min(Math.floor(totalramPages / 32), 0x3fffffff));
  const half = BigInt(Math.floor(maxThreads / 2));
  const r: Rlimit[] = [];
  for (let i = 0; i < RLIM_NLIMITS; i++) r.push({ ...inf });
  r[RLIMIT_STACK] = { cur: 8n << 20n, max: RLIM_INFINITY }; // _STK_LIM
  r[RLIMIT_CORE] = { cur: 0n, max: RLIM_INFINITY };
  r[RLIMIT_NPROC] = { cur: half, max: half };
  r[RLIMIT_NOFILE] = { cur: 1024n, max: 1048576n };
  r[RLIMIT_MEMLOCK] = { cur: 8n << 20n, max: 8n << 20n }; // MLOCK_LIMIT since 5.16
  r[RLIMIT_SIGPENDING] = { cur: half, max: half };
  r[RLIMIT_MSGQUEUE] = { cur: 819200n, max: 819200n }; // MQ_BYTES_MAX
  r[RLIMIT_NICE] = { cur: 0n, max: 0n };
  r[RLIMIT_RTPRIO] = { cur: 0n, max: 0n };
  return r;
}

export class LinuxProcessState {
  cred: Cred;
  /** signal->rlim */
  rlimits: Rlimit[];
  /** sighand->action[sig - 1] */
  actions: SigAction[];
  /** tid -> per-thread state. */
  readonly tasks = new Map<number, TaskState>();
  /** signal->shared_pending: signals sent to the process (kill, sigqueue, SIGCHLD). */
  shared = new SigPending();
  /** The signal the parent gets when this process ends (clone's CSIGNAL byte; SIGCHLD for fork). */
  exitSignal = 17;
  /** Where this mm's sigreturn trampoline page is (0: not mapped yet; signal/trampoline.ts). */
  sigreturnTrampoline = 0;
  /** The group stop in force (the stop signal that caused it; 0: running): signal/stop.ts. */
  groupStop = 0;

  constructor(o: { totalramPages: number; cred?: Partial<Cred>; rlimits?: Rlimit[] }) {
    this.cred = { uid: 0, euid: 0, suid: 0, gid: 0, egid: 0, sgid: 0, ...o.cred };
    this.rlimits = (o.rlimits ?? defaultRlimits(o.totalramPages)).map((r) => ({ ...r }));
    this.actions = [];
    for (let i = 0; i < NSIG; i++) this.actions.push({ handler: 0n, flags: 0n, mask: 0n });
  }

  /** The thread's state, made on first use (the first thread exists from exec). */
  task(tid: number): TaskState {
    let t = this.tasks.get(tid);
    if (!t) {
      t = new TaskState();
      this.tasks.set(tid, t);
    }
    return t;
  }

  /** clone with CLONE_THREAD: a new thread of this process inherits the blocked mask (not the altstack, not the robust list). */
  addThread(parentTid: number, childTid: number): TaskState {
    const t = new TaskState();
    t.blocked = this.task(parentTid).blocked;
    this.tasks.set(childTid, t);
    return t;
  }

  /**
   * The signal and credential fields /proc/PID/status shows (proc/array.ts ProcessView):
   * the thread's pending set and the process's (SigPnd, ShdPnd), the queued count (SigQ), the thread's blocked mask, the process's ignored and caught sets (collect_sigign_sigcatch:
   * handler SIG_IGN, or neither SIG_IGN nor SIG_DFL), RLIMIT_SIGPENDING, and the ids
   * (fsuid/fsgid follow the effective ids: nothing sets them apart).
   */
  procView(tid: number): {
    sigPending: bigint; shdPending: bigint; sigQueued: number;
    sigBlocked: bigint; sigIgnored: bigint; sigCaught: bigint; sigQueueLimit: number;
    uid: [number, number, number, number]; gid: [number, number, number, number];
  } {
    let ign = 0n;
    let cgt = 0n;
    this.actions.forEach((a, i) => {
      if (a.handler === SIG_IGN) ign |= 1n << BigInt(i);
      else if (a.handler !== SIG_DFL) cgt |= 1n << BigInt(i);
    });
    const c = this.cred;
    let queued = this.shared.queued;
    for (const t of this.tasks.values()) queued += t.pending.queued;
    return {
      sigPending: this.task(tid).pending.signal, shdPending: this.shared.signal, sigQueued: queued,
      sigBlocked: this.task(tid).blocked, sigIgnored: ign, sigCaught: cgt,
      sigQueueLimit: Number(this.rlimits[RLIMIT_SIGPENDING].cur),
      uid: [c.uid, c.euid, c.suid, c.euid], gid: [c.gid, c.egid, c.sgid, c.egid],
    };
  }

  /** A thread exits. */
  removeThread(tid: number): void {
    this.tasks.delete(tid);
  }

  /**
   * fork(): the child process's state. Actions, limits and creds are copied; the child's one
   * thread inherits the parent thread's blocked mask and sigaltstack; its robust list is empty
   * and clear_child_tid is set only by CLONE_CHILD_CLEARTID (copy_process). `shareSighand`
   * (CLONE_SIGHAND without CLONE_THREAD): the child uses the parent's actions, not a copy.
   */
  fork(parentTid: number, childTid: number, childClearTid = 0, shareSighand = false): LinuxProcessState {
    const c = new LinuxProcessState({ totalramPages: 0, cred: this.cred, rlimits: this.rlimits });
    c.actions = shareSighand ? this.actions : this.actions.map((a) => ({ ...a }));
    c.sigreturnTrampoline = this.sigreturnTrampoline; // dup_mm copied its VMA
    const t = this.task(parentTid).copy();
    t.clearChildTid = childClearTid;
    c.tasks.set(childTid, t);
    return c;
  }

  /**
   * execve(): handlers go back to SIG_DFL except ignored ones (flush_signal_handlers with
   * force_default false), in a table of the process's own; the alternate stack is forgotten;
   * the blocked mask and limits stay.
   */
  exec(tid: number): void {
    this.actions = this.actions.map((a) => ({ ...a })); // unshare_sighand: a CLONE_SIGHAND sharer keeps its own
    for (const a of this.actions) {
      if (a.handler !== SIG_IGN) a.handler = SIG_DFL;
      a.flags = 0n;
      a.mask = 0n;
    }
    const self = this.task(tid);
    this.sigreturnTrampoline = 0; // a new mm
    self.altStack = { sp: 0n, size: 0n, flags: 0 };
    self.robustListHead = 0;
    self.robustListLen = 0;
    for (const k of [...this.tasks.keys()]) if (k !== tid) this.tasks.delete(k);
  }
}

export const SIG_DFL = 0n;
export const SIG_IGN = 1n;
