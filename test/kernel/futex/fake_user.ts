// Test doubles for the futex code: "physical memory" in a SharedArrayBuffer, address spaces as
// page maps over it (so two mms can share a page, and unmapped pages fault), and a recording
// scheduler. Structured-clone safe descriptions, so worker threads build the same views.
import { UACCESS_FAULT, FUTEX_OP_ADD, FUTEX_OP_ANDN, FUTEX_OP_OR, FUTEX_OP_SET, FUTEX_OP_XOR, type FutexUser, type FutexWaker } from '../../../src/kernel/futex/futex.ts';
import type { UserAccess } from '../../../src/kernel/syscalls/task_context.ts';

export const PAGE = 4096;
export const USER_BASE = 0x10000;
export const TASK_SIZE = 2 ** 38; // Sv39

/** An address space: virtual page v (from USER_BASE) maps to physical page pages[v], -1 unmapped. */
export interface MmDesc {
  mm: number;
  pages: number[];
}

export class FakeUser implements FutexUser, UserAccess {
  readonly mm: number;
  readonly taskSize = TASK_SIZE;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly pages: number[];
  /** Counts calls, so tests can see what the futex code read. */
  reads = 0;

  constructor(readonly phys: SharedArrayBuffer, d: MmDesc) {
    this.mm = d.mm;
    this.pages = d.pages;
    this.i32 = new Int32Array(phys);
    this.u8 = new Uint8Array(phys);
  }

  /** Physical address of va, or -1. */
  pa(va: number): number {
    if (va < USER_BASE) return -1;
    const v = Math.floor((va - USER_BASE) / PAGE);
    const p = this.pages[v];
    if (p === undefined || p < 0) return -1;
    return p * PAGE + ((va - USER_BASE) % PAGE);
  }
  getU32(addr: number): number {
    this.reads++;
    const pa = this.pa(addr);
    return pa < 0 ? UACCESS_FAULT : Atomics.load(this.i32, pa >> 2) >>> 0;
  }
  putU32(addr: number, v: number): boolean {
    const pa = this.pa(addr);
    if (pa < 0) return false;
    Atomics.store(this.i32, pa >> 2, v | 0);
    return true;
  }
  atomicOp(addr: number, op: number, oparg: number): number {
    const pa = this.pa(addr);
    if (pa < 0) return UACCESS_FAULT;
    const i = pa >> 2;
    switch (op) {
      case FUTEX_OP_SET: return Atomics.exchange(this.i32, i, oparg) >>> 0;
      case FUTEX_OP_ADD: return Atomics.add(this.i32, i, oparg) >>> 0;
      case FUTEX_OP_OR: return Atomics.or(this.i32, i, oparg) >>> 0;
      case FUTEX_OP_ANDN: return Atomics.and(this.i32, i, ~oparg) >>> 0;
      case FUTEX_OP_XOR: return Atomics.xor(this.i32, i, oparg) >>> 0;
      default: throw new Error(`atomicOp: op ${op}`);
    }
  }
  sharedKey(addr: number): number {
    const pa = this.pa(addr);
    return pa < 0 ? UACCESS_FAULT : pa;
  }
  // UserAccess, for the timespec
  copyFromUser(addr: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    for (let k = 0; k < len; k++) {
      const pa = this.pa(addr + k);
      if (pa < 0) return null;
      out[k] = this.u8[pa]!;
    }
    return out;
  }
  copyToUser(addr: number, data: Uint8Array): boolean {
    for (let k = 0; k < data.length; k++) {
      const pa = this.pa(addr + k);
      if (pa < 0) return false;
      this.u8[pa] = data[k]!;
    }
    return true;
  }
  strncpyFromUser(): Uint8Array | null | -1 {
    throw new Error('not used by the futex code');
  }
  /** Test access to the word at va (must be mapped). */
  load(va: number): number {
    return Atomics.load(this.i32, this.pa(va) >> 2);
  }
  store(va: number, v: number): void {
    Atomics.store(this.i32, this.pa(va) >> 2, v);
  }
  cas(va: number, expect: number, v: number): number {
    return Atomics.compareExchange(this.i32, this.pa(va) >> 2, expect, v);
  }
  xchg(va: number, v: number): number {
    return Atomics.exchange(this.i32, this.pa(va) >> 2, v);
  }
}

/** Physical memory of `pages` pages. */
export function physMem(pages: number): SharedArrayBuffer {
  return new SharedArrayBuffer(pages * PAGE);
}

/** A scheduler that only records wake_up calls. */
export class RecordingWaker implements FutexWaker {
  woken: number[] = [];
  wake_up(task: number): void {
    this.woken.push(task);
  }
  take(): number[] {
    const w = this.woken;
    this.woken = [];
    return w;
  }
}
