// Address-space identifiers and mm_cpumask (Linux 6.1 arch/riscv/mm/context.c, itself
// arm64's allocator): every mm gets an ASID, tagged with the allocator's generation, the
// first time a core switches to it; switch_mm writes satp with it and does NOT flush, so the
// TLB keeps other spaces' entries for when they come back. When the ASIDs run out the
// generation rolls over: the bitmap empties, the ASIDs running on some core right now stay
// reserved (their mms keep them), every core owes a full local flush at its next switch_mm,
// and every other mm gets a fresh ASID when it next runs. ASID 0 is never handed out (Linux
// keeps it for init_mm). mm_cpumask(mm): the cores that have switched to mm since it was
// created (riscv never clears a bit while the mm lives), i.e. the cores that may hold its
// translations: the targets of its TLB shootdowns (tlb_shootdown.ts).
//
// Layout: one SharedArrayBuffer of int32, under one spinlock:
//   [0] lock, [1] generation, [2] asid bits, [3] mm capacity, [4] cores
//   bitmap of ASIDs in use this generation: 2^bits bits from BITMAP
//   per mm m (4 words): asid, its generation, cpumask low 32 cores, high 32
//   per core c (4 words): the mm it runs (-1), flush owed, shootdowns sent, received

import { spinLock, spinUnlock } from '../../../shared/sync/spinlock.ts';
import type { CpuMmu } from './tlbflush.ts';

const LOCK = 0;
const GEN = 1;
const BITS = 2;
const NMM = 3;
const NCPU = 4;
const BITMAP = 8;

/** satp.ASID is 16 bits in Sv39/Sv48; Linux probes how many the hart implements (asid_bits). */
export const ASID_BITS = 16;

export function allocAsidBuffer(cpus: number, mmCapacity: number, asidBits = ASID_BITS): SharedArrayBuffer {
  if (!(asidBits >= 1 && asidBits <= 16)) throw new RangeError(`asid bits must be 1..16 (got ${asidBits})`);
  if (!(cpus >= 1 && cpus <= 64)) throw new RangeError(`cpus must be 1..64 (got ${cpus})`);
  const words = BITMAP + ((1 << asidBits) >> 5) + 1 + 4 * mmCapacity + 4 * cpus;
  const buf = new SharedArrayBuffer(words * 4);
  const i = new Int32Array(buf);
  i[GEN] = 1;
  i[BITS] = asidBits;
  i[NMM] = mmCapacity;
  i[NCPU] = cpus;
  for (let c = 0; c < cpus; c++) i[cpuBase(i, c)] = -1;
  return buf;
}

function mmBase(i: Int32Array, m: number): number {
  return BITMAP + ((1 << i[BITS]!) >> 5) + 1 + 4 * m;
}
function cpuBase(i: Int32Array, c: number): number {
  return mmBase(i, i[NMM]!) + 4 * c;
}

export class AsidAllocator {
  readonly i: Int32Array;
  readonly asids: number;
  readonly cpus: number;

  constructor(buffer: SharedArrayBuffer) {
    this.i = new Int32Array(buffer);
    this.asids = 1 << this.i[BITS]!;
    this.cpus = this.i[NCPU]!;
  }

  /** init_new_context: a new mm owns no ASID and has run nowhere. */
  init_new_context(m: number): void {
    const b = mmBase(this.i, m);
    spinLock(this.i, LOCK);
    this.i[b] = 0;
    this.i[b + 1] = 0;
    this.i[b + 2] = 0;
    this.i[b + 3] = 0;
    spinUnlock(this.i, LOCK);
  }

  /** The ASID mm m was last given (0: none yet). */
  asid(m: number): number {
    return Atomics.load(this.i, mmBase(this.i, m));
  }

  generation(): number {
    return Atomics.load(this.i, GEN);
  }

