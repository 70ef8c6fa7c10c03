import { describe, expect, it } from 'vitest';
import { doMadvise, MADV_DONTNEED, MADV_FREE } from '../../../src/kernel/mm/madvise.ts';
import {
  F_BRK, F_DATA_VM, F_END_CODE, F_EXEC_VM, F_HIWATER_VM, F_MMAP_BASE, F_START_BRK, F_START_CODE, F_START_STACK,
  F_STACK_VM, F_TOTAL_VM, STACK_GUARD_GAP, TASK_SIZE_SV39, TASK_SIZE_SV48, taskMemVm,
} from '../../../src/kernel/mm/mm_struct.ts';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_GROWSDOWN, PROT_NONE, PROT_READ, PROT_WRITE, anonVmaPrepare, doBrk, doMmap, doMunmap, expandStack, setupStackVma, vmBrkFlags, vmaList } from '../../../src/kernel/mm/mmap.ts';
import { EACCES, EEXIST, EFAULT, EINVAL, ENOMEM, EPERM } from '../../../src/kernel/syscalls/numbers.ts';
import { doMprotect } from '../../../src/kernel/mm/mprotect.ts';
import { MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE, doMremap } from '../../../src/kernel/mm/mremap.ts';
import {
  VM_ACCOUNT, VM_EXEC, VM_GROWSDOWN, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE,
} from '../../../src/kernel/mm/vma.ts';
import { KiB, MiB, newMm } from './helpers.ts';

const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const RW = PROT_READ | PROT_WRITE;
const MAY = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
const ranges = (t: ReturnType<typeof newMm>['t'], m: number) => vmaList(t, m).map((v) => [v.start, v.end, v.flags]);

describe('layout', () => {
  it('mmap_base is STACK_TOP minus the 129 MiB minimum gap, randomization off (Sv39 and Sv48)', () => {
    const a = newMm();
    expect(a.t.get(a.m, F_MMAP_BASE)).toBe(TASK_SIZE_SV39 - 129 * MiB); // 0x3ff7f00000
    expect(a.t.get(a.m, F_MMAP_BASE)).toBe(0x3ff7f00000);
    const b = newMm({ taskSize: TASK_SIZE_SV48, rlimitStack: 512 * MiB });
    expect(b.t.get(b.m, F_MMAP_BASE)).toBe(TASK_SIZE_SV48 - 512 * MiB - STACK_GUARD_GAP);
  });

  it('anonymous mmaps go top-down from mmap_base; an unusable hint is ignored, a free one is used', () => {
    const { t, m } = newMm();
    const base = t.get(m, F_MMAP_BASE);
    expect(doMmap(t, m, 0, 200 * KiB, RW, ANON, null, 0).ret).toBe(base - 200 * KiB);
    // Same flags, touching, pgoff contiguous: the second merges into the first.
    expect(doMmap(t, m, 0, 4096, RW, ANON, null, 0).ret).toBe(base - 204 * KiB);
    expect(t.mapCount(m)).toBe(1);
    expect(doMmap(t, m, base - 8192, 4096, PROT_READ, ANON, null, 0).ret).toBe(base - 208 * KiB);
    expect(doMmap(t, m, 0x1234_5678, 4096, PROT_READ, ANON, null, 0).ret).toBe(0x1234_5000);
    // round_hint_to_min masks the hint to a page first: 0x10 becomes NULL, so top-down again.
    expect(doMmap(t, m, 0x10, 4096, PROT_READ, ANON, null, 0).ret).toBe(base - 212 * KiB);
  });

  it('the legacy layout (unlimited stack rlimit) allocates bottom-up from TASK_SIZE/3', () => {
    const { t, m } = newMm({ rlimitStack: Number.MAX_SAFE_INTEGER });
    expect(doMmap(t, m, 0, 4096, RW, ANON, null, 0).ret).toBe(Math.ceil(TASK_SIZE_SV39 / 3 / 4096) * 4096);
  });

  it('the stack VMA: 128 KiB below the argument pages, [stack] grows down but keeps the guard gap', () => {
    const { t, m } = newMm();
    const start = setupStackVma(t, m, 3000);
    expect(start).toBe(TASK_SIZE_SV39 - 4096 - 128 * KiB); // 0x3ffffdf000
    const v = t.vmaLookup(m, start);
    expect(t.pool.flags(v)).toBe(VM_GROWSDOWN | VM_READ | VM_WRITE | MAY | VM_ACCOUNT);
    expect(t.get(m, F_STACK_VM)).toBe(33);
    expect(expandStack(t, m, v, start - 10 * 4096 + 17)).toBe(0);
    expect(t.pool.start(v)).toBe(start - 10 * 4096);
    expect(t.get(m, F_STACK_VM)).toBe(43);
    // An accessible mapping within stack_guard_gap below blocks the growth.
    const below = start - 10 * 4096 - STACK_GUARD_GAP;
    expect(doMmap(t, m, below, 4096, PROT_READ, ANON | MAP_FIXED, null, 0).ret).toBe(below);
    expect(expandStack(t, m, v, start - 11 * 4096)).toBe(-ENOMEM);
    // RLIMIT_STACK (8 MiB)
    const { t: t2, m: m2 } = newMm();
    const s2 = setupStackVma(t2, m2, 100);
    expect(expandStack(t2, m2, t2.vmaLookup(m2, s2), TASK_SIZE_SV39 - 8 * MiB - 4096)).toBe(-ENOMEM);
    expect(expandStack(t2, m2, t2.vmaLookup(m2, s2), TASK_SIZE_SV39 - 8 * MiB)).toBe(0);
    // top-down placement leaves stack_guard_gap below a stack VMA reached by a hint
    expect(doMmap(t2, m2, TASK_SIZE_SV39 - 8 * MiB - 4096, 4096, RW, ANON, null, 0).ret).not.toBe(TASK_SIZE_SV39 - 8 * MiB - 4096);
  });
});

