// /proc/PID/smaps and smaps_rollup, held against Linux 6.1 fs/proc/task_mmu.c (smaps_account,
// smaps_page_accumulate, __show_smap, show_smap, show_smaps_rollup, show_smap_vma_flags) and
// against a real Linux's text (fixtures/linux-6.18-*: this host's kernel, 6.18, which adds
// the KSM line and prints THPeligible with %8u; 6.1 has neither).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F_TOTAL_VM } from '../../../src/kernel/mm/mm_struct.ts';
import { pageMapcount, pageRefcount } from '../../../src/kernel/mm/mm_types.ts';
import { GFP_HIGHUSER_MOVABLE } from '../../../src/kernel/mm/page_alloc.ts';
import { _PAGE_DIRTY, _PAGE_WRITE, vm_get_page_prot } from '../../../src/kernel/mm/pgtable_bits.ts';
import { MmuGather } from '../../../src/kernel/mm/pgtable.ts';
import { memSizes, showSmap, showSmaps, showSmapsRollup, showSmapVmaFlags, smapsRollupStats, PSS_SHIFT } from '../../../src/kernel/proc/smaps.ts';
import { taskMmWalk } from '../../../src/kernel/proc/base.ts';
import { HEAP, MMAP_AT, SHM, STACK, TEXT, threeProcesses, World } from './helpers.ts';

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
/** "%s%8lu kB": SEQ_PUT_DEC's line. */
const kb = (label: string, n: number): string => `${label}${String(n).padStart(8)} kB`;

function rollupLines(v: Record<string, number>): string[] {
  return [
    kb('Rss:            ', v.rss!), kb('Pss:            ', v.pss!), kb('Pss_Dirty:      ', v.pssDirty!),
    kb('Pss_Anon:       ', v.pssAnon!), kb('Pss_File:       ', v.pssFile!), kb('Pss_Shmem:      ', v.pssShmem!),
    kb('Shared_Clean:   ', v.sharedClean!), kb('Shared_Dirty:   ', v.sharedDirty!),
    kb('Private_Clean:  ', v.privateClean!), kb('Private_Dirty:  ', v.privateDirty!),
    kb('Referenced:     ', v.referenced!), kb('Anonymous:      ', v.anonymous!), kb('LazyFree:       ', 0),
    kb('AnonHugePages:  ', 0), kb('ShmemPmdMapped: ', 0), kb('FilePmdMapped:  ', 0), kb('Shared_Hugetlb: ', 0),
    'Private_Hugetlb:       0 kB', kb('Swap:           ', 0), kb('SwapPss:        ', 0), kb('Locked:         ', v.locked!),
  ];
}

