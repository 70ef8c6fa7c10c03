// Model test: random mmap/munmap/mprotect/brk/mremap/madvise/fault sequences against a
// page-granular reference model. After every step the VMA list must equal the model's
// maximal runs under the merge rule documented in src/kernel/mm/mmap.ts:
//   adjacent pages join when flags, file and anon-compatibility agree and pgoff is
//   contiguous; runs are built left to right, a run's anon_vma is its first non-zero one
//   and a page with a different non-zero anon_vma starts a new run (left wins, as Linux's
//   merges try prev before next); every page of a run then carries the run's anon_vma.
// Return values, the vm counters and the reported changes (unmapped, protChanged, zapped)
// are checked too. Failures print the seed and the shrunk op list (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { doMadvise, MADV_DONTFORK, MADV_DONTNEED, MADV_DOFORK, MADV_NORMAL, MADV_RANDOM } from '../../../src/kernel/mm/madvise.ts';
import {
  F_BRK, F_DATA_VM, F_EXEC_VM, F_MMAP_BASE, F_START_BRK, F_STACK_VM, F_TOTAL_VM, MMAP_MIN_ADDR, type MmTable,
  isDataMapping, isExecMapping, isStackMapping, pageAlign,
} from '../../../src/kernel/mm/mm_struct.ts';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, type MmChanges, anonVmaPrepare, doBrk, doMmap, doMunmap, vmaList } from '../../../src/kernel/mm/mmap.ts';
import { EEXIST, EFAULT, EINVAL, ENOMEM } from '../../../src/kernel/syscalls/numbers.ts';
import { doMprotect } from '../../../src/kernel/mm/mprotect.ts';
import { MREMAP_FIXED, MREMAP_MAYMOVE, doMremap } from '../../../src/kernel/mm/mremap.ts';
import {
  PAGE_SIZE, VM_ACCESS_FLAGS, VM_ACCOUNT, VM_DATA_DEFAULT_FLAGS, VM_DONTCOPY, VM_EXEC, VM_MAYEXEC, VM_MAYREAD,
  VM_MAYWRITE, VM_RAND_READ, VM_READ, VM_SEQ_READ, VM_SHARED, VM_WRITE, type VmaInfo,
} from '../../../src/kernel/mm/vma.ts';
import { newMm } from './helpers.ts';

const P = PAGE_SIZE;
const W0 = 0x1000_0000; // the window the fixed-address ops work in
const WPAGES = 14;
const HEAP_PAGE = 16; // start_brk = W0 + 16 pages, within reach of the window ops; brk stays >= one page above it

interface PageState {
  flags: number;
  file: number;
  pgoff: number;
  anon: number;
}

class Model {
  pages = new Map<number, PageState>(); // page number -> state
  brk: number;
  startBrk: number;
  nextAnon = 0;
  constructor(readonly mmapBase: number, startBrk: number) {
    this.startBrk = startBrk;
    this.brk = startBrk;
  }