describe('errno cases', () => {
  it('mmap: EINVAL, ENOMEM, EEXIST, EPERM, EACCES as Linux returns them', () => {
    const { t, m } = newMm();
    expect(doMmap(t, m, 0, 0, RW, ANON, null, 0).ret).toBe(-EINVAL); // len 0
    expect(doMmap(t, m, 0x10000800, 4096, RW, ANON | MAP_FIXED, null, 0).ret).toBe(-EINVAL); // unaligned fixed
    expect(doMmap(t, m, 0, 4096, RW, MAP_ANONYMOUS, null, 0).ret).toBe(-EINVAL); // no map type
    expect(doMmap(t, m, TASK_SIZE_SV39, 4096, RW, ANON | MAP_FIXED, null, 0).ret).toBe(-ENOMEM); // beyond TASK_SIZE
    expect(doMmap(t, m, TASK_SIZE_SV39 - 4096, 8192, RW, ANON | MAP_FIXED, null, 0).ret).toBe(-ENOMEM);
    expect(doMmap(t, m, 0, TASK_SIZE_SV39, RW, ANON, null, 0).ret).toBe(-ENOMEM); // no room
    expect(doMmap(t, m, 0, 2 ** 40, RW, ANON, null, 0).ret).toBe(-ENOMEM);
    expect(doMmap(t, m, 0, 4096, RW, ANON | MAP_FIXED, null, 0).ret).toBe(-EPERM); // below mmap_min_addr
    expect(doMmap(t, m, 0x10000000, 8192, RW, ANON | MAP_FIXED, null, 0).ret).toBe(0x10000000);
    expect(doMmap(t, m, 0x10001000, 8192, RW, ANON | MAP_FIXED_NOREPLACE, null, 0).ret).toBe(-EEXIST);
    expect(doMmap(t, m, 0x10002000, 8192, RW, ANON | MAP_FIXED_NOREPLACE, null, 0).ret).toBe(0x10002000);
    const ro = { id: 7, readable: true, writable: false };
    expect(doMmap(t, m, 0, 4096, RW, MAP_SHARED, ro, 0).ret).toBe(-EACCES);
    expect(doMmap(t, m, 0, 4096, PROT_READ, MAP_PRIVATE, { id: 8, readable: false, writable: true }, 0).ret).toBe(-EACCES);
    expect(doMmap(t, m, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, { id: 9, readable: true, writable: false, noexec: true }, 0).ret).toBe(-EPERM);
    expect(doMmap(t, m, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, ro, 0).ret).toBe(-EINVAL);
    // A read-only shared file mapping cannot become writable: EACCES from mprotect.
    const a = doMmap(t, m, 0, 4096, PROT_READ, MAP_SHARED, ro, 0).ret;
    const v = t.vmaLookup(m, a);
    expect(t.pool.flags(v) & (VM_SHARED | VM_MAYSHARE | VM_MAYWRITE)).toBe(VM_MAYSHARE);
    expect(doMprotect(t, m, a, 4096, RW).ret).toBe(-EACCES);
    // Private file mappings may be written (copy-on-write).
    const b = doMmap(t, m, 0, 4096, PROT_READ, MAP_PRIVATE, ro, 0).ret;
    expect(doMprotect(t, m, b, 4096, RW).ret).toBe(0);
  });

  it('munmap / mprotect / mremap / madvise argument errors', () => {
    const { t, m } = newMm();
    expect(doMunmap(t, m, 0x10000800, 4096).ret).toBe(-EINVAL);
    expect(doMunmap(t, m, 0x10000000, 0).ret).toBe(-EINVAL);
    expect(doMunmap(t, m, TASK_SIZE_SV39 - 4096, 8192).ret).toBe(-EINVAL);
    expect(doMunmap(t, m, 0x10000000, 4096).ret).toBe(0); // nothing there: fine
    expect(doMprotect(t, m, 0x10000800, 4096, RW).ret).toBe(-EINVAL);
    expect(doMprotect(t, m, 0x10000000, 4096, 0x10).ret).toBe(-EINVAL);
    expect(doMprotect(t, m, 0x10000000, 4096, RW | PROT_GROWSDOWN | 0x02000000).ret).toBe(-EINVAL);
    expect(doMprotect(t, m, 0x10000000, 0, RW).ret).toBe(0);
    expect(doMprotect(t, m, 0x10000000, 4096, RW).ret).toBe(-ENOMEM); // unmapped
    doMmap(t, m, 0x10000000, 8192, RW, ANON | MAP_FIXED, null, 0);
    doMmap(t, m, 0x10003000, 4096, RW, ANON | MAP_FIXED, null, 0);
    // A hole after the first VMA: the first still changes, then ENOMEM.
    const r = doMprotect(t, m, 0x10000000, 0x4000, PROT_READ);
    expect(r.ret).toBe(-ENOMEM);
    expect(r.protChanged).toEqual([{ start: 0x10000000, end: 0x10002000, oldFlags: VM_READ | VM_WRITE | MAY | VM_ACCOUNT, newFlags: VM_READ | MAY }]);
    expect(doMprotect(t, m, 0x10000000, 4096, PROT_READ | PROT_GROWSDOWN).ret).toBe(-EINVAL); // not a stack
    expect(doMremap(t, m, 0x10000000, 4096, 8192, 8, 0).ret).toBe(-EINVAL); // unknown flag
    expect(doMremap(t, m, 0x10000000, 4096, 8192, MREMAP_FIXED, 0x20000000).ret).toBe(-EINVAL);
    expect(doMremap(t, m, 0x10000000, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0).ret).toBe(-EINVAL);
    expect(doMremap(t, m, 0x10000800, 4096, 8192, 0, 0).ret).toBe(-EINVAL);
    expect(doMremap(t, m, 0x10000000, 4096, 0, 0, 0).ret).toBe(-EINVAL);
    expect(doMremap(t, m, 0x10002000, 4096, 8192, 0, 0).ret).toBe(-EFAULT); // nothing at addr
    expect(doMremap(t, m, 0x10000000, 0x3000, 0x4000, MREMAP_MAYMOVE, 0).ret).toBe(-EFAULT); // crosses the VMA end
    expect(doMremap(t, m, 0x10000000, 0, 0x4000, MREMAP_MAYMOVE, 0).ret).toBe(-EINVAL); // old_len 0, private
    expect(doMremap(t, m, 0x10000000, 0x2000, 0x4000, 0, 0).ret).toBe(-ENOMEM); // no room in place, may not move
    expect(doMremap(t, m, 0x10000000, 0x2000, 0x3000, 0, 0).ret).toBe(0x10000000); // room for one page
    expect(doMremap(t, m, 0x10000000, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED, 0x10000800).ret).toBe(-EINVAL);
    expect(doMremap(t, m, 0x10000000, 0x2000, 0x2000, MREMAP_MAYMOVE | MREMAP_FIXED, 0x10001000).ret).toBe(-EINVAL); // overlap
    expect(doMadvise(t, m, 0x10000000, 4096, 99).ret).toBe(-EINVAL);
    expect(doMadvise(t, m, 0x10000800, 4096, MADV_DONTNEED).ret).toBe(-EINVAL);
    expect(doMadvise(t, m, 0x10000000, 0, MADV_DONTNEED).ret).toBe(0);
  });

  it('vm.max_map_count: mmap refuses above it, a hole punched in one VMA at it is ENOMEM, mprotect splits likewise', () => {
    const { t, m } = newMm({}, 4);
    for (let i = 0; i < 4; i++) expect(doMmap(t, m, 0x10000000 + i * 0x10000, 0x4000, RW, ANON | MAP_FIXED, null, 0).ret).toBeGreaterThan(0);
    expect(t.mapCount(m)).toBe(4);
    // Linux checks map_count > max before mmap, so one more still fits...
    expect(doMmap(t, m, 0x20000000, 0x1000, RW, ANON | MAP_FIXED, null, 0).ret).toBe(0x20000000);
    // ...and then no more.
    expect(doMmap(t, m, 0x30000000, 0x1000, RW, ANON | MAP_FIXED, null, 0).ret).toBe(-ENOMEM);
    expect(doMunmap(t, m, 0x10001000, 0x1000).ret).toBe(-ENOMEM); // would split one VMA into two
    expect(doMunmap(t, m, 0x10000000, 0x1000).ret).toBe(0); // trimming the head is fine
    expect(doMprotect(t, m, 0x10011000, 0x1000, PROT_READ).ret).toBe(-ENOMEM); // split_vma at the limit
    expect(t.mapCount(m)).toBe(5);
  });
});