describe('/proc/PID/smaps_rollup', () => {
  it('adds up every page of pid 1: shared pages count in PSS by 1/mapcount, the zero page nowhere', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    const text = showSmapsRollup(taskMmWalk(w.view(), a)!);
    // By hand, per page (kB): text0 shared by 3 (PSS 4/3, clean, file), text1 private clean file (A
    // cleared), data/heap0/mmap0/mmap1/stack private dirty anon, mmap2 shared by 2 dirty anon,
    // shm0 shared by 2 dirty shmem, heap1 the zero page. PSS in 12-bit fixed point:
    // 5592405 + 16777216*6 + 8388608*2 = 123032917 >> 12 = 30037 bytes = 29 kB.
    expect(text).toBe([
      '00010000-4000000000 ---p 00000000 00:00 0 '.padEnd(72) + ' [rollup]', // seq_pad to column 72, a space, the name
      ...rollupLines({
        rss: 36, pss: 29, pssDirty: 24, pssAnon: 22, pssFile: 5, pssShmem: 2, sharedClean: 4, sharedDirty: 8,
        privateClean: 4, privateDirty: 20, referenced: 32, anonymous: 24, locked: 10,
      }),
    ].join('\n') + '\n');
  });

  it('pid 2 and pid 3 see their share of the same pages', () => {
    const w = new World();
    const { b, c } = threeProcesses(w);
    const rb = smapsRollupStats(taskMmWalk(w.view(), b)!);
    const rc = smapsRollupStats(taskMmWalk(w.view(), c)!);
    expect(rb.resident).toBe(3 * 4096);
    expect(rb.pss).toBe(Math.floor(2 ** 24 / 3) + 2 * 2 ** 23);
    expect(rb.sharedClean + rb.sharedDirty).toBe(3 * 4096);
    expect(rb.privateClean + rb.privateDirty).toBe(0);
    expect(rc.pss).toBe(Math.floor(2 ** 24 / 3));
  });

  it('a page mapped twice with one reference is private (smaps_account: page_count == 1)', () => {
    const w = new World();
    const p = w.spawn(1, 'x');
    w.vma(p, 0x10000, 0x12000, HEAP);
    const pfn = w.map(p, 0x10000, HEAP, true);
    // Map it a second time without get_page: the refcount short-cut wins over the mapcount.
    expect(w.pt.insert_page(p.pgd, 0x11000, pfn, 0xc7)).toBe(0);
    expect([pageRefcount(w.alloc.pages, pfn), pageMapcount(w.alloc.pages, pfn) + 1]).toEqual([1, 2]);
    const s = smapsRollupStats(taskMmWalk(w.view(), p)!);
    expect([s.privateDirty, s.sharedDirty, s.pss / 2 ** PSS_SHIFT]).toEqual([8192, 0, 8192]);
  });

  it('the [rollup] line lines up with a real Linux and the fields come in its order', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    const ours = showSmapsRollup(taskMmWalk(w.view(), a)!).split('\n');
    const linux = fixture('linux-6.18-smaps_rollup.txt').split('\n').filter((l) => !l.startsWith('KSM:'));
    const key = (l: string): string => (/^[0-9a-f]+-/.test(l) ? l.slice(l.indexOf(' ')).replace(/ +/g, ' ') : l.split(':')[0]!);
    expect(ours.map(key)).toEqual(linux.map(key));
    // same columns: the values end where Linux's end
    expect(ours.map((l) => l.indexOf(' kB'))).toEqual(linux.map((l) => l.indexOf(' kB')));
    // seq_pad pads to column 72 whatever the addresses' width
    expect([ours[0]!.indexOf('[rollup]'), linux[0]!.indexOf('[rollup]')]).toEqual([73, 73]);
  });
});

