// mm_struct: one address space, in a SharedArrayBuffer table addressed by mm id. Holds the
// mmap lock, the layout fields (start_code … mmap_base), the VM counters task_mem reports,
// and the mm's VMAs as an array of VMA pool indices sorted by address (find_vma is a binary
// search; insert/remove shift the tail with copyWithin).
//
// Layout of the table buffer (byte offsets):
//   0..127        header, i32: [0] mm capacity, [1] VMA slots per mm, [2] vm.max_map_count
//   128 + 512·m   mm m:  +0..127  i32: the mmap lock (shared/sync/rwsem.ts, 4 words) alone on
//                                 its 128-byte host line
//                         +128..511 f64 fields, index F_* below (48; 32..47 spare)
//   after the records: i32 VMA slots, `slots` per mm: mm m's sorted VMA indices,
//                 its first `map_count` entries valid.
// Every field except the lock and rss_stat changes only with the mmap lock held for writing.
// rss_stat (F_RSS_STAT + MM_*) is an i32 counter in the low word of its f64 slot, changed with
// Atomics by the fault path under the mmap lock held for reading (Linux: atomic_long_t).

import { downRead, downWrite, rwsemIsWriteLocked, upRead, upWrite } from '../../../shared/sync/rwsem.ts';
import { PAGE_SIZE, VM_EXEC, VM_SHARED, VM_STACK, VM_WRITE, type VmaPool } from './vma.ts';

/** Sv39 user address-space size (riscv TASK_SIZE_64 = PGDIR_SIZE * PTRS_PER_PGD / 2). */
export const TASK_SIZE_SV39 = 0x40_0000_0000;
/** Sv48 TASK_SIZE_64. */
export const TASK_SIZE_SV48 = 0x8000_0000_0000;
/** mm/mmap.c stack_guard_gap default: 256 pages. */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;
/** vm.max_map_count default (DEFAULT_MAX_MAP_COUNT = USHRT_MAX - 5). */
export const DEFAULT_MAX_MAP_COUNT = 65530;
/** vm.mmap_min_addr: CONFIG_DEFAULT_MMAP_MIN_ADDR's Kconfig default. */
export const MMAP_MIN_ADDR = 4096;
/** RLIMIT_STACK default soft limit (_STK_LIM, 8 MiB). */
export const STK_LIM = 8 * 1024 * 1024;
export const RLIM_INFINITY = Number.MAX_SAFE_INTEGER;

// f64 field indices within an mm record.
export const F_MAP_COUNT = 0;
export const F_TOTAL_VM = 1; // pages
export const F_DATA_VM = 2;
export const F_EXEC_VM = 3;
export const F_STACK_VM = 4;
export const F_LOCKED_VM = 5;
export const F_HIWATER_VM = 6;
export const F_START_CODE = 7;
export const F_END_CODE = 8;
export const F_START_DATA = 9;
export const F_END_DATA = 10;
export const F_START_BRK = 11;
export const F_BRK = 12;
export const F_START_STACK = 13;
export const F_ARG_START = 14;
export const F_ARG_END = 15;
export const F_ENV_START = 16;
export const F_ENV_END = 17;
export const F_MMAP_BASE = 18;
export const F_TASK_SIZE = 19;
export const F_MMAP_LEGACY = 20; // 1: bottom-up layout (arch_pick_mmap_layout's legacy case)
export const F_IN_USE = 21;
export const F_RLIMIT_AS = 22; // bytes
export const F_RLIMIT_DATA = 23;
export const F_RLIMIT_STACK = 24;
export const F_PINNED_VM = 25;
export const F_DEF_FLAGS = 26;
/** rss_stat: F_RSS_STAT + MM_FILEPAGES .. MM_SHMEMPAGES, i32 counters (get_mm_counter). */
export const F_RSS_STAT = 27;
export const F_HIWATER_RSS = 31; // pages
const FIELDS = 48;

// enum mm_counter (include/linux/mm_types_task.h).
export const MM_FILEPAGES = 0;
export const MM_ANONPAGES = 1;
export const MM_SWAPENTS = 2;
export const MM_SHMEMPAGES = 3;
export const NR_MM_COUNTERS = 4;

