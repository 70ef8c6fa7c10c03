// One core's MMU under `--boot linux`: the Sv39/Sv48 walker as the TLB's miss handler, over
// the core's physical path (cores/mmu/phys.ts), and what the kernel asks of it (satp,
// sfence.vma, the decode cache). A walk's memory latency is charged to the core when it
// happens (the access that missed waits for it).

import type { CpuMmu, KernelPhys } from '../../src/kernel/mm/tlbflush.ts';
import type { DecodeCache } from '../decode_cache.ts';
import type { Tlb, TlbFill, TlbMissHandler, TlbStats } from '../tlb.ts';
import { PageWalkMissHandler } from './miss.ts';
import { SATP_MODE_SV39, SATP_MODE_SV48 } from './pte.ts';
import { PageWalker, type PteMemory } from './walk.ts';

/** What the MMU charges walk cycles to (the hart: its cycle counter may grow mid-run). */
export interface CycleSink {
  cycle: number;
}

export class CoreMmu implements CpuMmu, TlbMissHandler {
  readonly walker: PageWalker;
  private readonly miss: PageWalkMissHandler;
  /** Set once the hart exists (the TLB is built before it). */
  tlb: Tlb | undefined;
  decode: DecodeCache | undefined;
  sink: CycleSink = { cycle: 0 };
  pageWalks = 0;
  walkCycles = 0;
  /** PTEs the walks read (one per level walked: 3 a walk to a 4 KiB page under Sv39, 4 under Sv48). */
  pteReads = 0;

  constructor(
    pte: PteMemory,
    readonly phys: KernelPhys,
  ) {
    this.walker = new PageWalker(pte);
    this.miss = new PageWalkMissHandler(this.walker);
  }

  walk(vpn: number, acc: number, out: TlbFill): number {
    const cause = this.miss.walk(vpn, acc, out);
    const lat = this.walker.res.latency;
    this.pageWalks++;
    this.pteReads += this.walker.res.reads;
    this.walkCycles += lat;
    this.sink.cycle += lat;
    return cause;
  }

  get tlbMisses(): number {
    return this.tlb?.misses ?? 0;
  }

  /** Per-level counts and the STLB's cycles (cores/tlb.ts). */
  tlbStats(): TlbStats | undefined {
    return this.tlb?.stats();
  }

  setRoot(pgd: number, levels: number, asid: number): void {
    const ppn = pgd / 4096;
    const mode = levels === 4 ? SATP_MODE_SV48 : SATP_MODE_SV39;
    const hi = (mode << 28) | ((asid & 0xffff) << 12) | (Math.floor(ppn / 4294967296) & 0xfff);
    if (!this.walker.setSatp(ppn >>> 0, hi)) throw new Error(`BUG: satp mode ${mode} refused`);
    // Tagged TLB: no flush on a switch (other spaces' entries stay for when they come back).
    this.tlb?.setAsid(asid & 0xffff);
    this.flushIcache();
  }

  flushTlbPageAsid(va: number, asid: number): void {
    this.tlb?.flushPageAsid(va, asid);
  }

  flushTlbAsid(asid: number): void {
    this.tlb?.flushAsid(asid);
  }

  flushTlbPage(va: number): void {
    this.tlb?.flushPage(va);
  }

  flushTlbAll(): void {
    this.tlb?.flush();
  }

  flushIcache(): void {
    this.decode?.flush();
  }
}
