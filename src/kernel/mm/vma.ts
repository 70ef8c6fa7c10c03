// The VMA pool (Linux's vm_area_struct records) in a SharedArrayBuffer, addressed by index.
// Every mm keeps its VMAs as a sorted array of pool indices (mm_struct.ts); this file holds
// the records and the vm_flags vocabulary.
//
// Layout of the pool buffer (byte offsets):
//   0..127     header, i32: [0] capacity, [1] free-list head (-1 = empty), [2] records in use,
//              [3] last anon_vma id handed out. Changed only under the pool lock.
//   128..255   i32[32]: the pool lock (shared/sync/spinlock.ts), own 128-byte host line.
//   256 + 64·v record v:
//     f64 +0 vm_start (bytes)    f64 +8 vm_end (bytes, exclusive)   f64 +16 vm_pgoff (pages)
//     i32 +24 vm_flags           i32 +28 file id (0 = anonymous)
//     i32 +32 anon_vma id (0 = none yet; set once by compareExchange on the first fault)
//     i32 +36 owning mm (-1 = free)   i32 +40 next free record (free list)
//   Fields other than anon_vma change only under the owning mm's mmap lock held for writing;
//   readers hold it for reading. Addresses are whole numbers below 2^53 (Sv48 uses 2^47).

import { spinLock, spinUnlock } from '../../../shared/sync/spinlock.ts';

import { PAGE_SHIFT, PAGE_SIZE } from './mm_types.ts';

export { PAGE_SHIFT, PAGE_SIZE };

// vm_flags (include/linux/mm.h). VM_SOFTDIRTY is 0: riscv has no CONFIG_MEM_SOFT_DIRTY.
export const VM_NONE = 0;
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_GROWSDOWN = 0x100;
export const VM_PFNMAP = 0x400;
export const VM_LOCKED = 0x2000;
export const VM_IO = 0x4000;
export const VM_SEQ_READ = 0x8000;
export const VM_RAND_READ = 0x10000;
export const VM_DONTCOPY = 0x20000;
export const VM_DONTEXPAND = 0x40000;
export const VM_ACCOUNT = 0x100000;
export const VM_NORESERVE = 0x200000;
export const VM_HUGETLB = 0x400000;
export const VM_WIPEONFORK = 0x2000000;
export const VM_DONTDUMP = 0x4000000;
export const VM_HUGEPAGE = 0x20000000;
export const VM_NOHUGEPAGE = 0x40000000;

export const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
export const VM_STACK = VM_GROWSDOWN;
/** riscv VM_DATA_DEFAULT_FLAGS = VM_DATA_FLAGS_NON_EXEC: brk and the stack. */
export const VM_DATA_DEFAULT_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
export const VM_STACK_FLAGS = VM_STACK | VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT;
/** Never merged (VM_SPECIAL). */
export const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP;

const HEADER_CAP = 0;
const HEADER_FREE = 1;
const HEADER_USED = 2;
const HEADER_ANON = 3;
const POOL_LOCK = 32;
const RECORDS = 256;
const RECORD = 64;

/** Bytes of a pool buffer for `capacity` VMAs. */
export function vmaPoolBytes(capacity: number): number {
  return RECORDS + capacity * RECORD;
}