describe('munmap and mprotect split and merge', () => {
  it('munmap of head, tail and middle; the middle makes two VMAs', () => {
    const { t, m } = newMm();
    const a = 0x10000000;
    doMmap(t, m, a, 0x10000, RW, ANON | MAP_FIXED, null, 0);
    const f = VM_READ | VM_WRITE | MAY | VM_ACCOUNT;
    expect(doMunmap(t, m, a, 0x1000).unmapped.map((u) => [u.start, u.end])).toEqual([[a, a + 0x1000]]);
    expect(doMunmap(t, m, a + 0xf000, 0x1000).ret).toBe(0);
    expect(ranges(t, m)).toEqual([[a + 0x1000, a + 0xf000, f]]);
    const r = doMunmap(t, m, a + 0x4000, 0x2000);
    expect(r.unmapped).toEqual([{ start: a + 0x4000, end: a + 0x6000, flags: f, pgoff: (a + 0x4000) / 4096, file: 0, anonVma: 0 }]);
    expect(ranges(t, m)).toEqual([[a + 0x1000, a + 0x4000, f], [a + 0x6000, a + 0xf000, f]]);
    expect(t.pool.pgoff(t.vmaLookup(m, a + 0x6000))).toBe((a + 0x6000) / 4096);
    // One call across both VMAs and the hole between.
    expect(doMunmap(t, m, a + 0x3000, 0x4000).unmapped.map((u) => [u.start, u.end])).toEqual([[a + 0x3000, a + 0x4000], [a + 0x6000, a + 0x7000]]);
    expect(t.get(m, F_TOTAL_VM)).toBe(2 + 8);
  });

  it('mprotect splits, and restoring the protection merges back; file VMAs merge only with contiguous pgoff', () => {
    const { t, m } = newMm();
    const a = 0x10000000;
    doMmap(t, m, a, 0x8000, RW, ANON | MAP_FIXED, null, 0);
    expect(doMprotect(t, m, a + 0x2000, 0x2000, PROT_READ).ret).toBe(0);
    expect(t.mapCount(m)).toBe(3);
    expect(doMprotect(t, m, a + 0x2000, 0x2000, RW).ret).toBe(0);
    expect(t.mapCount(m)).toBe(1);
    const file = { id: 3, readable: true, writable: true };
    doMmap(t, m, 0x20000000, 0x2000, PROT_READ, MAP_PRIVATE | MAP_FIXED, file, 0);
    doMmap(t, m, 0x20002000, 0x2000, PROT_READ, MAP_PRIVATE | MAP_FIXED, file, 2); // contiguous
    doMmap(t, m, 0x20004000, 0x2000, PROT_READ, MAP_PRIVATE | MAP_FIXED, file, 9); // not
    doMmap(t, m, 0x20006000, 0x2000, PROT_READ, MAP_PRIVATE | MAP_FIXED, { ...file, id: 4 }, 11); // other file
    expect(vmaList(t, m).filter((v) => v.file !== 0).map((v) => [v.start, v.end, v.pgoff])).toEqual([
      [0x20000000, 0x20004000, 0], [0x20004000, 0x20006000, 9], [0x20006000, 0x20008000, 11],
    ]);
  });

  it('faulted anonymous VMAs with different anon_vmas do not merge even with equal flags', () => {
    const { t, m } = newMm();
    const a = 0x10000000;
    doMmap(t, m, a, 0x2000, RW, ANON | MAP_FIXED, null, 0);
    doMmap(t, m, a + 0x2000, 0x2000, PROT_READ, ANON | MAP_FIXED, null, 0);
    const x = anonVmaPrepare(t, m, t.vmaLookup(m, a));
    const y = anonVmaPrepare(t, m, t.vmaLookup(m, a + 0x2000));
    expect(y).not.toBe(x); // VM_ACCOUNT differs: not anon_vma_compatible, so no reuse
    expect(doMprotect(t, m, a + 0x2000, 0x2000, RW).ret).toBe(0);
    expect(vmaList(t, m).map((v) => [v.start, v.end, v.flags, v.anonVma])).toEqual([
      [a, a + 0x2000, VM_READ | VM_WRITE | MAY | VM_ACCOUNT, x],
      [a + 0x2000, a + 0x4000, VM_READ | VM_WRITE | MAY | VM_ACCOUNT, y],
    ]);
    // An unfaulted neighbour merges with a faulted one and adopts its anon_vma.
    doMmap(t, m, a + 0x4000, 0x1000, RW, ANON | MAP_FIXED, null, 0);
    expect(vmaList(t, m).map((v) => [v.start, v.end, v.anonVma])).toEqual([[a, a + 0x2000, x], [a + 0x2000, a + 0x5000, y]]);
    // A neighbour differing only in protection shares the anon_vma (find_mergeable_anon_vma).
    doMmap(t, m, a + 0x5000, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC, ANON | MAP_FIXED, null, 0);
    expect(anonVmaPrepare(t, m, t.vmaLookup(m, a + 0x5000))).toBe(y);
  });

  it('filling the gap between two faulted VMAs with different anon_vmas merges left only (mmap and mprotect)', () => {
    for (const via of ['mmap', 'mprotect'] as const) {
      const { t, m } = newMm();
      const a = 0x10000000;
      doMmap(t, m, a, 0x1000, RW, ANON | MAP_FIXED, null, 0);
      doMmap(t, m, a + 0x2000, 0x1000, RW, ANON | MAP_FIXED, null, 0);
      const x = anonVmaPrepare(t, m, t.vmaLookup(m, a));
      const y = anonVmaPrepare(t, m, t.vmaLookup(m, a + 0x2000));
      expect(y).not.toBe(x);
      if (via === 'mmap') {
        doMmap(t, m, a + 0x1000, 0x1000, RW, ANON | MAP_FIXED, null, 0);
      } else {
        doMmap(t, m, a + 0x1000, 0x1000, PROT_READ, ANON | MAP_FIXED, null, 0);
        expect(t.mapCount(m)).toBe(3);
        doMprotect(t, m, a + 0x1000, 0x1000, RW);
      }
      expect(vmaList(t, m).map((v) => [v.start, v.end, v.anonVma]), via).toEqual([[a, a + 0x2000, x], [a + 0x2000, a + 0x3000, y]]);
    }
  });

  it('mprotect making never-faulted memory read-only drops VM_ACCOUNT, so it merges with PROT_READ memory', () => {
    const { t, m } = newMm();
    const a = 0x10000000;
    doMmap(t, m, a, 0x2000, PROT_READ, ANON | MAP_FIXED, null, 0);
    doMmap(t, m, a + 0x2000, 0x2000, RW, ANON | MAP_FIXED, null, 0);
    expect(t.mapCount(m)).toBe(2);
    doMprotect(t, m, a + 0x2000, 0x2000, PROT_READ);
    expect(ranges(t, m)).toEqual([[a, a + 0x4000, VM_READ | MAY]]);
    // Once faulted, VM_ACCOUNT stays (Linux cannot un-commit it).
    doMprotect(t, m, a, 0x4000, RW);
    anonVmaPrepare(t, m, t.vmaLookup(m, a));
    doMprotect(t, m, a, 0x2000, PROT_NONE);
    expect(ranges(t, m)).toEqual([[a, a + 0x2000, MAY | VM_ACCOUNT], [a + 0x2000, a + 0x4000, VM_READ | VM_WRITE | MAY | VM_ACCOUNT]]);
  });
});

