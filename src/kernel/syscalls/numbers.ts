// Linux riscv64 syscall numbers (asm-generic unistd.h), for dispatch and reports.

export const SYS_getcwd = 17;
export const SYS_dup = 23;
export const SYS_dup3 = 24;
export const SYS_fcntl = 25;
export const SYS_ioctl = 29;
export const SYS_faccessat = 48;
export const SYS_chdir = 49;
export const SYS_fchdir = 50;
export const SYS_openat = 56;
export const SYS_close = 57;
export const SYS_pipe2 = 59;
export const SYS_getdents64 = 61;
export const SYS_lseek = 62;
export const SYS_read = 63;
export const SYS_write = 64;
export const SYS_readv = 65;
export const SYS_writev = 66;
export const SYS_pread64 = 67;
export const SYS_pwrite64 = 68;
export const SYS_readlinkat = 78;
export const SYS_newfstatat = 79;
export const SYS_fstat = 80;
export const SYS_exit = 93;
export const SYS_exit_group = 94;
export const SYS_set_tid_address = 96;
export const SYS_futex = 98;
export const SYS_set_robust_list = 99;
export const SYS_get_robust_list = 100;
export const SYS_nanosleep = 101;
export const SYS_clock_gettime = 113;
export const SYS_clock_getres = 114;
export const SYS_clock_nanosleep = 115;
export const SYS_sched_yield = 124;
export const SYS_sigaltstack = 132;
export const SYS_rt_sigaction = 134;
export const SYS_rt_sigprocmask = 135;
export const SYS_times = 153;
export const SYS_uname = 160;
export const SYS_umask = 166;
export const SYS_getrlimit = 163;
export const SYS_setrlimit = 164;
export const SYS_gettimeofday = 169;
export const SYS_getpid = 172;
export const SYS_getppid = 173;
export const SYS_getuid = 174;
export const SYS_geteuid = 175;
export const SYS_getgid = 176;
export const SYS_getegid = 177;
export const SYS_gettid = 178;
export const SYS_sysinfo = 179;
export const SYS_brk = 214;
export const SYS_munmap = 215;
export const SYS_clone = 220;
export const SYS_mmap = 222;
export const SYS_prlimit64 = 261;
export const SYS_getrandom = 278;

/** Names of the syscalls smpemu knows of, implemented or not, for the ENOSYS report. */
export const SYSCALL_NAMES: Record<number, string> = {
  17: 'getcwd', 23: 'dup', 24: 'dup3', 25: 'fcntl', 29: 'ioctl', 48: 'faccessat', 49: 'chdir', 50: 'fchdir', 56: 'openat', 57: 'close',
  59: 'pipe2', 61: 'getdents64', 62: 'lseek', 63: 'read', 64: 'write', 65: 'readv', 66: 'writev',
  67: 'pread64', 68: 'pwrite64', 73: 'ppoll', 78: 'readlinkat', 79: 'newfstatat', 80: 'fstat',
  93: 'exit', 94: 'exit_group', 96: 'set_tid_address', 98: 'futex', 99: 'set_robust_list',
  100: 'get_robust_list', 101: 'nanosleep', 113: 'clock_gettime', 114: 'clock_getres', 115: 'clock_nanosleep', 122: 'sched_setaffinity',
  123: 'sched_getaffinity', 124: 'sched_yield', 129: 'kill', 130: 'tkill', 131: 'tgkill',
  132: 'sigaltstack', 134: 'rt_sigaction', 135: 'rt_sigprocmask', 139: 'rt_sigreturn', 153: 'times', 160: 'uname',
  163: 'getrlimit', 164: 'setrlimit', 166: 'umask', 167: 'prctl', 169: 'gettimeofday', 172: 'getpid', 173: 'getppid', 174: 'getuid', 175: 'geteuid',
  176: 'getgid', 177: 'getegid', 178: 'gettid', 179: 'sysinfo', 214: 'brk', 215: 'munmap', 216: 'mremap',
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