const HEADER = 128;
const RECORD = 512;
const LOCK = 0; // i32 word within the record
const FIELD_BASE = 128;

export function mmTableBytes(mms: number, slots: number): number {
  return HEADER + mms * RECORD + mms * slots * 4;
}

/** Views over the mm table; any worker builds its own from the same buffer. */
export class MmTable {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly capacity: number;
  readonly slots: number;
  private readonly slotBase: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly pool: VmaPool,
  ) {
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.capacity = this.i32[0]!;
    this.slots = this.i32[1]!;
    this.slotBase = (HEADER + this.capacity * RECORD) / 4;
  }

  /** A table for `mms` address spaces of up to `slots` VMAs each (max_map_count + 4 is enough). */
  static create(pool: VmaPool, mms: number, slots: number, maxMapCount = DEFAULT_MAX_MAP_COUNT): MmTable {
    const buf = new SharedArrayBuffer(mmTableBytes(mms, slots));
    const i32 = new Int32Array(buf);
    i32[0] = mms;
    i32[1] = slots;
    i32[2] = maxMapCount;
    return new MmTable(buf, pool);
  }

  get maxMapCount(): number { return this.i32[2]!; }
  set maxMapCount(n: number) { this.i32[2] = n; }

  /** i32 word index of mm m's mmap lock. */
  lockIndex(m: number): number { return (HEADER + m * RECORD) / 4 + LOCK; }
  get(m: number, f: number): number { return this.f64[(HEADER + m * RECORD + FIELD_BASE) / 8 + f]!; }
  set(m: number, f: number, x: number): void { this.f64[(HEADER + m * RECORD + FIELD_BASE) / 8 + f] = x; }
  add(m: number, f: number, x: number): void { this.f64[(HEADER + m * RECORD + FIELD_BASE) / 8 + f]! += x; }

  /** i32 word index of counter `member` (MM_*) of mm m's rss_stat. */
  rssIndex(m: number, member: number): number { return (HEADER + m * RECORD + FIELD_BASE) / 4 + (F_RSS_STAT + member) * 2; }

  /** Pool index of mm m's i-th VMA in address order. */
  vmaAt(m: number, i: number): number { return this.i32[this.slotBase + m * this.slots + i]!; }
  mapCount(m: number): number { return this.get(m, F_MAP_COUNT); }

  /** Insert pool index v at sorted position i. Caller checked the slot capacity. */
  insertAt(m: number, i: number, v: number): void {
    const base = this.slotBase + m * this.slots;
    const n = this.mapCount(m);
    if (n >= this.slots) throw new Error(`mm ${m}: more than ${this.slots} VMAs (table sized too small)`);
    this.i32.copyWithin(base + i + 1, base + i, base + n);
    this.i32[base + i] = v;
    this.set(m, F_MAP_COUNT, n + 1);
  }

  /** Remove `k` entries starting at sorted position i (the records are not freed here). */
  removeAt(m: number, i: number, k: number): void {
    const base = this.slotBase + m * this.slots;
    const n = this.mapCount(m);
    this.i32.copyWithin(base + i, base + i + k, base + n);
    this.set(m, F_MAP_COUNT, n - k);
  }

  /** Position of the first VMA with vm_end > addr (mapCount when none): find_vma's position. */
  findPos(m: number, addr: number): number {
    let lo = 0;
    let hi = this.mapCount(m);
    const base = this.slotBase + m * this.slots;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pool.end(this.i32[base + mid]!) > addr) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** find_vma: the first VMA ending above addr, or -1. */
  findVma(m: number, addr: number): number {
    const i = this.findPos(m, addr);
    return i < this.mapCount(m) ? this.vmaAt(m, i) : -1;
  }

  /** vma_lookup: the VMA containing addr, or -1. */
  vmaLookup(m: number, addr: number): number {
    const v = this.findVma(m, addr);
    return v >= 0 && this.pool.start(v) <= addr ? v : -1;
  }

  /** Claim a free mm slot and set up the default riscv64 layout (mm_init + arch_pick_mmap_layout). */
  mmAlloc(opts: MmLayoutOptions = {}): number {
    for (let m = 0; m < this.capacity; m++) {
      if (this.get(m, F_IN_USE) === 0) {
        for (let f = 0; f < FIELDS; f++) this.set(m, f, 0);
        this.set(m, F_IN_USE, 1);
        const lock = this.lockIndex(m);
        for (let k = 0; k < 4; k++) Atomics.store(this.i32, lock + k, 0);
        archPickMmapLayout(this, m, opts);
        return m;
      }
    }
    return -1;
  }

  /** mmput's end: free every VMA and the slot. Caller holds no lock; nobody else uses the mm. */
  mmFree(m: number): void {
    for (let i = 0; i < this.mapCount(m); i++) this.pool.free(this.vmaAt(m, i));
    this.set(m, F_MAP_COUNT, 0);
    this.set(m, F_IN_USE, 0);
  }

  mmapReadLock(m: number): void { downRead(this.i32, this.lockIndex(m)); }
  mmapReadUnlock(m: number): void { upRead(this.i32, this.lockIndex(m)); }
  mmapWriteLock(m: number): void { downWrite(this.i32, this.lockIndex(m)); }
  mmapWriteUnlock(m: number): void { upWrite(this.i32, this.lockIndex(m)); }
  /** mmap_assert_write_locked. */
  assertWriteLocked(m: number): void {
    if (!rwsemIsWriteLocked(this.i32, this.lockIndex(m))) throw new Error(`mm ${m}: mmap lock not held for writing`);
  }
}