/** Views over a VMA pool buffer; any worker builds its own from the same buffer. */
export class VmaPool {
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly capacity: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.capacity = this.i32[HEADER_CAP]!;
  }

  /** A fresh pool of `capacity` free records (the boot path calls this once). */
  static create(capacity: number): VmaPool {
    const buf = new SharedArrayBuffer(vmaPoolBytes(capacity));
    const i32 = new Int32Array(buf);
    i32[HEADER_CAP] = capacity;
    i32[HEADER_FREE] = capacity > 0 ? 0 : -1;
    for (let v = 0; v < capacity; v++) {
      i32[(RECORDS + v * RECORD) / 4 + 9] = -1;
      i32[(RECORDS + v * RECORD) / 4 + 10] = v + 1 < capacity ? v + 1 : -1;
    }
    return new VmaPool(buf);
  }

  /** vm_area_alloc: a record owned by `mm`, or -1 when the pool is exhausted. */
  alloc(mm: number): number {
    spinLock(this.i32, POOL_LOCK);
    const v = this.i32[HEADER_FREE]!;
    if (v >= 0) {
      this.i32[HEADER_FREE] = this.i32[(RECORDS + v * RECORD) / 4 + 10]!;
      this.i32[HEADER_USED]!++;
      this.i32[(RECORDS + v * RECORD) / 4 + 9] = mm;
      this.i32[(RECORDS + v * RECORD) / 4 + 8] = 0;
    }
    spinUnlock(this.i32, POOL_LOCK);
    return v;
  }

  /** vm_area_free. */
  free(v: number): void {
    spinLock(this.i32, POOL_LOCK);
    const b = (RECORDS + v * RECORD) / 4;
    if (this.i32[b + 9] === -1) {
      spinUnlock(this.i32, POOL_LOCK);
      throw new Error(`vm_area_free: VMA ${v} is already free`);
    }
    this.i32[b + 9] = -1;
    this.i32[b + 10] = this.i32[HEADER_FREE]!;
    this.i32[HEADER_FREE] = v;
    this.i32[HEADER_USED]!--;
    spinUnlock(this.i32, POOL_LOCK);
  }

  /** Records in use (all mms). */
  inUse(): number {
    return Atomics.load(this.i32, HEADER_USED);
  }

  /** A new anon_vma id (Linux allocates an anon_vma object; here an id is its identity). */
  newAnonVma(): number {
    return Atomics.add(this.i32, HEADER_ANON, 1) + 1;
  }

  start(v: number): number { return this.f64[(RECORDS + v * RECORD) / 8]!; }
  end(v: number): number { return this.f64[(RECORDS + v * RECORD) / 8 + 1]!; }
  pgoff(v: number): number { return this.f64[(RECORDS + v * RECORD) / 8 + 2]!; }
  flags(v: number): number { return this.i32[(RECORDS + v * RECORD) / 4 + 6]!; }
  file(v: number): number { return this.i32[(RECORDS + v * RECORD) / 4 + 7]!; }
  anonVma(v: number): number { return Atomics.load(this.i32, (RECORDS + v * RECORD) / 4 + 8); }
  owner(v: number): number { return this.i32[(RECORDS + v * RECORD) / 4 + 9]!; }

  setStart(v: number, x: number): void { this.f64[(RECORDS + v * RECORD) / 8] = x; }
  setEnd(v: number, x: number): void { this.f64[(RECORDS + v * RECORD) / 8 + 1] = x; }
  setPgoff(v: number, x: number): void { this.f64[(RECORDS + v * RECORD) / 8 + 2] = x; }
  setFlags(v: number, x: number): void { this.i32[(RECORDS + v * RECORD) / 4 + 6] = x; }
  setFile(v: number, x: number): void { this.i32[(RECORDS + v * RECORD) / 4 + 7] = x; }
  setAnonVma(v: number, x: number): void { Atomics.store(this.i32, (RECORDS + v * RECORD) / 4 + 8, x); }
  /** Set anon_vma if still none; returns the id now in place (a racing fault may have won). */
  casAnonVma(v: number, x: number): number {
    const old = Atomics.compareExchange(this.i32, (RECORDS + v * RECORD) / 4 + 8, 0, x);
    return old === 0 ? x : old;
  }

  /** Copy every field of `from` into `to` (vm_area_dup). */
  copy(to: number, from: number): void {
    this.setStart(to, this.start(from));
    this.setEnd(to, this.end(from));
    this.setPgoff(to, this.pgoff(from));
    this.setFlags(to, this.flags(from));
    this.setFile(to, this.file(from));
    this.setAnonVma(to, this.anonVma(from));
  }

  /** vma_pages. */
  pages(v: number): number { return (this.end(v) - this.start(v)) / PAGE_SIZE; }
}

/** A VMA as plain data, for results and tests. */
export interface VmaInfo {
  start: number;
  end: number;
  flags: number;
  pgoff: number;
  file: number;
  anonVma: number;
}