describe('glibc malloc arena (new_heap): 128 MiB PROT_NONE, trim to 64 MiB alignment, mprotect 132 KiB', () => {
  it('replays the calls and leaves the VMAs glibc gets on Linux', () => {
    const { t, m } = newMm();
    const HEAP_MAX = 64 * MiB;
    // mmap(0, HEAP_MAX_SIZE << 1, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)
    const p1 = doMmap(t, m, 0, 2 * HEAP_MAX, PROT_NONE, ANON | 0x4000, null, 0).ret;
    expect(p1).toBe(t.get(m, F_MMAP_BASE) - 2 * HEAP_MAX);
    const p2 = Math.ceil(p1 / HEAP_MAX) * HEAP_MAX;
    const ul = p2 - p1;
    const head = ul !== 0 ? doMunmap(t, m, p1, ul) : null;
    const tail = doMunmap(t, m, p2 + HEAP_MAX, HEAP_MAX - ul);
    expect(head?.ret ?? 0).toBe(0);
    expect(tail.ret).toBe(0);
    expect(tail.unmapped.map((u) => [u.start, u.end])).toEqual([[p2 + HEAP_MAX, p1 + 2 * HEAP_MAX]]);
    // mprotect(p2, 132 KiB, PROT_READ|PROT_WRITE): the heap's first pages become usable.
    const pr = doMprotect(t, m, p2, 132 * KiB, RW);
    expect(pr.ret).toBe(0);
    const NORES = 0x200000;
    expect(pr.protChanged).toEqual([{ start: p2, end: p2 + 132 * KiB, oldFlags: MAY | NORES, newFlags: VM_READ | VM_WRITE | MAY | NORES }]);
    expect(vmaList(t, m).map((v) => [v.start, v.end, v.flags, v.pgoff])).toEqual([
      [p2, p2 + 132 * KiB, VM_READ | VM_WRITE | MAY | NORES, p1 / 4096 + ul / 4096],
      [p2 + 132 * KiB, p2 + HEAP_MAX, MAY | NORES, (p2 + 132 * KiB) / 4096],
    ]);
    expect(p2 % HEAP_MAX).toBe(0);
    // grow_heap: mprotect the next 64 KiB; it merges into the read-write part.
    doMprotect(t, m, p2 + 132 * KiB, 64 * KiB, RW);
    expect(vmaList(t, m).map((v) => [v.start, v.end])).toEqual([[p2, p2 + 196 * KiB], [p2 + 196 * KiB, p2 + HEAP_MAX]]);
    expect(taskMemVm(t, m).VmSize).toBe(64 * 1024);
    expect(taskMemVm(t, m).VmPeak).toBe(128 * 1024);
    expect(taskMemVm(t, m).VmData).toBe(196); // private writable, not stack
  });
});

