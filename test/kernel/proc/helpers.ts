// A small kernel state for the /proc views: the real page allocator, page tables in a RAM
// buffer (RamPhysAccess), an MmTable, and helpers that map pages the way the fault path does
// (a written page dirty, a read one clean, the zero page special) and share them between mms
// the way fork and the page cache do (get_page + one more mapping: refcount and mapcount).
import { type ProcessView, defaultProcessView } from '../../../src/kernel/proc/array.ts';
import type { KernelProcView } from '../../../src/kernel/proc/base.ts';
import type { MapsFile } from '../../../src/kernel/proc/maps.ts';
import { MmTable, vmStatAccount } from '../../../src/kernel/mm/mm_struct.ts';
import { insertVma } from '../../../src/kernel/mm/mmap.ts';
import { PAGE_WORDS, PG_REFCOUNT } from '../../../src/kernel/mm/mm_types.ts';
import { createMm, GFP_HIGHUSER_MOVABLE, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { _PAGE_DIRTY, _PAGE_WRITE, vm_get_page_prot } from '../../../src/kernel/mm/pgtable_bits.ts';
import { PageTables } from '../../../src/kernel/mm/pgtable.ts';
import { RamPhysAccess } from '../../../src/kernel/mm/phys_access.ts';
import { VmaPool } from '../../../src/kernel/mm/vma.ts';
import { F_ARG_END, F_ARG_START, F_BRK, F_END_CODE, F_END_DATA, F_ENV_END, F_ENV_START, F_LOCKED_VM, F_START_BRK,
  F_START_CODE, F_START_DATA, F_START_STACK } from '../../../src/kernel/mm/mm_struct.ts';
import { VM_ACCOUNT, VM_DATA_DEFAULT_FLAGS, VM_EXEC, VM_LOCKED, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ,
  VM_SHARED, VM_STACK_FLAGS, VM_WRITE } from '../../../src/kernel/mm/vma.ts';
import { _PAGE_ACCESSED } from '../../../src/kernel/mm/pgtable_bits.ts';

export const MiB = 1024 * 1024;

export class World {
  readonly alloc: PageAlloc;
  readonly ram: SharedArrayBuffer;
  readonly phys: RamPhysAccess;
  readonly pt: PageTables;
  readonly t: MmTable;
  readonly tasks = new Map<number, ProcessView>();
  readonly files = new Map<number, MapsFile>();

  constructor(ramBytes = 16 * MiB, readonly ncpus = 2) {
    this.alloc = new PageAlloc(createMm({ ramBytes, ramBase: 0, cpus: ncpus }));
    this.ram = new SharedArrayBuffer(ramBytes);
    this.phys = new RamPhysAccess(this.ram, 0);
    this.pt = new PageTables({ alloc: this.alloc, phys: this.phys, cpu: 0, levels: 3 });
    if (this.pt.zero_page_alloc() < 0) throw new Error('no zero page');
    this.t = MmTable.create(VmaPool.create(256), 8, 64);
  }

  /** A process with an empty mm and its own pgd. */
  spawn(pid: number, comm: string, ppid = 0): ProcessView {
    const m = this.t.mmAlloc();
    const pgd = this.pt.pgd_alloc();
    const p = defaultProcessView({ pid, ppid, comm, mm: m, pgd, ncpus: this.ncpus, totalramPages: this.alloc.totalramPages() });
    this.tasks.set(pid, p);
    return p;
  }

  /** A VMA [start, end) with its vm_stat_account, as mmap_region leaves it. */
  vma(p: ProcessView, start: number, end: number, flags: number, file = 0, pgoff = 0): number {
    const v = insertVma(this.t, p.mm, start, end, flags, file, pgoff, 0);
    if (v < 0) throw new Error('insertVma failed');
    vmStatAccount(this.t, p.mm, flags, (end - start) / 4096);
    return v;
  }

  /** A fresh page mapped at addr: written (dirty, writable) or read (clean, the VMA's prot). Returns its pfn. */
  map(p: ProcessView, addr: number, vmFlags: number, written: boolean): number {
    const pfn = this.alloc.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
    if (pfn < 0) throw new Error('out of pages');
    this.phys.clearPage(pfn * 4096);
    const prot = vm_get_page_prot(vmFlags) | (written ? _PAGE_WRITE | _PAGE_DIRTY : 0);
    if (this.pt.insert_page(p.pgd, addr, pfn, prot) !== 0) throw new Error('insert_page failed');
    return pfn;
  }

  /** The zero page at addr (a read of an untouched anonymous page). */
  mapZero(p: ProcessView, addr: number, vmFlags: number): void {
    if (this.pt.map_zero_page(p.pgd, addr, vmFlags) !== 0) throw new Error('map_zero_page failed');
  }

  /** Maps page pfn into another mm too, taking a reference (fork's copy_present_pte, or a page-cache page). */
  share(p: ProcessView, addr: number, pfn: number, vmFlags: number, dirty: boolean): void {
    Atomics.add(this.alloc.pages, pfn * PAGE_WORDS + PG_REFCOUNT, 1);
    const prot = (vm_get_page_prot(vmFlags) & ~_PAGE_WRITE) | (dirty ? _PAGE_DIRTY : 0);
    if (this.pt.insert_page(p.pgd, addr, pfn, prot) !== 0) throw new Error('insert_page failed');
  }

  /** Bytes into simulated RAM at physical address pa. */
  poke(pa: number, bytes: Uint8Array): void {
    new Uint8Array(this.ram).set(bytes, pa);
  }

  view(over: Partial<KernelProcView> = {}): KernelProcView {
    return {
      pids: () => [...this.tasks.keys()].sort((a, b) => a - b),
      task: (pid) => this.tasks.get(pid),
      alloc: this.alloc,
      mmTable: this.t,
      phys: this.phys,
      levels: 3,
      nrCpuIds: this.ncpus,
      fileInfo: (id) => this.files.get(id),
      ...over,
    };
  }
}

// ---- the scenario most tests read: three processes of one program -------------------------
export const TEXT = VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
export const DATA = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
export const HEAP = VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT;
export const LOCKED_ANON = DATA | VM_LOCKED;
export const SHM = VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE;
export const STACK = VM_STACK_FLAGS;

export const PROG = 1; // file id of /bin/prog
export const SHM_FILE = -7; // MAP_SHARED|MAP_ANONYMOUS: shmem inode 7
export const MMAP_AT = 0x3f_f7f0_0000;
export const SHM_AT = 0x3f_f7f1_0000;
export const STACK_AT = 0x3f_ffff_e000;
export const ARGS_AT = 0x3f_ffff_fe00;

/**
 * pid 1 "prog": text (2 pages: page 0 shared with pids 2 and 3, page 1 read but not
 * referenced since), data (1 page written: the private copy), heap (page 0 written, page 1
 * read: the zero page), a locked 64 KiB mmap (pages 0-2 written, page 2 shared with pid 2
 * as after fork), a shared anonymous mapping (1 page, shared with pid 2), the stack (1 page:
 * argv "prog -v", envp "A=1").
 */
export function threeProcesses(w: World) {
  w.files.set(PROG, { major: 254, minor: 1, ino: 1234, path: '/bin/prog' });
  const a = w.spawn(1, 'prog');
  const b = w.spawn(2, 'prog', 1);
  const c = w.spawn(3, 'prog', 1);
  const t = w.t;
  w.vma(a, 0x10000, 0x12000, TEXT, PROG, 0);
  w.vma(a, 0x12000, 0x13000, DATA, PROG, 2);
  w.vma(a, 0x13000, 0x15000, HEAP);
  w.vma(a, MMAP_AT, MMAP_AT + 0x10000, LOCKED_ANON);
  w.vma(a, SHM_AT, SHM_AT + 0x2000, SHM, SHM_FILE);
  w.vma(a, STACK_AT, STACK_AT + 0x2000, STACK);
  const fields: Array<[number, number]> = [
    [F_START_CODE, 0x10000], [F_END_CODE, 0x11800], [F_START_DATA, 0x12000], [F_END_DATA, 0x12800],
    [F_START_BRK, 0x13000], [F_BRK, 0x15000], [F_START_STACK, ARGS_AT - 0x10],
    [F_ARG_START, ARGS_AT], [F_ARG_END, ARGS_AT + 8], [F_ENV_START, ARGS_AT + 8], [F_ENV_END, ARGS_AT + 12],
    [F_LOCKED_VM, 16],
  ];
  for (const [f, x] of fields) t.set(a.mm, f, x);
  const text0 = w.map(a, 0x10000, TEXT, false);
  const text1 = w.map(a, 0x11000, TEXT, false);
  // text page 1 not referenced since the last scan: A cleared (ptep_test_and_clear_young)
  const ptep = w.pt.pte_offset_map(a.pgd, 0x11000);
  const lo = w.pt.ptep_get(ptep);
  w.pt.set_pte_at(ptep, lo & ~_PAGE_ACCESSED, w.phys.hi);
  w.map(a, 0x12000, DATA, true);
  w.map(a, 0x13000, HEAP, true);
  w.mapZero(a, 0x14000, HEAP);
  w.map(a, MMAP_AT, LOCKED_ANON, true);
  w.map(a, MMAP_AT + 0x1000, LOCKED_ANON, true);
  const shared = w.map(a, MMAP_AT + 0x2000, LOCKED_ANON, true);
  const shm = w.map(a, SHM_AT, SHM, true);
  const stack = w.map(a, STACK_AT + 0x1000, STACK, true);
  w.poke(stack * 4096 + (ARGS_AT % 4096), new TextEncoder().encode('prog\0-v\0A=1\0'));

  w.vma(b, 0x10000, 0x12000, TEXT, PROG, 0);
  w.vma(b, MMAP_AT, MMAP_AT + 0x10000, LOCKED_ANON);
  w.vma(b, SHM_AT, SHM_AT + 0x2000, SHM, SHM_FILE);
  w.share(b, 0x10000, text0, TEXT, false);
  w.share(b, MMAP_AT + 0x2000, shared, LOCKED_ANON, true);
  w.share(b, SHM_AT, shm, SHM, true);
  w.vma(c, 0x10000, 0x12000, TEXT, PROG, 0);
  w.share(c, 0x10000, text0, TEXT, false);
  return { a, b, c, text0, text1, shared, shm, stack };
}