  sortedPages(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  /** Maximal runs (the rule in the header); also normalizes every page's anon to its run's. */
  runs(): VmaInfo[] {
    const out: VmaInfo[] = [];
    let cur: { start: number; end: number; s: PageState; anon: number; pages: number[] } | null = null;
    const close = () => {
      if (cur === null) return;
      for (const pg of cur.pages) this.pages.get(pg)!.anon = cur.anon;
      out.push({ start: cur.start * P, end: cur.end * P, flags: cur.s.flags, pgoff: cur.s.pgoff, file: cur.s.file, anonVma: cur.anon });
    };
    for (const pg of this.sortedPages()) {
      const s = this.pages.get(pg)!;
      if (cur !== null && cur.end === pg && s.flags === cur.s.flags && s.file === cur.s.file &&
        s.pgoff === cur.s.pgoff + (pg - cur.start) && (cur.anon === 0 || s.anon === 0 || s.anon === cur.anon)) {
        cur.end = pg + 1;
        cur.pages.push(pg);
        if (cur.anon === 0) cur.anon = s.anon;
        continue;
      }
      close();
      cur = { start: pg, end: pg + 1, s, anon: s.anon, pages: [pg] };
    }
    close();
    return out;
  }

  runAt(addr: number): VmaInfo | undefined {
    return this.runs().find((r) => r.start <= addr && addr < r.end);
  }

  mapped(a: number, b: number): number[] {
    const out: number[] = [];
    for (let pg = a / P; pg < b / P; pg++) if (this.pages.has(pg)) out.push(pg);
    return out;
  }

  unmap(a: number, b: number): number[] {
    const gone = this.mapped(a, b);
    for (const pg of gone) this.pages.delete(pg);
    return gone;
  }

  /** Top-down placement below mmap_base (no stack VMAs here, so no guard gaps). */
  place(len: number): number {
    const sorted = this.sortedPages().reverse();
    let top = this.mmapBase;
    for (const pg of sorted) {
      const end = (pg + 1) * P;
      if (end > top) {
        top = Math.min(top, pg * P);
        continue;
      }
      if (top - end >= len) return top - len;
      top = pg * P;
    }
    return top - len >= MMAP_MIN_ADDR ? top - len : -ENOMEM;
  }
}

type Op =
  | { k: 'mmap'; page: number; n: number; prot: number; fixed: 0 | 1 | 2; file: number; fpg: number; odd: boolean }
  | { k: 'munmap'; page: number; n: number; odd: boolean }
  | { k: 'mprotect'; page: number; n: number; prot: number }
  | { k: 'brk'; bytes: number }
  | { k: 'mremap'; page: number; old: number; n: number; flags: number; to: number }
  | { k: 'madvise'; page: number; n: number; adv: number }
  | { k: 'fault'; page: number };

const protArb = fc.constantFrom(0, 1, 3, 3, 3, 5, 1, 2, 7);
const pageArb = fc.integer({ min: 0, max: WPAGES - 1 });
const lenArb = fc.integer({ min: 1, max: 6 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('mmap' as const), page: pageArb, n: lenArb, prot: protArb, fixed: fc.constantFrom(0, 1, 1, 2) as fc.Arbitrary<0 | 1 | 2>, file: fc.constantFrom(0, 0, 0, 1, 2), fpg: fc.integer({ min: 0, max: 8 }), odd: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('munmap' as const), page: pageArb, n: lenArb, odd: fc.boolean() }) },
  { weight: 7, arbitrary: fc.record({ k: fc.constant('mprotect' as const), page: pageArb, n: lenArb, prot: protArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('brk' as const), bytes: fc.integer({ min: P, max: 8 * P }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('mremap' as const), page: pageArb, old: fc.integer({ min: 0, max: 6 }), n: lenArb, flags: fc.constantFrom(0, MREMAP_MAYMOVE, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED), to: pageArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('madvise' as const), page: pageArb, n: lenArb, adv: fc.constantFrom(MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_RANDOM, MADV_NORMAL) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('fault' as const), page: fc.integer({ min: 0, max: HEAP_PAGE + 8 }) }) },
);

function protBits(prot: number): number {
  return (prot & 1 ? VM_READ : 0) | (prot & 2 ? VM_WRITE : 0) | (prot & 4 ? VM_EXEC : 0);
}

function pagesOf(ranges: { start: number; end: number }[]): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let a = r.start; a < r.end; a += P) out.push(a / P);
  return out.sort((a, b) => a - b);
}

