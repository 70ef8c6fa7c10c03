// Signal numbers, names, siginfo codes and default actions (asm-generic/signal.h,
// uapi/asm-generic/siginfo.h, include/linux/signal.h), and the kernel-internal restart
// codes a sleeping syscall returns when a signal wakes it (include/linux/errno.h).
// Signal sets are bigints, bit (sig - 1) per signal, as sigset_t's one 64-bit word on riscv64.

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGSTKFLT = 16;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGURG = 23;
export const SIGXCPU = 24;
export const SIGXFSZ = 25;
export const SIGVTALRM = 26;
export const SIGPROF = 27;
export const SIGWINCH = 28;
export const SIGIO = 29;
export const SIGPWR = 30;
export const SIGSYS = 31;
/** SIGRTMIN as the kernel counts (glibc reserves 32 and 33: SIGCANCEL, SIGSETXID). */
export const SIGRTMIN = 32;
/** _NSIG: signals 1..64. */
export const NSIG = 64;

const NAMES = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
  'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

/** "SIGSEGV", or "SIGRTMIN+3" / "SIG64" style for the real-time ones. */
export function signame(sig: number): string {
  if (sig > 0 && sig < SIGRTMIN) return NAMES[sig]!;
  if (sig >= SIGRTMIN && sig <= NSIG) return sig === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${sig - SIGRTMIN}`;
  return `signal ${sig}`;
}

/** valid_signal: 0 (existence check) .. _NSIG. */
export function validSignal(sig: number): boolean {
  return sig >= 0 && sig <= NSIG;
}

export function sigmask(sig: number): bigint {
  return 1n << BigInt(sig - 1);
}

/** The unblockable pair: never in a blocked mask or an action's mask. */
export const UNBLOCKABLE = sigmask(SIGKILL) | sigmask(SIGSTOP);

/** SYNCHRONOUS_MASK: faults are dequeued before anything else. */
export const SYNCHRONOUS_MASK = sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | sigmask(SIGTRAP) | sigmask(SIGFPE) | sigmask(SIGSYS);

const KERNEL_ONLY = sigmask(SIGKILL) | sigmask(SIGSTOP);
const KERNEL_COREDUMP = sigmask(SIGQUIT) | sigmask(SIGILL) | sigmask(SIGTRAP) | sigmask(SIGABRT) | sigmask(SIGFPE) | sigmask(SIGSEGV) |
  sigmask(SIGBUS) | sigmask(SIGSYS) | sigmask(SIGXCPU) | sigmask(SIGXFSZ);
const KERNEL_IGNORE = sigmask(SIGCONT) | sigmask(SIGCHLD) | sigmask(SIGWINCH) | sigmask(SIGURG);
const KERNEL_STOP = sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU);

/** sig_kernel_only, sig_kernel_coredump, sig_kernel_ignore, sig_kernel_stop (only for the classic signals 1..31). */
export function sigKernelOnly(sig: number): boolean {
  return sig < SIGRTMIN && (KERNEL_ONLY & sigmask(sig)) !== 0n;
}
export function sigKernelCoredump(sig: number): boolean {
  return sig < SIGRTMIN && (KERNEL_COREDUMP & sigmask(sig)) !== 0n;
}
export function sigKernelIgnore(sig: number): boolean {
  return sig < SIGRTMIN && (KERNEL_IGNORE & sigmask(sig)) !== 0n;
}
export function sigKernelStop(sig: number): boolean {
  return sig < SIGRTMIN && (KERNEL_STOP & sigmask(sig)) !== 0n;
}

/** sa_handler's special values. */
export const SIG_DFL = 0n;
export const SIG_IGN = 1n;

/** sa_flags (riscv uses the asm-generic values; no SA_RESTORER). */
export const SA_NOCLDSTOP = 0x1n;
export const SA_NOCLDWAIT = 0x2n;
export const SA_SIGINFO = 0x4n;
export const SA_ONSTACK = 0x08000000n;
export const SA_RESTART = 0x10000000n;
export const SA_NODEFER = 0x40000000n;
export const SA_RESETHAND = 0x80000000n;

/** si_code values: who sent it (negative: from user space) or why (positive: the kernel). */
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_QUEUE = -1;
export const SI_TKILL = -6;
export const ILL_ILLOPC = 1;
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const BUS_ADRALN = 1;
export const BUS_ADRERR = 2;
export const TRAP_BRKPT = 1;
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

/**
 * What a syscall interrupted by a signal returns inside the kernel (never seen by user space):
 * the signal code turns it into -EINTR or a restart of the call (deliver.ts).
 */
export const ERESTARTSYS = 512;
export const ERESTARTNOINTR = 513;
export const ERESTARTNOHAND = 514;
export const ERESTART_RESTARTBLOCK = 516;

export const SYS_ppoll = 73;
export const SYS_kill = 129;
export const SYS_tkill = 130;
export const SYS_tgkill = 131;
export const SYS_rt_sigsuspend = 133;
export const SYS_rt_sigpending = 136;
export const SYS_rt_sigtimedwait = 137;
export const SYS_rt_sigqueueinfo = 138;
export const SYS_rt_sigreturn = 139;
export const SYS_rt_tgsigqueueinfo = 240;
