// Misaligned user loads and stores the hardware refused (arch/riscv/kernel/traps_misaligned.c):
// the memory path raises address-misaligned only for an access that crosses into a page not
// physically next to the first, and Linux emulates those for user mode. The kernel reads the
// instruction at pc, moves the bytes with copy_from_user / copy_to_user (faulting pages in),
// writes rd, and steps over the instruction. Integer loads and stores, 32-bit and compressed;
// FP loads/stores, AMOs and LR/SC are not emulated (the caller sends SIGBUS, as Linux does for
// atomics).

import { setReg, type Cpu } from './cpu.ts';
import type { UserAccess } from './syscalls/task_context.ts';

/** Emulated: 0; not an access this emulates: 1; an address the kernel cannot reach: 2 (SIGSEGV). */
export const EMU_OK = 0;
export const EMU_UNSUPPORTED = 1;
export const EMU_FAULT = 2;

interface Access {
  load: boolean;
  size: number;
  unsigned: boolean;
  /** rd for a load, rs2 for a store. */
  reg: number;
  len: number;
}

/** Decodes the integer load/store `insn` (a 32-bit word or a 16-bit parcel), or null. */
export function decodeAccess(insn: number): Access | null {
  if ((insn & 3) === 3) {
    const op = insn & 0x7f, f3 = (insn >>> 12) & 7;
    if (op === 0x03 && f3 !== 7) {
      return { load: true, size: 1 << (f3 & 3), unsigned: f3 >= 4, reg: (insn >>> 7) & 31, len: 4 };
    }
    if (op === 0x23 && f3 <= 3) return { load: false, size: 1 << f3, unsigned: false, reg: (insn >>> 20) & 31, len: 4 };
    return null;
  }
  const q = insn & 3, f3 = (insn >>> 13) & 7;
  const rdp = 8 + ((insn >>> 2) & 7); // rd' / rs2'
  const rd = (insn >>> 7) & 31, rs2 = (insn >>> 2) & 31;
  if (q === 0) {
    if (f3 === 2) return { load: true, size: 4, unsigned: false, reg: rdp, len: 2 }; // C.LW
    if (f3 === 3) return { load: true, size: 8, unsigned: false, reg: rdp, len: 2 }; // C.LD
    if (f3 === 6) return { load: false, size: 4, unsigned: false, reg: rdp, len: 2 }; // C.SW
    if (f3 === 7) return { load: false, size: 8, unsigned: false, reg: rdp, len: 2 }; // C.SD
  } else if (q === 2) {
    if (f3 === 2 && rd !== 0) return { load: true, size: 4, unsigned: false, reg: rd, len: 2 }; // C.LWSP
    if (f3 === 3 && rd !== 0) return { load: true, size: 8, unsigned: false, reg: rd, len: 2 }; // C.LDSP
    if (f3 === 6) return { load: false, size: 4, unsigned: false, reg: rs2, len: 2 }; // C.SWSP
    if (f3 === 7) return { load: false, size: 8, unsigned: false, reg: rs2, len: 2 }; // C.SDSP
  }
  return null;
}

/** handle_misaligned_load / _store for the access at `addr` made by the instruction at cpu.pc. */
export function emulateMisaligned(cpu: Cpu, user: UserAccess, addr: number): number {
  const lo = user.copyFromUser(cpu.pc, 2);
  if (lo === null) return EMU_FAULT;
  let insn = lo[0] | (lo[1] << 8);
  if ((insn & 3) === 3) {
    const hi = user.copyFromUser(cpu.pc + 2, 2);
    if (hi === null) return EMU_FAULT;
    insn = (insn | (hi[0] << 16) | (hi[1] << 24)) >>> 0;
  }
  const a = decodeAccess(insn);
  if (a === null) return EMU_UNSUPPORTED;
  if (a.load) {
    const b = user.copyFromUser(addr, a.size);
    if (b === null) return EMU_FAULT;
    let vlo = 0, vhi = 0;
    for (let i = 0; i < a.size; i++) {
      if (i < 4) vlo |= b[i] << (8 * i);
      else vhi |= b[i] << (8 * (i - 4));
    }
    if (a.size < 8) {
      const shift = 32 - 8 * Math.min(a.size, 4);
      if (a.size < 4) vlo = a.unsigned ? (vlo << shift) >>> shift : (vlo << shift) >> shift;
      vhi = a.unsigned ? 0 : vlo >> 31;
      if (a.unsigned && a.size === 4) vhi = 0;
    }
    if (a.reg !== 0) {
      cpu.xl[a.reg] = vlo | 0;
      cpu.xh[a.reg] = vhi | 0;
    }
  } else {
    const vlo = cpu.xl[a.reg], vhi = cpu.xh[a.reg];
    const b = new Uint8Array(a.size);
    for (let i = 0; i < a.size; i++) b[i] = (i < 4 ? vlo >>> (8 * i) : vhi >>> (8 * (i - 4))) & 0xff;
    if (!user.copyToUser(addr, b)) return EMU_FAULT;
  }
  cpu.pc += a.len;
  return EMU_OK;
}

