// Page allocator throughput: allocations + frees per host second, order 0 (through the
// per-CPU lists) and order 3 (through the zone lock and the buddy lists), with 1 and 2
// worker threads each acting as one CPU on the same shared memory manager.
//   npx tsx bench/page_alloc.ts [OPS_PER_WORKER]
// Prints one JSON line per case: {order, workers, opsPerWorker, seconds, opsPerSec}.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { spawnTsWorker } from '../src/machine/spawn.ts';
import { createMm, GFP_KERNEL, PageAlloc, type MmBuffers } from '../src/kernel/mm/page_alloc.ts';

interface Job {
  mm: MmBuffers;
  gate: SharedArrayBuffer;
  parties: number;
  cpu: number;
  order: number;
  ops: number;
}

/** Alloc `depth` blocks, free them newest first, repeat: ops counts allocs and frees. */
function work(job: Job): number {
  const mm = new PageAlloc(job.mm);
  const gate = new Int32Array(job.gate);
  if (Atomics.add(gate, 0, 1) + 1 < job.parties) while (Atomics.load(gate, 0) < job.parties);
  const depth = 32;
  const held = new Int32Array(depth);
  const t0 = performance.now();
  for (let done = 0; done < job.ops; done += 2 * depth) {
    for (let i = 0; i < depth; i++) {
      const pfn = mm.alloc_pages(job.cpu, GFP_KERNEL, job.order);
      if (pfn < 0) throw new Error('bench: out of memory');
      held[i] = pfn;
    }
    for (let i = depth - 1; i >= 0; i--) mm.__free_pages(job.cpu, held[i], job.order);
  }
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const ops = Number(process.argv[2] ?? 2_000_000);
  for (const order of [0, 3]) {
    for (const workers of [1, 2]) {
      const mm = createMm({ ramBytes: 256 * 1024 * 1024, ramBase: 0x1000, cpus: workers });
      const gate = new SharedArrayBuffer(128);
      const secs = await Promise.all(
        Array.from({ length: workers }, (_, cpu) => {
          const w = spawnTsWorker(new URL(import.meta.url), { mm, gate, parties: workers, cpu, order, ops } satisfies Job);
          return new Promise<number>((resolve, reject) => {
            w.once('message', (s: number) => resolve(s));
            w.once('error', reject);
          }).finally(() => void w.terminate());
        }),
      );
      const seconds = Math.max(...secs);
      console.log(JSON.stringify({ order, workers, opsPerWorker: ops, seconds: +seconds.toFixed(3), opsPerSec: Math.round((ops * workers) / seconds) }));
    }
  }
}

if (isMainThread) {
  main().catch((e: unknown) => {
    console.error(`page_alloc bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  });
} else {
  parentPort!.postMessage(work(workerData as Job));
}