  /** mm_cpumask(m): the cores that may hold m's translations. */
  mm_cpumask(m: number): number[] {
    const b = mmBase(this.i, m);
    const lo = Atomics.load(this.i, b + 2), hi = Atomics.load(this.i, b + 3);
    const out: number[] = [];
    for (let c = 0; c < this.cpus; c++) if (((c < 32 ? lo >>> c : hi >>> (c - 32)) & 1) !== 0) out.push(c);
    return out;
  }

  /**
   * switch_mm on core `cpu` to mm m (its page table root pgd): an ASID valid in this
   * generation (a new one if needed), m's cpumask gains cpu, satp is written; the full
   * local flush a rollover owes this core happens here.
   */
  switch_mm(cpu: number, m: number, mmu: CpuMmu, pgd: number, levels: number): number {
    const i = this.i;
    const b = mmBase(i, m);
    spinLock(i, LOCK);
    let asid = i[b]!;
    if (asid === 0 || i[b + 1] !== i[GEN]) asid = this.new_context(m);
    i[b + (cpu < 32 ? 2 : 3)]! |= 1 << (cpu & 31);
    const cb = cpuBase(i, cpu);
    i[cb] = m;
    const flush = i[cb + 1] !== 0;
    i[cb + 1] = 0;
    spinUnlock(i, LOCK);
    mmu.setRoot(pgd, levels, asid);
    if (flush) mmu.flushTlbAll();
    return asid;
  }

  /** The core stops running any mm (exit): its ASID no longer needs reserving at a rollover. */
  leave_mm(cpu: number): void {
    spinLock(this.i, LOCK);
    this.i[cpuBase(this.i, cpu)] = -1;
    spinUnlock(this.i, LOCK);
  }

  /** Under the lock: m's old ASID if still free in this generation, else the first free one, rolling over if none. */
  private new_context(m: number): number {
    const i = this.i;
    const b = mmBase(i, m);
    const old = i[b]!;
    let asid = old > 0 && !this.test(old) ? old : this.findFree();
    if (asid < 0) {
      this.flush_context();
      asid = i[b + 1] === i[GEN] ? i[b]! : this.findFree(); // m itself may be running elsewhere: reserved
      if (asid < 0) throw new Error(`BUG: no ASID free after a rollover (${this.asids} ASIDs, ${this.cpus} cores)`);
    }
    this.set(asid);
    i[b] = asid;
    i[b + 1] = i[GEN]!;
    return asid;
  }

  /** __flush_context: a new generation; ASIDs running now stay theirs; every core owes a flush. */
  private flush_context(): void {
    const i = this.i;
    i[GEN]!++;
    i.fill(0, BITMAP, BITMAP + (this.asids >> 5) + 1);
    for (let c = 0; c < this.cpus; c++) {
      const cb = cpuBase(i, c);
      const m = i[cb]!;
      if (m >= 0) {
        const mb = mmBase(i, m);
        this.set(i[mb]!);
        i[mb + 1] = i[GEN]!;
      }
      i[cb + 1] = 1;
    }
  }

  private test(a: number): boolean {
    return ((this.i[BITMAP + (a >> 5)]! >>> (a & 31)) & 1) !== 0;
  }
  private set(a: number): void {
    this.i[BITMAP + (a >> 5)]! |= 1 << (a & 31);
  }
  private findFree(): number {
    for (let a = 1; a < this.asids; a++) if (!this.test(a)) return a;
    return -1;
  }

  // ---- shootdown counts (tlb_shootdown.ts) ----
  countSent(cpu: number, n: number): void {
    Atomics.add(this.i, cpuBase(this.i, cpu) + 2, n);
  }
  countReceived(cpu: number): void {
    Atomics.add(this.i, cpuBase(this.i, cpu) + 3, 1);
  }
  shootdowns(cpu: number): { sent: number; received: number } {
    const cb = cpuBase(this.i, cpu);
    return { sent: Atomics.load(this.i, cb + 2), received: Atomics.load(this.i, cb + 3) };
  }
}