describe('brk', () => {
  function withHeap() {
    const r = newMm();
    r.t.set(r.m, F_START_BRK, 0x20000);
    r.t.set(r.m, F_BRK, 0x20000);
    return r;
  }

  it('grows and shrinks the heap VMA; brk(0) and values below start_brk return the current brk', () => {
    const { t, m } = withHeap();
    expect(doBrk(t, m, 0).ret).toBe(0x20000);
    expect(doBrk(t, m, 0x20000 + 100).ret).toBe(0x20064);
    expect(ranges(t, m)).toEqual([[0x20000, 0x21000, VM_READ | VM_WRITE | MAY | VM_ACCOUNT]]);
    expect(doBrk(t, m, 0x20000 + 200 * KiB).ret).toBe(0x20000 + 200 * KiB);
    expect(t.mapCount(m)).toBe(1);
    expect(t.get(m, F_DATA_VM)).toBe(50);
    const s = doBrk(t, m, 0x20000 + 60 * KiB + 1);
    expect(s.ret).toBe(0x20000 + 60 * KiB + 1);
    expect(s.unmapped.map((u) => [u.start, u.end])).toEqual([[0x20000 + 64 * KiB, 0x20000 + 200 * KiB]]);
    expect(doBrk(t, m, 0x1000).ret).toBe(0x20000 + 60 * KiB + 1);
    expect(t.get(m, F_BRK)).toBe(0x20000 + 60 * KiB + 1);
  });

  it('fails (returning the old brk) when it would come within a page of the next mapping', () => {
    const { t, m } = withHeap();
    doBrk(t, m, 0x21000);
    doMmap(t, m, 0x30000, 4096, PROT_READ, ANON | MAP_FIXED, null, 0);
    expect(doBrk(t, m, 0x2f000).ret).toBe(0x2f000); // one page of gap left
    expect(doBrk(t, m, 0x2f001).ret).toBe(0x2f000);
    expect(doBrk(t, m, 0x40000).ret).toBe(0x2f000);
    // A shrink over a range the program unmapped itself also fails.
    doMunmap(t, m, 0x20000, 0xf000);
    expect(doBrk(t, m, 0x21000).ret).toBe(0x2f000);
  });

  it('vm_brk_flags (the loader\'s bss) merges with a data VMA below it', () => {
    const { t, m } = newMm();
    doMmap(t, m, 0x10000, 0x2000, RW, ANON | MAP_FIXED, null, 0);
    expect(vmBrkFlags(t, m, 0x12000, 0x3000, 0).ret).toBe(0);
    expect(ranges(t, m)).toEqual([[0x10000, 0x15000, VM_READ | VM_WRITE | MAY | VM_ACCOUNT]]);
  });
});

