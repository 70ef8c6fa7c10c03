// registerProcFiles and readProcPath: the same files through the guest's open/read (the
// pseudo mount of the guest file tree) and through the CLI's path lookup; /proc/self; the
// per-pid directories follow the view's pids; cmdline read out of the process's own memory
// through its page tables (fs/proc/base.c get_mm_cmdline); the malloc story in VmSize/VmRSS.
import { describe, expect, it } from 'vitest';
import { createGuestRoot, FileSyscalls } from '../../../src/kernel/fs/syscalls.ts';
import { F_TOTAL_VM } from '../../../src/kernel/mm/mm_struct.ts';
import { doMmap, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../../src/kernel/mm/mmap.ts';
import { PGALLOC_BASE } from '../../../src/kernel/mm/vmstat.ts';
import { MAX_NR_ZONES } from '../../../src/kernel/mm/mmzone.ts';
import { rwsemReaders } from '../../../shared/sync/rwsem.ts';
import { buddyinfo } from '../../../src/kernel/proc/buddyinfo.ts';
import { accessRemoteVm, processMemSizes, readProcPath, registerProcFiles, taskMmWalk } from '../../../src/kernel/proc/base.ts';
import { meminfo } from '../../../src/kernel/proc/meminfo.ts';
import { vmstat } from '../../../src/kernel/proc/vmstat.ts';
import { zoneinfo } from '../../../src/kernel/proc/zoneinfo.ts';
import { readAll, tempDir } from '../fs/helpers.ts';
import { ARGS_AT, HEAP, MiB, threeProcesses, World } from './helpers.ts';

function guest(w: World, self: number): FileSyscalls {
  const view = w.view();
  const root = createGuestRoot({ hostDir: tempDir(), ncpus: 2, exeOf: () => '/bin/prog', pids: () => view.pids() });
  registerProcFiles(root.pseudo, view);
  return new FileSyscalls({ root, pid: self });
}

const FILES = ['status', 'stat', 'statm', 'maps', 'smaps', 'smaps_rollup', 'cmdline', 'comm'];

describe('registerProcFiles', () => {
  it('the guest reads the same text through open/read as the CLI through readProcPath', () => {
    const w = new World();
    threeProcesses(w);
    const fs = guest(w, 2);
    const view = w.view();
    for (const f of FILES) {
      for (const pid of [1, 2, 3]) expect(readAll(fs, `/proc/${pid}/${f}`), `${pid}/${f}`).toBe(readProcPath(view, `/proc/${pid}/${f}`));
      expect(readAll(fs, `/proc/self/${f}`), `self/${f}`).toBe(readProcPath(view, `/proc/2/${f}`));
      expect(readProcPath(view, `/proc/self/${f}`, 2)).toBe(readProcPath(view, `/proc/2/${f}`));
    }
    expect(readAll(fs, '/proc/meminfo')).toBe(meminfo(w.alloc));
    expect(readAll(fs, '/proc/vmstat')).toBe(vmstat(w.alloc));
    expect(readAll(fs, '/proc/buddyinfo')).toBe(buddyinfo(w.alloc));
    expect(readProcPath(view, '/proc/zoneinfo')).toBe(zoneinfo(w.alloc));
    expect(readProcPath(view, '/proc/self/comm')).toBe('prog\n'); // self defaults to the lowest pid
    expect(readAll(fs, '/proc/1/status')).toMatch(/^Name:\tprog\n[\s\S]*VmRSS:\t      36 kB\n/);
  });

  it('/proc/1/maps, comm and statm as the process code\'s state says', () => {
    const w = new World();
    threeProcesses(w);
    const view = w.view();
    expect(readProcPath(view, '/proc/1/maps')).toBe([
      '00010000-00012000 r-xp 00000000 fe:01 1234                               /bin/prog',
      '00012000-00013000 rw-p 00002000 fe:01 1234                               /bin/prog',
      '00013000-00015000 rw-p 00000000 00:00 0                                  [heap]',
      '3ff7f00000-3ff7f10000 rw-p 00000000 00:00 0 ',
      '3ff7f10000-3ff7f12000 rw-s 00000000 00:01 7                              /dev/zero (deleted)',
      '3fffffe000-4000000000 rw-p 00000000 00:00 0                              [stack]',
    ].join('\n') + '\n');
    expect(readProcPath(view, '/proc/3/maps')).toBe('00010000-00012000 r-xp 00000000 fe:01 1234                               /bin/prog\n');
    expect(readProcPath(view, '/proc/2/comm')).toBe('prog\n');
    expect(readProcPath(view, '/proc/3/statm')).toBe('2 1 1 0 0 0 0\n');
  });

  it('/proc/PID exists for the view\'s pids only; unknown paths are ENOENT / undefined', () => {
    const w = new World();
    threeProcesses(w);
    const fs = guest(w, 1);
    const view = w.view();
    expect(readAll(fs, '/proc/4/status')).toBe(-2);
    expect(readProcPath(view, '/proc/4/status')).toBeUndefined();
    expect(readProcPath(view, '/proc/1/nothing')).toBeUndefined();
    expect(readProcPath(view, '/proc/1')).toBeUndefined(); // a directory
    expect(readProcPath(view, '/etc/passwd')).toBeUndefined();
    w.tasks.delete(3);
    expect(readAll(fs, '/proc/3/status')).toBe(-2);
  });

  it('cmdline is argv as the process\'s memory holds it; after setproctitle, the string up to its NUL', () => {
    const w = new World();
    const { a, stack } = threeProcesses(w);
    const view = w.view();
    expect(readProcPath(view, '/proc/1/cmdline')).toBe('prog\0-v\0');
    const wk = taskMmWalk(view, a)!;
    expect(Buffer.from(accessRemoteVm(wk, ARGS_AT + 5, 6)).toString('latin1')).toBe('-v\0A=1');
    // overwrite the NUL that ends argv: get_mm_proctitle reads on into the environment
    w.poke(stack * 4096 + ((ARGS_AT + 7) % 4096), new TextEncoder().encode('X'));
    expect(readProcPath(view, '/proc/1/cmdline')).toBe('prog');
    w.poke(stack * 4096 + ((ARGS_AT + 4) % 4096), new TextEncoder().encode(' '));
    expect(readProcPath(view, '/proc/1/cmdline')).toBe('prog -vXA=1');
    // an unmapped page ends the read early
    expect(accessRemoteVm(wk, 0x14ff0 + 0x2000, 32)).toHaveLength(0);
  });

  it('takes the mmap lock for reading while it reads an mm, and lets it go', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    let seen = -1;
    const view = w.view();
    const spying = { ...view, task: (pid: number) => {
      const p = view.task(pid);
      if (p !== undefined) seen = Math.max(seen, rwsemReaders(w.t.i32, w.t.lockIndex(a.mm)));
      return p;
    } };
    readProcPath(spying, '/proc/1/smaps');
    expect(rwsemReaders(w.t.i32, w.t.lockIndex(a.mm))).toBe(0);
    // readers counted while inside: read through a PhysAccess that looks at the lock
    const phys = w.phys;
    let inside = 0;
    const probe = { ...view, phys: new Proxy(phys, { get(target, prop, recv) {
      if (prop === 'read64') inside = Math.max(inside, rwsemReaders(w.t.i32, w.t.lockIndex(a.mm)));
      const v = Reflect.get(target, prop, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    } }) };
    readProcPath(probe, '/proc/1/smaps_rollup');
    expect(inside).toBe(1);
    inside = 0;
    readProcPath({ ...probe, lockMm: false }, '/proc/1/smaps_rollup');
    expect(inside).toBe(0);
    expect(seen).toBe(0); // the task lookup itself happens outside the lock
  });
});

describe('the malloc story in /proc/PID/status', () => {
  it('VmSize grows at mmap, VmRSS as pages are touched; a read maps the zero page; 64 MiB touched = 16384 allocations', () => {
    const w = new World(80 * MiB);
    const p = w.spawn(1, 'malloc');
    const view = w.view();
    const status = (): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const [, k, v] of readProcPath(view, '/proc/1/status')!.matchAll(/^(Vm\w+|Rss\w+):\t +(\d+) kB$/gm)) out[k!] = Number(v);
      return out;
    };
    const before = status();
    w.t.mmapWriteLock(p.mm);
    const r = doMmap(w.t, p.mm, 0, 64 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0);
    w.t.mmapWriteUnlock(p.mm);
    expect(r.ret).toBeGreaterThan(0);
    const addr = r.ret;
    const afterMmap = status();
    expect(afterMmap.VmSize! - before.VmSize!).toBe(65536);
    expect(afterMmap.VmRSS).toBe(before.VmRSS);
    // first read of an untouched page: the zero page; only the page tables to hold its PTE are allocated
    const allocs = (): number => {
      let n = 0;
      for (let z = 0; z < MAX_NR_ZONES; z++) n += w.alloc.vmstat.event(PGALLOC_BASE + z); // pgalloc_dma32, _normal, _movable
      return n;
    };
    const a0 = allocs();
    w.mapZero(p, addr, HEAP);
    const afterRead = status();
    expect(afterRead.VmRSS).toBe(before.VmRSS);
    expect(allocs() - a0).toBe(afterRead.VmPTE! / 4 - before.VmPTE! / 4); // a pmd and a pte table, no data page
    // write every page (the first one replacing its zero page, as the write fault does)
    const a1 = allocs();
    w.pt.set_pte_at(w.pt.pte_offset_map(p.pgd, addr), 0, 0);
    for (let i = 0; i < 16384; i++) w.map(p, addr + i * 4096, HEAP, true);
    const after = status();
    expect(after.VmRSS! - before.VmRSS!).toBe(65536);
    expect(after.RssAnon).toBe(65536);
    // 16384 data pages, and the pte tables the range needed beyond the first (64 MiB unaligned to 2 MiB: 33)
    expect(allocs() - a1).toBe(16384 + (after.VmPTE! - afterRead.VmPTE!) / 4);
    expect(after.VmPTE).toBe(4 * (1 + 33));
    expect(w.t.get(p.mm, F_TOTAL_VM)).toBe(16384);
    const sizes = processMemSizes(view, 1)!;
    expect(sizes).toEqual({ vss: 64 * MiB, rss: 64 * MiB, pss: 64 * MiB, uss: 64 * MiB });
  });
});