describe('/proc/PID/smaps', () => {
  it('prints the locked mmap VMA exactly', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    const wk = taskMmWalk(w.view(), a)!;
    const v = w.t.vmaLookup(a.mm, MMAP_AT);
    expect(showSmap(wk, v, (id) => w.files.get(id))).toBe([
      '3ff7f00000-3ff7f10000 rw-p 00000000 00:00 0 ',
      kb('Size:           ', 64), kb('KernelPageSize: ', 4), kb('MMUPageSize:    ', 4),
      kb('Rss:            ', 12), kb('Pss:            ', 10), kb('Pss_Dirty:      ', 10),
      kb('Shared_Clean:   ', 0), kb('Shared_Dirty:   ', 4), kb('Private_Clean:  ', 0), kb('Private_Dirty:  ', 8),
      kb('Referenced:     ', 12), kb('Anonymous:      ', 12), kb('LazyFree:       ', 0),
      kb('AnonHugePages:  ', 0), kb('ShmemPmdMapped: ', 0), kb('FilePmdMapped:  ', 0), kb('Shared_Hugetlb: ', 0),
      'Private_Hugetlb:       0 kB', kb('Swap:           ', 0), kb('SwapPss:        ', 0), kb('Locked:         ', 10),
      'THPeligible:    0',
      'VmFlags: rd wr mr mw me lo ac ',
    ].join('\n') + '\n');
  });

  it('names file, heap, shmem and stack VMAs as maps does, one block per VMA', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    const text = showSmaps(taskMmWalk(w.view(), a)!, (id) => w.files.get(id));
    const heads = text.split('\n').filter((l) => /^[0-9a-f]+-[0-9a-f]+ /.test(l));
    expect(heads).toEqual([
      '00010000-00012000 r-xp 00000000 fe:01 1234                               /bin/prog',
      '00012000-00013000 rw-p 00002000 fe:01 1234                               /bin/prog',
      '00013000-00015000 rw-p 00000000 00:00 0                                  [heap]',
      '3ff7f00000-3ff7f10000 rw-p 00000000 00:00 0 ',
      '3ff7f10000-3ff7f12000 rw-s 00000000 00:01 7                              /dev/zero (deleted)',
      '3fffffe000-4000000000 rw-p 00000000 00:00 0                              [stack]',
    ]);
    const rss = [...text.matchAll(/^Rss: +(\d+) kB$/gm)].map((m) => Number(m[1]));
    expect(rss).toEqual([8, 4, 4, 12, 4, 4]); // the heap's zero page is not resident
    const flags = [...text.matchAll(/^VmFlags: (.*)$/gm)].map((m) => m[1]);
    expect(flags).toEqual(['rd ex mr mw me ', 'rd wr mr mw me ac ', 'rd wr mr mw me ac ', 'rd wr mr mw me lo ac ',
      'rd wr sh mr mw me ms ', 'rd wr mr mw me gd ac ']);
  });

  it('VmFlags: Linux 6.1 mnemonics in bit order, "??" for a bit it has no name for', () => {
    expect(showSmapVmaFlags(TEXT | 0x800)).toBe('VmFlags: rd ex mr mw me ?? \n');
    expect(showSmapVmaFlags(SHM | 0x80000000)).toBe('VmFlags: rd wr sh mr mw me ms mg \n');
    expect(showSmapVmaFlags(STACK)).toBe('VmFlags: rd wr mr mw me gd ac \n');
  });

  it('the per-VMA block has a real Linux smaps block\'s lines in its order (6.18 adds KSM)', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    const ours = showSmap(taskMmWalk(w.view(), a)!, w.t.vmaLookup(a.mm, 0x10000), (id) => w.files.get(id)).split('\n');
    const linux = fixture('linux-6.18-smaps-head.txt').split('\n').filter((l) => !l.startsWith('KSM:'));
    const key = (l: string): string => (/^[0-9a-f]+-/.test(l) ? 'HEADER' : l.split(':')[0]!);
    expect(ours.map(key)).toEqual(linux.map(key));
    expect(ours.map((l) => l.indexOf(' kB'))).toEqual(linux.map((l) => l.indexOf(' kB')));
    expect(ours[0]!.indexOf('/bin/prog')).toBe(73); // seq_pad to 72 columns, then a space
  });
});