describe('mremap', () => {
  it('shrinks in place, grows in place when there is room, else moves (MAYMOVE), or to MREMAP_FIXED', () => {
    const { t, m } = newMm();
    const a = 0x10000000;
    doMmap(t, m, a, 0x4000, RW, ANON | MAP_FIXED, null, 0);
    const s = doMremap(t, m, a, 0x4000, 0x2000, 0, 0);
    expect(s.ret).toBe(a);
    expect(s.unmapped.map((u) => [u.start, u.end])).toEqual([[a + 0x2000, a + 0x4000]]);
    expect(doMremap(t, m, a, 0x2000, 0x6000, 0, 0).ret).toBe(a); // in place
    expect(ranges(t, m)).toEqual([[a, a + 0x6000, VM_READ | VM_WRITE | MAY | VM_ACCOUNT]]);
    expect(t.get(m, F_TOTAL_VM)).toBe(6);
    doMmap(t, m, a + 0x6000, 0x1000, PROT_READ, ANON | MAP_FIXED, null, 0);
    anonVmaPrepare(t, m, t.vmaLookup(m, a));
    const mv = doMremap(t, m, a, 0x6000, 0x8000, MREMAP_MAYMOVE, 0);
    const dest = t.get(m, F_MMAP_BASE) - 0x8000;
    expect(mv.ret).toBe(dest);
    expect(mv.moved).toEqual([{ from: a, to: dest, len: 0x6000 }]);
    expect(mv.unmapped).toEqual([]); // the pages went with the move
    const moved = vmaList(t, m).find((v) => v.start === dest)!;
    expect(moved.pgoff).toBe(a / 4096); // a faulted anon VMA keeps its pgoff
    expect(moved.end).toBe(dest + 0x8000);
    expect(t.get(m, F_TOTAL_VM)).toBe(8 + 1);
    expect(t.get(m, F_HIWATER_VM)).toBe(4); // set by the shrink; the move's own munmap does not raise it
    const fx = doMremap(t, m, dest, 0x8000, 0x2000, MREMAP_MAYMOVE | MREMAP_FIXED, a + 0x6000);
    expect(fx.ret).toBe(a + 0x6000);
    expect(fx.unmapped.map((u) => [u.start, u.end])).toEqual([[a + 0x6000, a + 0x7000], [dest + 0x2000, dest + 0x8000]]);
    expect(ranges(t, m)).toEqual([[a + 0x6000, a + 0x8000, VM_READ | VM_WRITE | MAY | VM_ACCOUNT]]);
  });

  it('an unfaulted anonymous VMA moved next to its twin takes the new pgoff and merges', () => {
    const { t, m } = newMm();
    doMmap(t, m, 0x10000000, 0x1000, RW, ANON | MAP_FIXED, null, 0);
    doMmap(t, m, 0x20000000, 0x1000, RW, ANON | MAP_FIXED, null, 0);
    expect(doMremap(t, m, 0x20000000, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED, 0x10001000).ret).toBe(0x10001000);
    expect(vmaList(t, m).map((v) => [v.start, v.end, v.pgoff])).toEqual([[0x10000000, 0x10002000, 0x10000]]);
  });
});

