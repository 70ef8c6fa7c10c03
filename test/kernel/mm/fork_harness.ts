// A small machine for the fork / COW / exit tests: RAM, the page allocator, the kernel's page
// tables, an mm table, and per process a hardware page walker (cores/mmu) that user accesses
// go through. A test-side handle_mm_fault (anonymous pages, the zero page, do_wp_page) stands
// in for the boot engineer's fault path: the tests exercise fork's half, not that one.
import * as hw from '../../../cores/mmu/pte.ts';
import { RamPteMemory } from '../../../cores/mmu/ram_pte.ts';
import { PageWalker } from '../../../cores/mmu/walk.ts';
import { dup_mm } from '../../../src/kernel/fork/dup_mmap.ts';
import { mmput, unmap_page_range } from '../../../src/kernel/mm/exit_mmap.ts';
import { add_mm_counter, MM_ANONPAGES, MmTable } from '../../../src/kernel/mm/mm_struct.ts';
import { anonVmaPrepare, doMmap, doMunmap, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../../src/kernel/mm/mmap.ts';
import { MAX_NR_ZONES } from '../../../src/kernel/mm/mmzone.ts';
import { createMm, GFP_HIGHUSER_MOVABLE, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { MmuGather, PageTables } from '../../../src/kernel/mm/pgtable.ts';
import { _PAGE_DIRTY, _PAGE_SPECIAL, _PAGE_WRITE, pte_pfn, pte_present, vm_get_page_prot } from '../../../src/kernel/mm/pgtable_bits.ts';
import { RamPhysAccess } from '../../../src/kernel/mm/phys_access.ts';
import { __page_set_anon_rmap, mm_counter, page_mapcount, page_set_file_mapping } from '../../../src/kernel/mm/rmap.ts';
import { VM_WRITE, VmaPool } from '../../../src/kernel/mm/vma.ts';
import { do_wp_page, WP_COPIED, WP_RETRY } from '../../../src/kernel/mm/wp_page.ts';

export interface Proc {
  m: number;
  pgd: number;
  walker: PageWalker;
}

export class Machine {
  readonly alloc: PageAlloc;
  readonly ram: SharedArrayBuffer;
  readonly phys: RamPhysAccess;
  readonly pt: PageTables;
  readonly t: MmTable;
  readonly tlb = new MmuGather();
  /** COW copies made by do_wp_page (WP_COPIED) and reuses (WP_REUSED). */
  copies = 0;
  reuses = 0;
  /** Ranges the tests' "shootdowns" were asked for (flush callbacks). */
  flushes: { start: number; end: number }[] = [];

  constructor(ramBytes = 16 * 1024 * 1024, readonly levels = 3, mms = 16, vmas = 512) {
    this.alloc = new PageAlloc(createMm({ ramBytes, ramBase: 0, cpus: 1 }));
    this.ram = new SharedArrayBuffer(ramBytes);
    this.phys = new RamPhysAccess(this.ram, 0);
    this.pt = new PageTables({ alloc: this.alloc, phys: this.phys, cpu: 0, levels });
    if (this.pt.zero_page_alloc() < 0) throw new Error('no zero page');
    this.t = MmTable.create(VmaPool.create(vmas), mms, vmas);
  }

  /** Free pages, per-CPU lists drained (what the buddy lists hold). */
  freePages(): number {
    this.alloc.drain_all_pages();
    let n = 0;
    for (let z = 0; z < MAX_NR_ZONES; z++) if (this.alloc.populated(z)) n += this.alloc.nrFreePages(z);
    return n;
  }

  spawn(): Proc {
    const m = this.t.mmAlloc();
    if (m < 0) throw new Error('no mm slot');
    const pgd = this.pt.pgd_alloc();
    if (pgd < 0) throw new Error('no pgd');
    return { m, pgd, walker: this.walkerFor(pgd) };
  }

  walkerFor(pgd: number): PageWalker {
    const w = new PageWalker(new RamPteMemory(this.ram, 0));
    w.setSatp(pgd / 4096, (this.levels === 3 ? hw.SATP_MODE_SV39 : hw.SATP_MODE_SV48) << 28);
    return w;
  }

  /** mmap(NULL, len, prot, MAP_PRIVATE|MAP_ANONYMOUS) or with other flags; returns the address. */
  mmap(p: Proc, len: number, prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS, addr = 0): number {
    this.t.mmapWriteLock(p.m);
    const ch = doMmap(this.t, p.m, addr, len, prot, flags, null, 0);
    this.t.mmapWriteUnlock(p.m);
    if (ch.ret < 0) throw new Error(`mmap: ${ch.ret}`);
    return ch.ret;
  }

  /** munmap with unmap_region's page-table side: zap (rss_stat kept), free tables between the neighbours, flush, free. */
  munmap(p: Proc, addr: number, len: number): void {
    const { t, pt, tlb } = this;
    t.mmapWriteLock(p.m);
    const ch = doMunmap(t, p.m, addr, len);
    for (const u of ch.unmapped) {
      unmap_page_range(t, pt, p.m, p.pgd, u.start, u.end, tlb);
      const i = t.findPos(p.m, u.start);
      const floor = i > 0 ? t.pool.end(t.vmaAt(p.m, i - 1)) : 0;
      const ceiling = i < t.mapCount(p.m) ? t.pool.start(t.vmaAt(p.m, i)) : 0;
      pt.free_pgd_range(p.pgd, u.start, u.end, floor, ceiling, tlb);
    }
    t.mmapWriteUnlock(p.m);
    if (tlb.needFlush()) this.flushes.push({ start: tlb.start, end: tlb.end });
    pt.tlb_finish_mmu(tlb);
  }

  /** handle_mm_fault, test-side: anonymous VMAs only. Throws on a fault the VMA forbids. */
  fault(p: Proc, addr: number, write: boolean): void {
    const { t, pt, phys } = this;
    const a = addr - (addr % 4096);
    t.mmapReadLock(p.m);
    try {
      const v = t.vmaLookup(p.m, a);
      if (v < 0) throw new Error(`SIGSEGV at 0x${addr.toString(16)}: no VMA`);
      const flags = t.pool.flags(v);
      if (write && (flags & VM_WRITE) === 0) throw new Error(`SIGSEGV at 0x${addr.toString(16)}: write to a read-only VMA`);
      const ptep = pt.pte_alloc_map(p.pgd, a);
      if (ptep < 0) throw new Error('OOM (page table)');
      const lo = pt.ptep_get(ptep);
      const hi = phys.hi;
      if (lo === 0 && hi === 0 && t.pool.file(v) !== 0) {
        // shmem (MAP_SHARED|MAP_ANONYMOUS): a zeroed page of the file, mapped with the VMA's protection.
        const pfn = this.alloc.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
        if (pfn < 0) throw new Error('OOM');
        phys.clearPage(pfn * 4096);
        page_set_file_mapping(this.alloc.pages, pfn, t.pool.file(v));
        if (pt.insert_page(p.pgd, a, pfn, vm_get_page_prot(flags)) !== 0) throw new Error('insert_page');
        add_mm_counter(t, p.m, mm_counter(this.alloc.pages, pfn), 1);
        return;
      }
      if (lo === 0 && hi === 0) {
        if (!write) {
          if (pt.map_zero_page(p.pgd, a, flags) < 0) throw new Error('OOM');
          return;
        }
        const anon = anonVmaPrepare(t, p.m, v);
        const pfn = this.alloc.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
        if (pfn < 0) throw new Error('OOM');
        phys.clearPage(pfn * 4096);
        __page_set_anon_rmap(this.alloc.pages, pfn, anon);
        if (pt.insert_page(p.pgd, a, pfn, vm_get_page_prot(flags) | _PAGE_WRITE | _PAGE_DIRTY) !== 0) throw new Error('insert_page');
        add_mm_counter(t, p.m, MM_ANONPAGES, 1);
        return;
      }
      if (write && (lo & _PAGE_WRITE) === 0) {
        const r = do_wp_page(t, pt, p.m, v, ptep, a, lo, hi, this.tlb);
        if (r < 0) throw new Error(`do_wp_page: ${r}`);
        if (r === WP_COPIED) {
          this.copies++;
          this.flushes.push({ start: this.tlb.start, end: this.tlb.end });
          pt.tlb_finish_mmu(this.tlb);
        } else if (r !== WP_RETRY) this.reuses++;
      }
    } finally {
      t.mmapReadUnlock(p.m);
    }
  }

  /** Physical address of a user access at addr, faulting as needed (the walk is the hardware's). */
  translate(p: Proc, addr: number, write: boolean): number {
    const acc = write ? hw.ACC_WRITE : hw.ACC_READ;
    for (let tries = 0; tries < 3; tries++) {
      if (p.walker.walk(addr, acc) === 0) return p.walker.res.ppn * 4096 + (addr % 4096);
      this.fault(p, addr, write);
    }
    throw new Error(`access at 0x${addr.toString(16)} still faults after 3 tries`);
  }

  /** A user store of a 32-bit word (the low half of an aligned 64-bit slot). */
  store(p: Proc, addr: number, value: number): void {
    const pa = this.translate(p, addr, true);
    this.phys.write64(pa - (pa % 8), value | 0, 0);
  }

  load(p: Proc, addr: number): number {
    const pa = this.translate(p, addr, false);
    return this.phys.read64(pa - (pa % 8));
  }

  /** fork's mm half as the process code will call it: parent's lock, dup_mm, flush, unlock. */
  fork(p: Proc): Proc {
    const { t, pt, tlb } = this;
    t.mmapWriteLock(p.m);
    const r = dup_mm(t, pt, p.m, p.pgd, tlb);
    if (tlb.needFlush()) this.flushes.push({ start: tlb.start, end: tlb.end });
    tlb.reset();
    t.mmapWriteUnlock(p.m);
    if (r.ret < 0) throw new Error(`fork: ${r.ret}`);
    return { m: r.m, pgd: r.pgd, walker: this.walkerFor(r.pgd) };
  }

  exit(p: Proc): void {
    mmput(this.t, this.pt, p.m, p.pgd, this.tlb, (tlb) => {
      if (tlb.needFlush()) this.flushes.push({ start: tlb.start, end: tlb.end });
    });
  }

  /** The leaf PTE for addr in p (0, 0 when none): [lo, hi]. */
  pte(p: Proc, addr: number): [number, number] {
    const e = this.pt.pte_offset_map(p.pgd, addr - (addr % 4096));
    if (e === 0) return [0, 0];
    const lo = this.pt.ptep_get(e);
    return [lo, this.phys.hi];
  }

  /** smaps_rollup's sums over p's VMAs: Rss, Pss (pages, fractional), USS (Private pages). */
  rollup(p: Proc): { rss: number; pss: number; uss: number } {
    const { t } = this;
    let rss = 0, pss = 0, uss = 0;
    for (let i = 0; i < t.mapCount(p.m); i++) {
      const v = t.vmaAt(p.m, i);
      for (let a = t.pool.start(v); a < t.pool.end(v); a += 4096) {
        const [lo, hi] = this.pte(p, a);
        if (!pte_present(lo) || (lo & _PAGE_SPECIAL) !== 0) continue;
        const n = page_mapcount(this.alloc.pages, pte_pfn(lo, hi));
        rss++;
        pss += 1 / n;
        if (n === 1) uss++;
      }
    }
    return { rss, pss, uss };
  }
}