describe('VSS, RSS, PSS, USS', () => {
  it('as the seeds define them, for the three processes', () => {
    const w = new World();
    const { a, b, c } = threeProcesses(w);
    const v = w.view();
    expect(memSizes(taskMmWalk(v, a)!)).toEqual({ vss: w.t.get(a.mm, F_TOTAL_VM) * 4096, rss: 36 * 1024, pss: 30037, uss: 24 * 1024 });
    expect(memSizes(taskMmWalk(v, b)!)).toEqual({ vss: (2 + 16 + 2) * 4096, rss: 12 * 1024, pss: 1365 + 4096, uss: 0 });
    expect(memSizes(taskMmWalk(v, c)!)).toEqual({ vss: 2 * 4096, rss: 4096, pss: 1365, uss: 0 });
  });

  it('PSS in PSS_SHIFT fixed point: three pages each shared by three make 4095 bytes, not 4096', () => {
    const w = new World();
    const ps = [1, 2, 3].map((pid) => w.spawn(pid, 'x'));
    for (const p of ps) w.vma(p, 0x100000, 0x103000, HEAP);
    for (let i = 0; i < 3; i++) {
      const pfn = w.map(ps[0]!, 0x100000 + i * 4096, HEAP, true);
      for (const p of ps.slice(1)) w.share(p, 0x100000 + i * 4096, pfn, HEAP, true);
    }
    // per page (4096 << 12) / 3 = 5592405 (floor); 3 * 5592405 = 16777215; >> 12 = 4095
    expect(ps.map((p) => memSizes(taskMmWalk(w.view(), p)!).pss)).toEqual([4095, 4095, 4095]);
  });

  it('copy-on-write after fork: each write copies one page, and RSS/PSS/USS show it', () => {
    const w = new World();
    const parent = w.spawn(1, 'p');
    const child = w.spawn(2, 'p', 1);
    const base = 0x100000;
    w.vma(parent, base, base + 4 * 4096, HEAP);
    w.vma(child, base, base + 4 * 4096, HEAP);
    const pfns = [0, 1, 2, 3].map((i) => w.map(parent, base + i * 4096, HEAP, true));
    pfns.forEach((pfn, i) => w.share(child, base + i * 4096, pfn, HEAP, true));
    const sizes = () => [parent, child].map((p) => memSizes(taskMmWalk(w.view(), p)!));
    expect(sizes()).toEqual([
      { vss: 16384, rss: 16384, pss: 8192, uss: 0 },
      { vss: 16384, rss: 16384, pss: 8192, uss: 0 },
    ]);
    // the child writes page 0: wp_page_copy maps a copy, the old page loses a mapping and a reference
    const copy = w.alloc.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
    const ptep = w.pt.pte_offset_map(child.pgd, base);
    const lo = w.pt.ptep_get(ptep);
    const tlb = new MmuGather();
    expect(w.pt.ptep_replace(ptep, base, lo, w.phys.hi, copy, vm_get_page_prot(HEAP) | _PAGE_WRITE | _PAGE_DIRTY, tlb)).toBe(true);
    w.pt.tlb_finish_mmu(tlb);
    expect([pageRefcount(w.alloc.pages, pfns[0]!), pageMapcount(w.alloc.pages, pfns[0]!) + 1]).toEqual([1, 1]);
    expect(sizes()).toEqual([
      { vss: 16384, rss: 16384, pss: 4096 + 3 * 2048, uss: 4096 },
      { vss: 16384, rss: 16384, pss: 4096 + 3 * 2048, uss: 4096 },
    ]);
  });

  it('randomized sharing (seeded): sum of PSS is the memory used, USS the pages mapped once, RSS every mapping', () => {
    const seed = 0x5eed;
    let s = seed;
    const rnd = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s >>> 8) % n;
    };
    for (let round = 0; round < 5; round++) {
      const w = new World();
      const procs = [1, 2, 3, 4, 5].map((pid) => w.spawn(pid, `p${pid}`));
      for (const p of procs) w.vma(p, 0x100000, 0x100000 + 64 * 4096, HEAP);
      let pages = 0;
      let mappings = 0;
      const unique = new Map<number, number>();
      for (let i = 0; i < 64; i++) {
        const users = procs.filter(() => rnd(3) === 0);
        if (users.length === 0) continue;
        pages++;
        mappings += users.length;
        const pfn = w.map(users[0]!, 0x100000 + i * 4096, HEAP, true);
        for (const u of users.slice(1)) w.share(u, 0x100000 + i * 4096, pfn, HEAP, true);
        if (users.length === 1) unique.set(users[0]!.pid, (unique.get(users[0]!.pid) ?? 0) + 1);
      }
      const sizes = procs.map((p) => memSizes(taskMmWalk(w.view(), p)!));
      const msg = `seed ${seed} round ${round}`;
      const pssSum = sizes.reduce((x, z) => x + z.pss, 0);
      expect(pssSum, msg).toBeLessThanOrEqual(pages * 4096);
      expect(pssSum, msg).toBeGreaterThan(pages * 4096 - 5 * 64); // each process loses < 1 byte a page to rounding
      expect(sizes.reduce((x, z) => x + z.rss, 0), msg).toBe(mappings * 4096);
      expect(sizes.map((z) => z.uss / 4096), msg).toEqual(procs.map((p) => unique.get(p.pid) ?? 0));
      expect(sizes.every((z) => z.vss === 64 * 4096), msg).toBe(true);
    }
  });
});
