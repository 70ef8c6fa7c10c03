// MAP_SHARED|MAP_ANONYMOUS across fork, threads and exec under `--boot linux`: parent and child
// share one shmem object (pages touched before fork and pages neither touched), it outlives
// the parent's munmap while the child maps it, mremap and mprotect work on it in the child,
// threads of either process see it; /proc/self/smaps splits Pss between the two processes;
// exec drops the mapping in the exec'ing process only; and nothing leaks at the end.
// Program: test/machine/linux/shm_fork.c (glibc, -static -O2 -pthread), output as qemu-riscv64.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, beforeAll, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired, runQemu } from '../helpers/qemu.ts';
import { PERCPU_PAGES } from '../../src/kernel/sched/rq_lock.ts';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;

async function run(args: string[], o: { memory: MemoryModel; cores: number; root?: string }) {
  const out = sink();
  const err = sink();
  const config = makeConfig({ boot: 'linux', memory: o.memory, cores: o.cores, threads: 1 });
  const r = await runMachine(config, bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/shm_fork', args, ...(o.root ? { root: o.root } : {}) } });
  return { r, out: out.text() };
}

// What Linux prints (qemu-riscv64 runs the program natively: compared below when installed).
const FORK =
  'child: touched 10 11 12 13, untouched 0 0, parent\'s page 5 55\n' +
  'parent: child exit 7\n' +
  'parent: child\'s writes 100 101 102 103 104 105 106 107\n' +
  'parent: own values 10 11 12 13, page 4 42 44\n' +
  'parent: munmap 0\n' +
  'parent: munmap before the child uses it 0\n' +
  'child: after the parent\'s munmap: mprotect 0, mremap ok 1, mprotect 0, pages 1 9 33\n' +
  'child: munmap 0\n' +
  'parent: child exit 0\n' +
  'threads: main sees the thread\'s page 21\n' +
  'threads: child exit 0, pages 20 21 41 0\n' +
  'threads: munmap 0\n';

const configs = [
  { memory: 'flat' as const, cores: 1 },
  { memory: 'caches' as const, cores: 1 },
  { memory: 'flat' as const, cores: 4 },
  { memory: 'caches' as const, cores: 4 },
];

describe.skipIf(!have)('--boot linux: shared anonymous memory across fork, threads and exec', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/shm_fork.c', import.meta.url));
  }, 120_000);

  it.skipIf(!(qemuInstalled || qemuRequired))('qemu-riscv64 prints the same', async () => {
    expect((await runQemu(bin)).stdout.toString('utf8')).toBe(FORK);
  }, 60_000);

  it.each(configs)('parent and child share the object: before-fork and untouched pages, munmap in the parent, mremap/mprotect in the child, threads; nothing leaks (%o)', async (o) => {
    const { r, out } = await run([], o);
    expect(r.error).toBeUndefined();
    expect(out).toBe(FORK);
    expect(r.exitCode).toBe(0);
    // Every object's pages freed with its last mm: only the zero page and the per-CPU area are still allocated.
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
  }, 120_000);

  it.each(configs)('/proc/self/smaps: a page both map is Shared with half its size in Pss in each; one mapped alone is Private (%o)', async (o) => {
    const { r, out } = await run(['smaps'], o);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    // 4 pages; the parent touched 0 and 1 before fork, the child wrote all 4 (2 and 3 are its alone).
    expect(out).toBe(
      'child: Rss 16 Pss 12 Shared_Clean 0 Shared_Dirty 8 Private_Dirty 8\n' +
      'parent, child alive: Rss 8 Pss 4 Shared_Clean 0 Shared_Dirty 8 Private_Dirty 0\n' +
      'parent, child gone: Rss 8 Pss 8 Shared_Clean 0 Shared_Dirty 0 Private_Dirty 8\n' +
      'parent: page 2 3\n' +
      'parent, page 2 mapped: Rss 12 Pss 12 Shared_Clean 0 Shared_Dirty 0 Private_Dirty 12\n');
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
  }, 120_000);

  it.each(configs)('exec drops the mapping in the exec\'ing child only; the parent keeps the child\'s write from before the exec (%o)', async (o) => {
    const root = mkdtempSync(join(tmpdir(), 'smpemu-shmfork-'));
    writeFileSync(join(root, 'shm_fork'), bin);
    chmodSync(join(root, 'shm_fork'), 0o755);
    const { r, out } = await run(['exec'], { ...o, root });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out).toBe(
      'execd: the mapping is gone 1\n' +
      'parent: exec\'d child exit 3\n' +
      'parent: mapping kept 5 6 0\n' +
      'parent: munmap 0\n');
    expect(r.process!.sched!.execs).toBe(1);
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
  }, 120_000);
});
