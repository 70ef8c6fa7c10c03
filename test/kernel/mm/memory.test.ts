// handle_mm_fault (src/kernel/mm/memory.ts) over page tables in a RAM buffer: the zero page
// on first read, one page per first write, copy-on-write of the zero page, reuse of a page
// mapped once, file pages read on fault (major), SIGSEGV outside any VMA or against its
// protection, stack growth, and the TLB flush of every page it changes.

import { describe, expect, it } from 'vitest';
import { FlatPhys } from '../../../cores/mmu/phys.ts';
import { F_RLIMIT_STACK, F_TASK_SIZE, get_mm_counter, MM_ANONPAGES, MM_FILEPAGES, MmTable } from '../../../src/kernel/mm/mm_struct.ts';
import {
  FAULT_FLAG_INSTRUCTION, FAULT_FLAG_WRITE, handleMmFault, VM_FAULT_OK, VM_FAULT_SIGSEGV, type FaultContext,
} from '../../../src/kernel/mm/memory.ts';
import { doMmap, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE, setupStackVma } from '../../../src/kernel/mm/mmap.ts';
import { pageMapcount } from '../../../src/kernel/mm/mm_types.ts';
import { createMm, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { PageTables } from '../../../src/kernel/mm/pgtable.ts';
import { _PAGE_DIRTY, _PAGE_SPECIAL, _PAGE_WRITE, pte_pfn } from '../../../src/kernel/mm/pgtable_bits.ts';
import type { CpuMmu } from '../../../src/kernel/mm/tlbflush.ts';
import { VmaPool } from '../../../src/kernel/mm/vma.ts';
import { MAX_NR_ZONES } from '../../../src/kernel/mm/mmzone.ts';

const RAM = 32 << 20;
const FILE = new Uint8Array(3 * 4096 + 100).map((_, i) => (i * 7 + 1) & 0xff);

function setup() {
  const mm = createMm({ ramBytes: RAM, ramBase: 4096, cpus: 1 });
  const alloc = new PageAlloc(mm);
  const ram = new SharedArrayBuffer(RAM);
  new Uint8Array(ram).fill(0xee); // free pages hold garbage: clear_page and the file read must overwrite it
  const phys = new FlatPhys(ram, 4096, 1);
  const pt = new PageTables({ alloc, phys, cpu: 0, levels: 3 });
  expect(pt.zero_page_alloc()).toBeGreaterThan(0);
  const t = MmTable.create(VmaPool.create(64), 1, 64);
  const m = t.mmAlloc();
  const pgd = pt.pgd_alloc();
  const flushed: number[] = [];
  const mmu: CpuMmu = {
    phys, setRoot() {}, flushTlbPage: (va) => flushed.push(va), flushTlbAll() {}, flushTlbPageAsid: (va) => flushed.push(va), flushTlbAsid() {}, flushIcache() {}, tlbMisses: 0, pageWalks: 0, walkCycles: 0,
  };
  const c: FaultContext = {
    t, m, pgd, pt, phys, mmu, cpu: 0, counts: { minFlt: 0, majFlt: 0 },
    files: {
      readPage(id, pgoff, out) {
        if (id !== 5) return false;
        out.fill(0);
        out.set(FILE.subarray(pgoff * 4096, pgoff * 4096 + 4096));
        return true;
      },
    },
  };
  const free = () => {
    let s = 0;
    for (let z = 0; z < MAX_NR_ZONES; z++) s += alloc.nrFreePages(z) + alloc.pcpPages(z);
    return s;
  };
  const map = (addr: number, len: number, prot: number, file?: number) => {
    t.mmapWriteLock(m);
    const r = doMmap(t, m, addr, len, prot, MAP_PRIVATE | MAP_FIXED | (file ? 0 : MAP_ANONYMOUS), file ? { id: file, readable: true, writable: false } : null, 0);
    t.mmapWriteUnlock(m);
    expect(r.ret).toBe(addr);
  };
  const pte = (addr: number) => {
    const p = pt.pte_offset_map(pgd, addr);
    if (p === 0) return { lo: 0, hi: 0, pfn: -1 };
    const lo = phys.read64(p), hi = phys.hi;
    return { lo, hi, pfn: lo === 0 && hi === 0 ? -1 : pte_pfn(lo, hi) };
  };
  const u8 = new Uint8Array(ram);
  return { c, pt, free, map, pte, flushed, u8, t, m };
}

const A = 0x2000_0000;

describe('handle_mm_fault', () => {
  it('a first read maps the shared zero page read-only and allocates nothing but page tables', () => {
    const s = setup();
    s.map(A, 16 * 4096, PROT_READ | PROT_WRITE);
    const f0 = s.free();
    expect(handleMmFault(s.c, A + 5, 0).code).toBe(VM_FAULT_OK);
    const tables = f0 - s.free();
    expect(tables).toBe(2); // the pmd and pte tables under a fresh pgd entry
    const f1 = s.free();
    for (let i = 1; i < 16; i++) expect(handleMmFault(s.c, A + i * 4096, 0).code).toBe(VM_FAULT_OK);
    expect(s.free()).toBe(f1);
    for (let i = 0; i < 16; i++) {
      const p = s.pte(A + i * 4096);
      expect(p.pfn).toBe(s.pt.zeroPfn);
      expect(p.lo & _PAGE_WRITE).toBe(0);
      expect(p.lo & _PAGE_SPECIAL).not.toBe(0);
    }
    expect(s.c.counts).toEqual({ minFlt: 16, majFlt: 0 });
    expect(s.flushed).toContain(A);
  });

  it('a first write allocates exactly one zeroed page, mapped writable and dirty', () => {
    const s = setup();
    s.map(A, 16 * 4096, PROT_READ | PROT_WRITE);
    handleMmFault(s.c, A, FAULT_FLAG_WRITE); // page tables
    const f0 = s.free();
    for (let i = 1; i < 16; i++) {
      expect(handleMmFault(s.c, A + i * 4096 + 123, FAULT_FLAG_WRITE).code).toBe(VM_FAULT_OK);
      expect(f0 - s.free()).toBe(i);
      const p = s.pte(A + i * 4096);
      expect(p.lo & (_PAGE_WRITE | _PAGE_DIRTY)).toBe(_PAGE_WRITE | _PAGE_DIRTY);
      expect(pageMapcount(s.pt.alloc.pages, p.pfn)).toBe(0); // mapped once
      expect(s.u8.subarray(p.pfn * 4096, p.pfn * 4096 + 4096).every((b) => b === 0)).toBe(true);
    }
  });

  it('a write to the zero page copies (one new page); the zero page stays zero', () => {
    const s = setup();
    s.map(A, 4096, PROT_READ | PROT_WRITE);
    handleMmFault(s.c, A, 0);
    expect(s.pte(A).pfn).toBe(s.pt.zeroPfn);
    const f0 = s.free();
    expect(handleMmFault(s.c, A, FAULT_FLAG_WRITE).code).toBe(VM_FAULT_OK);
    expect(f0 - s.free()).toBe(1);
    const p = s.pte(A);
    expect(p.pfn).not.toBe(s.pt.zeroPfn);
    expect(p.lo & _PAGE_WRITE).not.toBe(0);
    s.u8[p.pfn * 4096] = 9;
    expect(s.u8[s.pt.zeroPfn * 4096]).toBe(0);
  });

  it('file pages are read on fault (major), copied on a write (anonymous from then on)', () => {
    const s = setup();
    s.map(A, 4 * 4096, PROT_READ | PROT_WRITE, 5);
    expect(handleMmFault(s.c, A + 4096, 0).code).toBe(VM_FAULT_OK);
    expect(s.c.counts).toEqual({ minFlt: 0, majFlt: 1 });
    const p = s.pte(A + 4096);
    expect(p.lo & _PAGE_WRITE).toBe(0);
    expect(Array.from(s.u8.subarray(p.pfn * 4096, p.pfn * 4096 + 4096))).toEqual(Array.from(FILE.subarray(4096, 8192)));
    // The last file page: bytes past the file's end read as zero.
    handleMmFault(s.c, A + 3 * 4096, 0);
    const last = s.pte(A + 3 * 4096).pfn;
    expect(s.u8[last * 4096 + 99]).toBe(FILE[3 * 4096 + 99]);
    expect(s.u8[last * 4096 + 100]).toBe(0);
    expect(get_mm_counter(s.t, s.m, MM_FILEPAGES)).toBe(2);
    // A write to the file page: copied into a new anonymous page (do_wp_page; the file page was clean).
    const f0 = s.free();
    expect(handleMmFault(s.c, A + 4096, FAULT_FLAG_WRITE).code).toBe(VM_FAULT_OK);
    expect(f0 - s.free()).toBe(0); // one page allocated, the old file copy freed
    const w = s.pte(A + 4096);
    expect(w.pfn).not.toBe(p.pfn);
    expect(w.lo & _PAGE_WRITE).not.toBe(0);
    expect(Array.from(s.u8.subarray(w.pfn * 4096, w.pfn * 4096 + 4096))).toEqual(Array.from(FILE.subarray(4096, 8192)));
    expect(get_mm_counter(s.t, s.m, MM_FILEPAGES)).toBe(1);
    expect(get_mm_counter(s.t, s.m, MM_ANONPAGES)).toBe(1);
    // A write fault on a page never read: a private copy at once (do_cow_fault), anonymous.
    expect(handleMmFault(s.c, A + 2 * 4096, FAULT_FLAG_WRITE).code).toBe(VM_FAULT_OK);
    expect(s.pte(A + 2 * 4096).lo & _PAGE_WRITE).not.toBe(0);
    expect(get_mm_counter(s.t, s.m, MM_ANONPAGES)).toBe(2);
    expect(s.c.counts).toEqual({ minFlt: 1, majFlt: 3 });
  });

  it('a write to an anonymous page mapped once reuses it in place', () => {
    const s = setup();
    s.map(A, 4096, PROT_READ | PROT_WRITE);
    handleMmFault(s.c, A, FAULT_FLAG_WRITE);
    const p = s.pte(A);
    // As mprotect(PROT_READ) then back would leave it: the PTE read-only, the page ours alone.
    const ptep = s.pt.pte_offset_map(s.c.pgd, A);
    s.c.phys.write64(ptep, p.lo & ~_PAGE_WRITE, p.hi);
    const f0 = s.free();
    expect(handleMmFault(s.c, A, FAULT_FLAG_WRITE).code).toBe(VM_FAULT_OK);
    expect(s.free()).toBe(f0);
    expect(s.pte(A).pfn).toBe(p.pfn);
    expect(s.pte(A).lo & _PAGE_WRITE).not.toBe(0);
  });

  it('outside any VMA, or against its protection: SIGSEGV, nothing mapped', () => {
    const s = setup();
    s.map(A, 4096, PROT_READ);
    s.map(A + 0x10000, 4096, PROT_READ | PROT_WRITE);
    expect(handleMmFault(s.c, 0, 0)).toEqual({ code: VM_FAULT_SIGSEGV, vma: -1, major: false });
    expect(handleMmFault(s.c, A + 4096, 0).vma).toBe(-1);
    const ro = handleMmFault(s.c, A, FAULT_FLAG_WRITE);
    expect(ro.code).toBe(VM_FAULT_SIGSEGV);
    expect(ro.vma).toBeGreaterThanOrEqual(0);
    expect(handleMmFault(s.c, A + 0x10000, FAULT_FLAG_INSTRUCTION).code).toBe(VM_FAULT_SIGSEGV);
    expect(s.pte(A).pfn).toBe(-1);
    expect(s.c.counts).toEqual({ minFlt: 0, majFlt: 0 });
    // An exec-only mapping may be fetched from, and (riscv access_error) not read.
    s.map(A + 0x20000, 4096, PROT_EXEC);
    expect(handleMmFault(s.c, A + 0x20000, 0).code).toBe(VM_FAULT_SIGSEGV);
    expect(handleMmFault(s.c, A + 0x20000, FAULT_FLAG_INSTRUCTION).code).toBe(VM_FAULT_OK);
  });

  it('the stack VMA grows down to a fault below it, within RLIMIT_STACK', () => {
    const s = setup();
    s.t.mmapWriteLock(s.m);
    const base = setupStackVma(s.t, s.m, 4096);
    s.t.mmapWriteUnlock(s.m);
    expect(base).toBeGreaterThan(0);
    const below = base - 64 * 4096;
    expect(handleMmFault(s.c, below + 8, FAULT_FLAG_WRITE).code).toBe(VM_FAULT_OK);
    expect(s.t.pool.start(s.t.vmaLookup(s.m, below))).toBe(below);
    const tooFar = s.t.get(s.m, F_TASK_SIZE) - s.t.get(s.m, F_RLIMIT_STACK) - 2 * 4096;
    expect(handleMmFault(s.c, tooFar, FAULT_FLAG_WRITE).code).toBe(VM_FAULT_SIGSEGV);
  });
});