describe('madvise', () => {
  it('DONTNEED returns the mapped ranges to zap, skips holes and says ENOMEM for them', () => {
    const { t, m } = newMm();
    doMmap(t, m, 0x10000000, 0x2000, RW, ANON | MAP_FIXED, null, 0);
    doMmap(t, m, 0x10003000, 0x2000, PROT_READ, ANON | MAP_FIXED, null, 0);
    const r = doMadvise(t, m, 0x10001000, 0x3000, MADV_DONTNEED);
    expect(r.ret).toBe(-ENOMEM);
    expect(r.zapped).toEqual([{ start: 0x10001000, end: 0x10002000 }, { start: 0x10003000, end: 0x10004000 }]);
    const ok = doMadvise(t, m, 0x10000000, 0x2000, MADV_DONTNEED);
    expect(ok).toMatchObject({ ret: 0, zapped: [{ start: 0x10000000, end: 0x10002000 }] });
    expect(t.mapCount(m)).toBe(2); // the mapping stays
    expect(doMadvise(t, m, 0x20000000, 0x1000, MADV_DONTNEED).ret).toBe(-ENOMEM);
    doMmap(t, m, 0x30000000, 0x1000, PROT_READ, MAP_PRIVATE | MAP_FIXED, { id: 5, readable: true, writable: false }, 0);
    expect(doMadvise(t, m, 0x30000000, 0x1000, MADV_FREE).ret).toBe(-EINVAL); // FREE is for anonymous memory
    doMmap(t, m, 0x40000000, 0x1000, PROT_READ, ANON | MAP_FIXED | 0x2000, null, 0); // MAP_LOCKED
    expect(doMadvise(t, m, 0x40000000, 0x1000, MADV_DONTNEED).ret).toBe(-EINVAL);
  });
});

