// TEMPORARY (delete when the `sys` branch's linuxSyscallGroups lands on main): the few
// syscalls a static glibc hello needs besides the memory ones, so `--boot linux` runs
// end to end before the real file, identity, time and signal groups exist. Console output
// only (fds 0-2), no files: readlinkat fails with ENOENT, fstat of 0-2 says "a pipe" (so
// stdio buffers fully, as under qemu with its output captured).

import type { OutputChunk } from '../kernel.ts';
import { encodeStat } from '../fs/stat.ts';
import { S_IFIFO } from '../fs/uapi.ts';
import { regS, regU } from '../cpu.ts';
import { EBADF, EFAULT, EINVAL, ENOENT, ENOTTY } from './numbers.ts';
import { NOT_MINE, type SyscallTask } from './task_context.ts';

const SYS_ioctl = 29;
const SYS_readlinkat = 78;
const SYS_newfstatat = 79;
const SYS_fstat = 80;
const SYS_write = 64;
const SYS_writev = 66;
const SYS_set_tid_address = 96;
const SYS_set_robust_list = 99;
const SYS_clock_gettime = 113;
const SYS_rt_sigaction = 134;
const SYS_rt_sigprocmask = 135;
const SYS_uname = 160;
const SYS_gettimeofday = 169;
const SYS_getpid = 172;
const SYS_getppid = 173;
const SYS_getuid = 174;
const SYS_geteuid = 175;
const SYS_getgid = 176;
const SYS_getegid = 177;
const SYS_gettid = 178;
const SYS_prlimit64 = 261;
const SYS_getrandom = 278;

const MAX_RW = 1 << 20;

export interface MinimalGroupOptions {
  /** Console output, in order. */
  out: OutputChunk[];
  clockHz: number;
}

function u64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, v >>> 0, true);
  dv.setUint32(4, Math.floor(v / 4294967296) >>> 0, true);
  return b;
}

export function bootMinimalGroup(o: MinimalGroupOptions): (t: SyscallTask, nr: number) => number {
  let rnd = 0x2545f491;
  const ttyStat = encodeStat({
    dev: 14n, ino: 3n, mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0n, size: 0n, blksize: 4096, blocks: 0n,
    atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
  });
  const write = (t: SyscallTask, fd: number, buf: number, count: number): number => {
    if (fd !== 1 && fd !== 2) return -EBADF;
    const data = t.user.copyFromUser(buf, Math.min(count, MAX_RW));
    if (data === null) return -EFAULT;
    if (data.length > 0) o.out.push({ core: t.cpu.hartId, fd, data });
    return data.length;
  };
  return (t, nr) => {
    const cpu = t.cpu;
    const a0 = regS(cpu, 10), a1 = regU(cpu, 11), a2 = regU(cpu, 12), a3 = regU(cpu, 13);
    switch (nr) {
      case SYS_write: return write(t, a0, a1, a2);
      case SYS_writev: {
        if (a2 > 1024) return -EINVAL;
        const iov = t.user.copyFromUser(a1, 16 * a2);
        if (iov === null) return -EFAULT;
        const dv = new DataView(iov.buffer);
        let total = 0;
        for (let i = 0; i < a2; i++) {
          const base = dv.getUint32(16 * i, true) + dv.getUint32(16 * i + 4, true) * 4294967296;
          const len = dv.getUint32(16 * i + 8, true) + dv.getUint32(16 * i + 12, true) * 4294967296;
          const r = write(t, a0, base, len);
          if (r < 0) return total > 0 ? total : r;
          total += r;
        }
        return total;
      }
      case SYS_set_tid_address: return t.tid;
      case SYS_set_robust_list: return a1 === 24 ? 0 : -EINVAL;
      case SYS_prlimit64: {
        if (a0 !== 0 && a0 !== t.pid) return -3; // ESRCH
        if (a1 > 15) return -EINVAL;
        if (a3 !== 0) {
          const cur = a1 === 3 ? 8 << 20 : a1 === 7 ? 1024 : -1;
          const max = a1 === 7 ? 1 << 20 : -1;
          const b = new Uint8Array(16);
          b.set(cur < 0 ? new Uint8Array(8).fill(0xff) : u64(cur), 0);
          b.set(max < 0 ? new Uint8Array(8).fill(0xff) : u64(max), 8);
          if (!t.user.copyToUser(a3, b)) return -EFAULT;
        }
        return 0;
      }
      case SYS_getrandom: {
        const n = Math.min(a1, 1 << 25);
        const b = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          rnd ^= rnd << 13; rnd ^= rnd >>> 17; rnd ^= rnd << 5;
          b[i] = rnd & 0xff;
        }
        return t.user.copyToUser(regU(cpu, 10), b) ? n : -EFAULT;
      }
      case SYS_readlinkat: return -ENOENT;
      case SYS_newfstatat: {
        const path = t.user.strncpyFromUser(a1, 4096);
        if (path === null) return -EFAULT;
        if (path === -1 || path.length > 0 || (a3 & 0x1000) === 0) return -ENOENT;
        if (a0 < 0 || a0 > 2) return -EBADF;
        return t.user.copyToUser(a2, ttyStat) ? 0 : -EFAULT;
      }
      case SYS_fstat:
        if (a0 < 0 || a0 > 2) return -EBADF;
        return t.user.copyToUser(a1, ttyStat) ? 0 : -EFAULT;
      case SYS_ioctl: return a0 >= 0 && a0 <= 2 ? -ENOTTY : -EBADF;
      case SYS_rt_sigaction:
        if (a2 !== 0 && !t.user.copyToUser(a2, new Uint8Array(32))) return -EFAULT;
        return 0;
      case SYS_rt_sigprocmask:
        if (a2 !== 0 && !t.user.copyToUser(a2, new Uint8Array(8))) return -EFAULT;
        return 0;
      case SYS_uname: {
        const b = new Uint8Array(6 * 65);
        ['Linux', 'smpemu', '6.1.0', '#1 SMP', 'riscv64', '(none)'].forEach((s, i) => b.set(new TextEncoder().encode(s), 65 * i));
        return t.user.copyToUser(regU(cpu, 10), b) ? 0 : -EFAULT;
      }
      case SYS_clock_gettime:
      case SYS_gettimeofday: {
        const ns = Math.floor((cpu.cycle * 1e9) / o.clockHz);
        const sec = Math.floor(ns / 1e9);
        const frac = nr === SYS_clock_gettime ? ns - sec * 1e9 : Math.floor((ns - sec * 1e9) / 1000);
        const b = new Uint8Array(16);
        b.set(u64(sec), 0);
        b.set(u64(frac), 8);
        const dst = nr === SYS_clock_gettime ? a1 : regU(cpu, 10);
        if (nr === SYS_gettimeofday && dst === 0) return 0;
        return t.user.copyToUser(dst, b) ? 0 : -EFAULT;
      }
      case SYS_getpid: return t.pid;
      case SYS_gettid: return t.tid;
      case SYS_getppid: return t.ppid;
      case SYS_getuid: case SYS_geteuid: case SYS_getgid: case SYS_getegid: return 0;
      default: return NOT_MINE;
    }
  };
}
