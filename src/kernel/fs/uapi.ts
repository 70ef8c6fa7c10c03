// Linux riscv64 user-ABI values for the file syscalls (asm-generic fcntl.h,
// linux/fcntl.h, linux/stat.h, asm-generic ioctls.h, linux/fs.h). riscv uses
// the asm-generic values throughout.

// open(2) flags, octal as in asm-generic/fcntl.h.
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const FASYNC = 0o20000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_SYNC = 0o4010000;
export const O_PATH = 0o10000000;
export const O_TMPFILE = 0o20200000;
/** Bits F_SETFL may change (fs/fcntl.c SETFL_MASK). */
export const SETFL_MASK = O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME;

// *at() dirfd and flags.
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
/** AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC: accepted by the stat family (vfs_statx). */
export const AT_STATX_SYNC_TYPE = 0x6000;

// fcntl(2).
export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_DUPFD_CLOEXEC = 1030;
export const FD_CLOEXEC = 1;

// lseek(2).
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;
/** The largest whence lseek passes on (SEEK_MAX = SEEK_HOLE); larger ones are EINVAL. */
export const SEEK_MAX = SEEK_HOLE;

// st_mode file types and linux_dirent64 d_type.
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o60000;
export const S_IFDIR = 0o40000;
export const S_IFCHR = 0o20000;
export const S_IFIFO = 0o10000;
export const DT_UNKNOWN = 0;
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_BLK = 6;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;

/** DT_* for an st_mode (Linux's S_DT: the file-type bits shifted down). */
export function modeToDtype(mode: number): number {
  return (mode & S_IFMT) >>> 12;
}

// tty ioctls (asm-generic/ioctls.h).
export const TCGETS = 0x5401;
export const TCSETS = 0x5402;
export const TIOCGWINSZ = 0x5413;
export const FIONREAD = 0x541b;
export const FIONBIO = 0x5421;
export const FIONCLEX = 0x5450;
export const FIOCLEX = 0x5451;

/** Linux's limits. */
export const PATH_MAX = 4096;
export const NAME_MAX = 255;
/** Symlinks followed in one lookup before ELOOP (MAXSYMLINKS). */
export const MAXSYMLINKS = 40;
/** Default RLIMIT_NOFILE soft limit: fds are 0..NR_OPEN_DEFAULT-1. */
export const NR_OPEN_DEFAULT = 1024;
/** Pipe capacity (16 pages) and the atomic-write size. */
export const PIPE_DEF_BUFFERS_BYTES = 65536;
export const PIPE_BUF = 4096;