describe('task_mem numbers', () => {
  it('VmSize, VmPeak, VmData, VmStk, VmExe, VmLib as fs/proc/task_mmu.c computes them', () => {
    const { t, m } = newMm();
    const exe = { id: 1, readable: true, writable: false };
    // A static ELF: text r-x, data rw- (private file mappings), bss by vm_brk_flags, a stack.
    doMmap(t, m, 0x10000, 0x5000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, exe, 0);
    doMmap(t, m, 0x16000, 0x2000, RW, MAP_PRIVATE | MAP_FIXED, exe, 5);
    vmBrkFlags(t, m, 0x18000, 0x1000, 0);
    t.set(m, F_START_CODE, 0x10000);
    t.set(m, F_END_CODE, 0x14abc);
    setupStackVma(t, m, 1000);
    t.set(m, F_START_STACK, TASK_SIZE_SV39 - 1000);
    doMmap(t, m, 0, 0x3000, PROT_READ | PROT_EXEC, MAP_PRIVATE, { id: 2, readable: true, writable: false }, 0); // a "library"
    const big = doMmap(t, m, 0, 64 * MiB, RW, ANON, null, 0).ret;
    doMunmap(t, m, big, 64 * MiB);
    expect(taskMemVm(t, m)).toEqual({
      VmPeak: (5 + 2 + 1 + 33 + 3) * 4 + 64 * 1024,
      VmSize: (5 + 2 + 1 + 33 + 3) * 4,
      VmLck: 0,
      VmPin: 0,
      VmData: (2 + 1) * 4,
      VmStk: 33 * 4,
      VmExe: 20, // PAGE_ALIGN(end_code) - start_code
      VmLib: 12, // exec_vm beyond the text
    });
    expect(t.get(m, F_EXEC_VM)).toBe(8);
    void VM_EXEC;
  });
});