export interface MmLayoutOptions {
  /** TASK_SIZE (default Sv39). */
  taskSize?: number;
  /** RLIMIT_STACK soft limit in bytes (default 8 MiB); RLIM_INFINITY selects the legacy layout. */
  rlimitStack?: number;
  rlimitAs?: number;
  rlimitData?: number;
  /** vm.legacy_va_layout. */
  legacyVaLayout?: boolean;
}

/**
 * arch_pick_mmap_layout (mm/util.c, used by riscv), randomization off (no PF_RANDOMIZE):
 * top-down from mmap_base = PAGE_ALIGN(STACK_TOP - gap), gap = RLIMIT_STACK + stack_guard_gap
 * clamped to [128 MiB + stack_guard_gap, STACK_TOP/6*5]; legacy (bottom-up from
 * TASK_UNMAPPED_BASE = TASK_SIZE/3) when the stack rlimit is infinite or legacy_va_layout is set.
 * riscv's STACK_TOP is TASK_SIZE.
 */
export function archPickMmapLayout(t: MmTable, m: number, opts: MmLayoutOptions): void {
  const taskSize = opts.taskSize ?? TASK_SIZE_SV39;
  const rlimStack = opts.rlimitStack ?? STK_LIM;
  t.set(m, F_TASK_SIZE, taskSize);
  t.set(m, F_RLIMIT_STACK, rlimStack);
  t.set(m, F_RLIMIT_AS, opts.rlimitAs ?? RLIM_INFINITY);
  t.set(m, F_RLIMIT_DATA, opts.rlimitData ?? RLIM_INFINITY);
  if (opts.legacyVaLayout === true || rlimStack >= RLIM_INFINITY) {
    t.set(m, F_MMAP_LEGACY, 1);
    t.set(m, F_MMAP_BASE, taskUnmappedBase(taskSize));
    return;
  }
  const minGap = 128 * 1024 * 1024 + STACK_GUARD_GAP;
  const maxGap = Math.floor(taskSize / 6) * 5;
  let gap = rlimStack + STACK_GUARD_GAP;
  if (gap < minGap) gap = minGap;
  else if (gap > maxGap) gap = maxGap;
  t.set(m, F_MMAP_LEGACY, 0);
  t.set(m, F_MMAP_BASE, pageAlign(taskSize - gap));
}

/** riscv TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3). */
export function taskUnmappedBase(taskSize: number): number {
  return pageAlign(Math.floor(taskSize / 3));
}

export function pageAlign(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}