/** Apply op to the model; returns the expected ret and the pages expected in each change list. */
function modelStep(md: Model, op: Op): { ret: number; unmapped?: number[]; prot?: number[]; zapped?: number[] } {
  switch (op.k) {
    case 'mmap': {
      const fixed = op.fixed !== 0;
      let addr = W0 + op.page * P + (op.odd && fixed ? 0x800 : 0);
      const len = op.n * P;
      if (fixed && addr % P !== 0) return { ret: -EINVAL };
      if (!fixed) {
        addr -= addr % P;
        if (md.mapped(addr, addr + len).length > 0) addr = md.place(len);
        if (addr < 0) return { ret: addr };
      }
      if (op.fixed === 2 && md.mapped(addr, addr + len).length > 0) return { ret: -EEXIST };
      const unmapped = md.unmap(addr, addr + len);
      let flags = protBits(op.prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
      if (flags & VM_WRITE) flags |= VM_ACCOUNT;
      for (let k = 0; k < op.n; k++) {
        md.pages.set(addr / P + k, { flags, file: op.file, pgoff: op.file === 0 ? addr / P + k : op.fpg + k, anon: 0 });
      }
      return { ret: addr, unmapped };
    }
    case 'munmap': {
      const addr = W0 + op.page * P + (op.odd ? 0x800 : 0);
      if (addr % P !== 0) return { ret: -EINVAL };
      return { ret: 0, unmapped: md.unmap(addr, addr + op.n * P) };
    }
    case 'mprotect': {
      const start = W0 + op.page * P;
      const changed: number[] = [];
      for (let pg = start / P; pg < start / P + op.n; pg++) {
        const s = md.pages.get(pg);
        if (s === undefined) return { ret: -ENOMEM, prot: changed };
        const old = s.flags;
        let nf = protBits(op.prot) | (old & ~VM_ACCESS_FLAGS);
        if (nf === old) continue;
        if (nf & VM_WRITE) {
          if ((old & (VM_ACCOUNT | VM_WRITE | VM_SHARED)) === 0) nf |= VM_ACCOUNT;
        } else if ((old & VM_ACCOUNT) && s.file === 0 && s.anon === 0) nf &= ~VM_ACCOUNT;
        if (nf === old) continue;
        s.flags = nf;
        changed.push(pg);
      }
      return { ret: 0, prot: changed };
    }
    case 'brk': {
      const want = md.startBrk + op.bytes;
      const newbrk = pageAlign(want);
      const oldbrk = pageAlign(md.brk);
      if (newbrk === oldbrk) {
        md.brk = want;
        return { ret: want };
      }
      if (want <= md.brk) {
        if (md.mapped(newbrk, oldbrk).length === 0) return { ret: md.brk };
        md.brk = want;
        return { ret: want, unmapped: md.unmap(newbrk, oldbrk) };
      }
      const after = md.sortedPages().find((pg) => pg * P >= oldbrk);
      if (after !== undefined && after * P < newbrk + P) return { ret: md.brk };
      for (let pg = oldbrk / P; pg < newbrk / P; pg++) {
        md.pages.set(pg, { flags: VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT, file: 0, pgoff: pg, anon: 0 });
      }
      md.brk = want;
      return { ret: want };
    }
    case 'mremap': {
      const addr = W0 + op.page * P;
      const oldLen = op.old * P;
      const newLen = op.n * P;
      const newAddr = W0 + op.to * P;
      const vma = md.runAt(addr);
      if (vma === undefined) return { ret: -EFAULT };
      const move = (v: VmaInfo, dest: number, oLen: number): { ret: number; unmapped: number[] } => {
        const src: PageState[] = [];
        for (let k = 0; k < oLen / P; k++) src.push({ ...md.pages.get(addr / P + k)! });
        const base = v.file === 0 && v.anonVma === 0 ? dest / P : v.pgoff + (addr - v.start) / P;
        for (let k = 0; k < newLen / P; k++) {
          md.pages.set(dest / P + k, { flags: v.flags, file: v.file, pgoff: base + k, anon: v.anonVma });
        }
        // copy_vma may merge the copy with the source VMA itself (an unfaulted anonymous VMA takes
        // the destination's pgoff) before the old range is unmapped: the anon_vma spreads over the
        // run that still holds the source, and what remains of the source keeps it.
        md.runs();
        md.unmap(addr, addr + oLen);
        return { ret: dest, unmapped: [] };
      };
      if (op.flags & MREMAP_FIXED) {
        if (addr + oldLen > newAddr && newAddr + newLen > addr) return { ret: -EINVAL };
        const unmapped = md.unmap(newAddr, newAddr + newLen);
        let oLen = oldLen;
        if (oLen > newLen) {
          unmapped.push(...md.unmap(addr + newLen, addr + oLen));
          oLen = newLen;
        }
        const v = md.runAt(addr);
        if (v === undefined) return { ret: -EFAULT, unmapped };
        if (oLen === 0 && (v.flags & VM_SHARED) === 0) return { ret: -EINVAL, unmapped };
        if (oLen > v.end - addr) return { ret: -EFAULT, unmapped };
        const r = move(v, newAddr, oLen);
        return { ret: r.ret, unmapped };
      }
      if (oldLen >= newLen) {
        if (oldLen === newLen) return { ret: addr, unmapped: [] };
        return { ret: addr, unmapped: md.unmap(addr + newLen, addr + oldLen) };
      }
      if (oldLen === 0) return { ret: -EINVAL };
      if (oldLen > vma.end - addr) return { ret: -EFAULT };
      if (oldLen === vma.end - addr && md.mapped(vma.end, vma.end + newLen - oldLen).length === 0) {
        for (let pg = vma.end / P; pg < (vma.end + newLen - oldLen) / P; pg++) {
          md.pages.set(pg, { flags: vma.flags, file: vma.file, pgoff: vma.pgoff + (pg - vma.start / P), anon: vma.anonVma });
        }
        return { ret: addr, unmapped: [] };
      }
      if (!(op.flags & MREMAP_MAYMOVE)) return { ret: -ENOMEM };
      const dest = md.place(newLen);
      return move(vma, dest, oldLen);
    }
    case 'madvise': {
      const start = W0 + op.page * P;
      const end = start + op.n * P;
      const holes = op.n - md.mapped(start, end).length;
      if (op.adv === MADV_DONTNEED) return { ret: holes > 0 ? -ENOMEM : 0, zapped: md.mapped(start, end) };
      for (const pg of md.mapped(start, end)) {
        const s = md.pages.get(pg)!;
        if (op.adv === MADV_DONTFORK) s.flags |= VM_DONTCOPY;
        else if (op.adv === MADV_DOFORK) s.flags &= ~VM_DONTCOPY;
        else if (op.adv === MADV_RANDOM) s.flags = (s.flags & ~VM_SEQ_READ) | VM_RAND_READ;
        else s.flags &= ~(VM_RAND_READ | VM_SEQ_READ);
      }
      return { ret: holes > 0 ? -ENOMEM : 0 };
    }
    case 'fault': {
      const addr = W0 + op.page * P;
      const runs = md.runs();
      const i = runs.findIndex((r) => r.start <= addr && addr < r.end);
      if (i < 0 || runs[i]!.file !== 0) return { ret: 0 };
      const v = runs[i]!;
      if (v.anonVma !== 0) return { ret: v.anonVma };
      const compat = (a: VmaInfo, b: VmaInfo) => a.end === b.start && a.file === b.file &&
        ((a.flags ^ b.flags) & ~VM_ACCESS_FLAGS) === 0 && b.pgoff === a.pgoff + (b.start - a.start) / P;
      let id = 0;
      const next = runs[i + 1];
      const prev = runs[i - 1];
      if (next !== undefined && compat(v, next)) id = next.anonVma;
      if (id === 0 && prev !== undefined && compat(prev, v)) id = prev.anonVma;
      if (id === 0) id = ++md.nextAnon;
      for (let pg = v.start / P; pg < v.end / P; pg++) md.pages.get(pg)!.anon = id;
      return { ret: id };
    }
  }
}

function implStep(t: MmTable, m: number, op: Op): MmChanges {
  switch (op.k) {
    case 'mmap': {
      const fixed = op.fixed !== 0;
      const addr = W0 + op.page * P + (op.odd && fixed ? 0x800 : 0);
      const flags = MAP_PRIVATE | (op.file === 0 ? MAP_ANONYMOUS : 0) | (op.fixed === 1 ? MAP_FIXED : op.fixed === 2 ? MAP_FIXED_NOREPLACE : 0);
      const file = op.file === 0 ? null : { id: op.file, readable: true, writable: true };
      return doMmap(t, m, addr, op.n * P, op.prot, flags, file, op.fpg);
    }
    case 'munmap':
      return doMunmap(t, m, W0 + op.page * P + (op.odd ? 0x800 : 0), op.n * P);
    case 'mprotect':
      return doMprotect(t, m, W0 + op.page * P, op.n * P, op.prot);
    case 'brk':
      return doBrk(t, m, t.get(m, F_START_BRK) + op.bytes);
    case 'mremap':
      return doMremap(t, m, W0 + op.page * P, op.old * P, op.n * P, op.flags, W0 + op.to * P);
    case 'madvise':
      return doMadvise(t, m, W0 + op.page * P, op.n * P, op.adv);
    case 'fault': {
      const v = t.vmaLookup(m, W0 + op.page * P);
      if (v < 0 || t.pool.file(v) !== 0) return { ret: 0, unmapped: [], protChanged: [], moved: [], zapped: [] };
      return { ret: anonVmaPrepare(t, m, v), unmapped: [], protChanged: [], moved: [], zapped: [] };
    }
  }
}

const stats = new Map<string, number>();
let maxVmas = 0;
let adjacentUnmerged = 0;

function check(t: MmTable, m: number, md: Model, ops: Op[]): void {
  for (const [step, op] of ops.entries()) {
    const want = modelStep(md, op);
    const got = implStep(t, m, op);
    const key = `${op.k}:${got.ret < 0 ? 'err' + -got.ret : 'ok'}`;
    stats.set(key, (stats.get(key) ?? 0) + 1);
    const where = `step ${step} ${JSON.stringify(op)}`;
    expect(got.ret, where).toBe(want.ret);
    if (want.unmapped !== undefined) expect(pagesOf(got.unmapped), where).toEqual(want.unmapped.sort((a, b) => a - b));
    if (want.prot !== undefined) expect(pagesOf(got.protChanged), where).toEqual(want.prot.sort((a, b) => a - b));
    if (want.zapped !== undefined) expect(pagesOf(got.zapped), where).toEqual(want.zapped.sort((a, b) => a - b));
    const runs = md.runs();
    const list = vmaList(t, m);
    expect(list, where).toEqual(runs);
    for (let i = 1; i < list.length; i++) expect(list[i - 1]!.end <= list[i]!.start, where).toBe(true);
    expect(t.mapCount(m), where).toBe(runs.length);
    maxVmas = Math.max(maxVmas, runs.length);
    for (let i = 1; i < list.length; i++) if (list[i - 1]!.end === list[i]!.start && list[i - 1]!.flags === list[i]!.flags && list[i - 1]!.file === list[i]!.file && list[i]!.pgoff === list[i - 1]!.pgoff + (list[i - 1]!.end - list[i - 1]!.start) / P) adjacentUnmerged++;
    let total = 0, data = 0, exec = 0, stack = 0;
    for (const s of md.pages.values()) {
      total++;
      if (isExecMapping(s.flags)) exec++;
      else if (isStackMapping(s.flags)) stack++;
      else if (isDataMapping(s.flags)) data++;
    }
    expect([t.get(m, F_TOTAL_VM), t.get(m, F_DATA_VM), t.get(m, F_EXEC_VM), t.get(m, F_STACK_VM)], where).toEqual([total, data, exec, stack]);
    expect(t.get(m, F_BRK), where).toBe(md.brk);
  }
}

describe('VMA model test', () => {
  it('random op sequences keep the VMA list equal to the model\'s maximal runs', () => {
    const seed = Number(process.env.VMA_SEED ?? Date.now() % 1_000_000);
    console.log(`vma model seed ${seed} (VMA_SEED=${seed} to replay)`);
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (ops) => {
        const { t, m } = newMm();
        const startBrk = W0 + HEAP_PAGE * P;
        t.set(m, F_START_BRK, startBrk);
        t.set(m, F_BRK, startBrk);
        const md = new Model(t.get(m, F_MMAP_BASE), startBrk);
        // The heap exists from the start, as after the first brk of a program (see the header of brk ops).
        check(t, m, md, [{ k: 'brk', bytes: P }]);
        check(t, m, md, ops);
      }),
      { seed, numRuns: 400 },
    );
    console.log(`outcomes ${JSON.stringify(Object.fromEntries([...stats].sort()))}; most VMAs ${maxVmas}; adjacent VMAs kept apart only by their anon_vmas ${adjacentUnmerged}`);
  });
});
