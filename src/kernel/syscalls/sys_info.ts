// uname and sysinfo (kernel/sys.c): what the machine says about itself.
//
// struct new_utsname: six 65-byte NUL-padded fields (390 bytes).
// struct sysinfo, riscv64 (112 bytes; checked with offsetof under qemu-riscv64):
//    0 uptime s64       8 loads[3] u64     32 totalram      40 freeram
//   48 sharedram       56 bufferram        64 totalswap     72 freeswap
//   80 procs u16       82 pad u16          88 totalhigh     96 freehigh
//  104 mem_unit u32   108 _f[0] + padding

import { EFAULT, SYS_sysinfo, SYS_uname } from './numbers.ts';
import { cyclesToNs } from './time.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import { argULong, putStruct, putU64, struct } from './uaccess.ts';

export const UTS_FIELD = 65;
export const UTSNAME_SIZE = 6 * UTS_FIELD;
export const SYSINFO_SIZE = 112;
/** SI_LOAD_SHIFT: loads[] are fixed point with 16 fraction bits. */
export const SI_LOAD_SHIFT = 16;

export interface Utsname {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

export const DEFAULT_UTSNAME: Utsname = {
  sysname: 'Linux', nodename: 'smpemu', release: '6.1.0-smpemu', version: '#1 SMP', machine: 'riscv64', domainname: '(none)',
};

/** Memory and load figures for sysinfo, in bytes (si_meminfo's pages times PAGE_SIZE). */
export interface SysinfoSource {
  totalram: number;
  freeram: number;
  sharedram?: number;
  bufferram?: number;
  /** nr_threads: every thread in the system. */
  procs: number;
  /** 1, 5 and 15 minute load averages (as floats; 0 without a scheduler). */
  loads?: [number, number, number];
}

export interface SysInfoOptions {
  uts?: Partial<Utsname>;
  clockHz: number;
  /** Read at each call. */
  sysinfo: () => SysinfoSource;
  /** Simulated cycles since boot as the caller sees them (default: its core's cycle counter). */
  cycles?: (t: SyscallTask) => number;
}

export function sysInfoCalls(o: SysInfoOptions): SyscallGroup {
  const uts = encodeUtsname({ ...DEFAULT_UTSNAME, ...o.uts });
  const cycles = o.cycles ?? ((t: SyscallTask) => t.cpu.cycle);
  return (t: SyscallTask, nr: number): number => {
    switch (nr) {
      case SYS_uname: return putStruct(t.user, argULong(t.cpu, 0), uts);
      case SYS_sysinfo: {
        const b = encodeSysinfo(cycles(t), o.clockHz, o.sysinfo());
        return t.user.copyToUser(argULong(t.cpu, 0), b) ? 0 : -EFAULT;
      }
      default: return NOT_MINE;
    }
  };
}

export function encodeUtsname(u: Utsname): Uint8Array {
  const out = new Uint8Array(UTSNAME_SIZE);
  const fields = [u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname];
  fields.forEach((f, i) => {
    const b = new TextEncoder().encode(f);
    if (b.length >= UTS_FIELD) throw new Error(`utsname field longer than 64 bytes: ${f}`);
    out.set(b, i * UTS_FIELD);
  });
  return out;
}

/**
 * do_sysinfo: uptime is boot time in seconds rounded up (any nanoseconds count as a second);
 * loads are fixed point << SI_LOAD_SHIFT; on 64-bit the memory fields fit in bytes, so Linux
 * scales them by mem_unit and reports mem_unit = 1. No swap, no highmem.
 */
export function encodeSysinfo(cycles: number, clockHz: number, s: SysinfoSource): Uint8Array {
  const { bytes, dv } = struct(SYSINFO_SIZE);
  const ns = cyclesToNs(cycles, clockHz);
  putU64(dv, 0, Number(ns / 1_000_000_000n) + (ns % 1_000_000_000n === 0n ? 0 : 1));
  const loads = s.loads ?? [0, 0, 0];
  loads.forEach((l, i) => putU64(dv, 8 + 8 * i, Math.floor(l * (1 << SI_LOAD_SHIFT))));
  putU64(dv, 32, s.totalram);
  putU64(dv, 40, s.freeram);
  putU64(dv, 48, s.sharedram ?? 0);
  putU64(dv, 56, s.bufferram ?? 0);
  dv.setUint16(80, s.procs & 0xffff, true); // an unsigned short: Linux truncates nr_threads
  dv.setUint32(104, 1, true);
  return bytes;
}