// vm_stat_account's classes (include/linux/mm.h).
export function isExecMapping(flags: number): boolean { return (flags & (VM_EXEC | VM_WRITE | VM_STACK)) === VM_EXEC; }
export function isStackMapping(flags: number): boolean { return (flags & VM_STACK) === VM_STACK; }
export function isDataMapping(flags: number): boolean { return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) === VM_WRITE; }

/** vm_stat_account: total_vm and the exec/stack/data class counters, in pages. */
export function vmStatAccount(t: MmTable, m: number, flags: number, npages: number): void {
  t.add(m, F_TOTAL_VM, npages);
  if (isExecMapping(flags)) t.add(m, F_EXEC_VM, npages);
  else if (isStackMapping(flags)) t.add(m, F_STACK_VM, npages);
  else if (isDataMapping(flags)) t.add(m, F_DATA_VM, npages);
}

/** may_expand_vm: RLIMIT_AS, and RLIMIT_DATA for data mappings. */
export function mayExpandVm(t: MmTable, m: number, flags: number, npages: number): boolean {
  if (t.get(m, F_TOTAL_VM) + npages > Math.floor(t.get(m, F_RLIMIT_AS) / PAGE_SIZE)) return false;
  if (isDataMapping(flags) && t.get(m, F_DATA_VM) + npages > Math.floor(t.get(m, F_RLIMIT_DATA) / PAGE_SIZE)) return false;
  return true;
}

/** update_hiwater_vm. */
export function updateHiwaterVm(t: MmTable, m: number): void {
  if (t.get(m, F_HIWATER_VM) < t.get(m, F_TOTAL_VM)) t.set(m, F_HIWATER_VM, t.get(m, F_TOTAL_VM));
}

/** get_mm_counter: pages of class `member` (MM_*) mapped by mm m. */
export function get_mm_counter(t: MmTable, m: number, member: number): number {
  return Atomics.load(t.i32, t.rssIndex(m, member));
}

/** add_mm_counter (inc_mm_counter / dec_mm_counter with ±1). */
export function add_mm_counter(t: MmTable, m: number, member: number, value: number): void {
  Atomics.add(t.i32, t.rssIndex(m, member), value);
}

/** get_mm_rss: file + anon + shmem pages mapped (what VmRSS shows). */
export function get_mm_rss(t: MmTable, m: number): number {
  return get_mm_counter(t, m, MM_FILEPAGES) + get_mm_counter(t, m, MM_ANONPAGES) + get_mm_counter(t, m, MM_SHMEMPAGES);
}

/** update_hiwater_rss: called before RSS goes down (unmap, zap), as Linux does; VmHWM is max(this, rss). */
export function update_hiwater_rss(t: MmTable, m: number): void {
  const rss = get_mm_rss(t, m);
  if (t.get(m, F_HIWATER_RSS) < rss) t.set(m, F_HIWATER_RSS, rss);
}

/** The address-space part of task_mem (fs/proc/task_mmu.c), in kB. RSS figures come from pages. */
export interface TaskMemVm {
  VmPeak: number;
  VmSize: number;
  VmLck: number;
  VmPin: number;
  VmData: number;
  VmStk: number;
  VmExe: number;
  VmLib: number;
}

export function taskMemVm(t: MmTable, m: number): TaskMemVm {
  const kb = (pages: number) => pages * (PAGE_SIZE / 1024);
  const total = t.get(m, F_TOTAL_VM);
  const hiwater = Math.max(total, t.get(m, F_HIWATER_VM));
  const execBytes = t.get(m, F_EXEC_VM) * PAGE_SIZE;
  const startCode = t.get(m, F_START_CODE);
  let text = pageAlign(t.get(m, F_END_CODE)) - (startCode - (startCode % PAGE_SIZE));
  text = Math.min(text, execBytes);
  const lib = execBytes - text;
  return {
    VmPeak: kb(hiwater),
    VmSize: kb(total),
    VmLck: kb(t.get(m, F_LOCKED_VM)),
    VmPin: kb(t.get(m, F_PINNED_VM)),
    VmData: kb(t.get(m, F_DATA_VM)),
    VmStk: kb(t.get(m, F_STACK_VM)),
    VmExe: text / 1024,
    VmLib: lib / 1024,
  };
}
