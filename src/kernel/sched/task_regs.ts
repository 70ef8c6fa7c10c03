// The saved user context of every task (Linux's pt_regs and riscv's __riscv_d_ext_state, which
// switch_to saves and restores), as slots in one SharedArrayBuffer indexed by the same task
// number as the scheduler's records (sched.ts), so that any worker could pick a task up
// (DESIGN §5). A task's identity fields live here too: tid, tgid, its mm and page-table root,
// state and exit code.
//
// Slot p (TASK_REGS_BYTES = 1 KiB; i32 word p*256 + W_*, f64 p*128 + D_*):
//   i32 [0..32)   x0..x31 low words      [32..64)  x0..x31 high words
//       [64..128) f0..f31 as (lo, hi) pairs (cores/fpu/regs.ts's w view)
//       W_FCSR    frm << 5 | fflags
//       W_TID, W_TGID, W_MM (mm table index), W_STATE (TASK_*), W_EXIT_CODE (wait status),
//       W_PARENT  (the parent's tgid)
//   f64 D_PC, D_PGD (physical address of the root), D_CLEAR_CHILD_TID, D_SET_CHILD_TID
//
// Not on a hot path: a context switch copies 65 words each way.

import type { Cpu } from '../cpu.ts';

export const TASK_REGS_BYTES = 1024;
const WORDS = TASK_REGS_BYTES / 4;
const F64S = TASK_REGS_BYTES / 8;

export const W_XL = 0;
export const W_XH = 32;
export const W_F = 64;
export const W_FCSR = 128;
export const W_TID = 129;
export const W_TGID = 130;
export const W_MM = 131;
export const W_STATE = 132;
export const W_EXIT_CODE = 133;
export const W_PARENT = 134;
export const D_PC = 96;
export const D_PGD = 97;
export const D_CLEAR_CHILD_TID = 98;
export const D_SET_CHILD_TID = 99;

/** Task states (include/linux/sched.h; /proc/PID/status's letters R, S, Z, X). */
export const TASK_RUNNING = 0;
export const TASK_INTERRUPTIBLE = 1;
export const EXIT_ZOMBIE = 0x20;
export const EXIT_DEAD = 0x10;
/** Slot not in use. */
export const TASK_FREE = -1;

/** What a hart offers beyond Cpu for a full switch: its FP file and fcsr (cores/hart.ts). */
export interface FpContext {
  readonly f: { readonly w: Int32Array };
  frm: number;
  fflags: number;
}

export class TaskRegs {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly nrTasks: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.nrTasks = buffer.byteLength / TASK_REGS_BYTES;
  }

  static alloc(nrTasks: number): TaskRegs {
    const r = new TaskRegs(new SharedArrayBuffer(nrTasks * TASK_REGS_BYTES));
    for (let p = 0; p < nrTasks; p++) r.set(p, W_STATE, TASK_FREE);
    return r;
  }

  get(p: number, w: number): number {
    return this.i32[p * WORDS + w]!;
  }
  set(p: number, w: number, v: number): void {
    this.i32[p * WORDS + w] = v;
  }
  getD(p: number, d: number): number {
    return this.f64[p * F64S + d]!;
  }
  setD(p: number, d: number, v: number): void {
    this.f64[p * F64S + d] = v;
  }

  /** A free slot (state TASK_FREE), or -1 when the table is full. */
  allocSlot(from = 0): number {
    for (let i = 0; i < this.nrTasks; i++) {
      const p = (from + i) % this.nrTasks;
      if (this.get(p, W_STATE) === TASK_FREE) {
        this.i32.fill(0, p * WORDS, (p + 1) * WORDS);
        this.set(p, W_STATE, TASK_RUNNING);
        return p;
      }
    }
    return -1;
  }

  free(p: number): void {
    this.set(p, W_STATE, TASK_FREE);
  }

  /** switch_to's save half: the hart's registers and pc into slot p. */
  save(cpu: Cpu & Partial<FpContext>, p: number): void {
    const b = p * WORDS;
    this.i32.set(cpu.xl.subarray(0, 32), b + W_XL);
    this.i32.set(cpu.xh.subarray(0, 32), b + W_XH);
    if (cpu.f) {
      this.i32.set(cpu.f.w.subarray(0, 64), b + W_F);
      this.i32[b + W_FCSR] = ((cpu.frm ?? 0) << 5) | (cpu.fflags ?? 0);
    }
    this.setD(p, D_PC, cpu.pc);
  }

  /** switch_to's restore half: slot p's registers and pc onto the hart. */
  load(cpu: Cpu & Partial<FpContext>, p: number): void {
    const b = p * WORDS;
    cpu.xl.set(this.i32.subarray(b + W_XL, b + W_XL + 32));
    cpu.xh.set(this.i32.subarray(b + W_XH, b + W_XH + 32));
    cpu.xl[0] = 0;
    cpu.xh[0] = 0;
    if (cpu.f) {
      cpu.f.w.set(this.i32.subarray(b + W_F, b + W_F + 64));
      const fcsr = this.i32[b + W_FCSR]!;
      cpu.frm = (fcsr >>> 5) & 7;
      cpu.fflags = fcsr & 0x1f;
    }
    cpu.pc = this.getD(p, D_PC);
  }

  /** copy_thread: the child starts as a copy of the parent's saved context. */
  copy(from: number, to: number): void {
    this.i32.copyWithin(to * WORDS, from * WORDS, from * WORDS + W_FCSR + 1);
    this.setD(to, D_PC, this.getD(from, D_PC));
  }

  /** Register i of slot p (a safe integer; negative values sign-extend). */
  setReg(p: number, i: number, v: number): void {
    if (i === 0) return;
    this.set(p, W_XL + i, v | 0);
    this.set(p, W_XH + i, Math.floor(v / 4294967296) | 0);
  }
  getRegU(p: number, i: number): number {
    return (this.get(p, W_XH + i) >>> 0) * 4294967296 + (this.get(p, W_XL + i) >>> 0);
  }
}
