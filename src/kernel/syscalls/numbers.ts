// Linux riscv64 syscall numbers (asm-generic unistd.h), for dispatch and reports.

export const SYS_getcwd = 17;
export const SYS_ioctl = 29;
export const SYS_openat = 56;
export const SYS_close = 57;
export const SYS_read = 63;
export const SYS_write = 64;
export const SYS_writev = 66;
export const SYS_exit = 93;
export const SYS_exit_group = 94;
export const SYS_set_tid_address = 96;
export const SYS_futex = 98;
export const SYS_nanosleep = 101;
export const SYS_clock_gettime = 113;
export const SYS_sched_yield = 124;
export const SYS_getpid = 172;
export const SYS_gettid = 178;
export const SYS_brk = 214;
export const SYS_munmap = 215;
export const SYS_clone = 220;
export const SYS_mmap = 222;

/** Names of the syscalls smpemu knows of, implemented or not, for the ENOSYS report. */
export const SYSCALL_NAMES: Record<number, string> = {
  17: 'getcwd', 23: 'dup', 24: 'dup3', 25: 'fcntl', 29: 'ioctl', 48: 'faccessat', 56: 'openat', 57: 'close',
  59: 'pipe2', 61: 'getdents64', 62: 'lseek', 63: 'read', 64: 'write', 65: 'readv', 66: 'writev',
  67: 'pread64', 68: 'pwrite64', 73: 'ppoll', 78: 'readlinkat', 79: 'newfstatat', 80: 'fstat',
  93: 'exit', 94: 'exit_group', 96: 'set_tid_address', 98: 'futex', 99: 'set_robust_list',
  101: 'nanosleep', 113: 'clock_gettime', 115: 'clock_nanosleep', 122: 'sched_setaffinity',
  123: 'sched_getaffinity', 124: 'sched_yield', 129: 'kill', 130: 'tkill', 131: 'tgkill',
  132: 'sigaltstack', 134: 'rt_sigaction', 135: 'rt_sigprocmask', 139: 'rt_sigreturn', 160: 'uname',
  163: 'getrlimit', 167: 'prctl', 172: 'getpid', 173: 'getppid', 174: 'getuid', 175: 'geteuid',
  176: 'getgid', 177: 'getegid', 178: 'gettid', 214: 'brk', 215: 'munmap', 216: 'mremap',
  220: 'clone', 222: 'mmap', 226: 'mprotect', 233: 'madvise', 258: 'riscv_hwprobe',
  259: 'riscv_flush_icache', 260: 'wait4', 261: 'prlimit64', 278: 'getrandom', 283: 'membarrier',
  293: 'rseq', 435: 'clone3',
};

export function syscallName(n: number): string {
  return SYSCALL_NAMES[n] ?? `syscall_${n}`;
}

// errno values (asm-generic errno-base.h / errno.h), returned negated in a0. The one list: add here.
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOTTY = 25;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EMLINK = 31;
export const EPIPE = 32;
export const ERANGE = 34;
export const EDEADLK = 35;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const EOVERFLOW = 75;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;
