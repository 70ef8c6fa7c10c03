// One simulated CPU allocating and freeing random orders on the shared memory manager.
// workerData: AllocJob; posts AllocResult once, after freeing everything it holds.
import { parentPort, workerData } from 'node:worker_threads';
import { PageAlloc, GFP_KERNEL, type MmBuffers } from '../../../../src/kernel/mm/page_alloc.ts';
import { PAGE_WORDS, PG_REFCOUNT } from '../../../../src/kernel/mm/mm_types.ts';
import { Rng } from '../../../../src/stress/prng.ts';
import { startGate } from '../../../helpers/gate.ts';

export interface AllocJob {
  mm: MmBuffers;
  gate: SharedArrayBuffer;
  parties: number;
  cpu: number;
  seed: number;
  ops: number;
  /** Pages this CPU may hold at once (keeps the zone above min most of the time). */
  maxHeld: number;
}
export interface AllocResult {
  allocs: number;
  frees: number;
  enomem: number;
  /** A page handed out while another CPU held it (refcount was not 1 after allocation). */
  doubleHanded: number;
}

const job = workerData as AllocJob;
const mm = new PageAlloc(job.mm);
const rng = new Rng(job.seed, job.cpu);
const held: Array<[number, number]> = [];
let heldPages = 0;
const r: AllocResult = { allocs: 0, frees: 0, enomem: 0, doubleHanded: 0 };
startGate(new Int32Array(job.gate), 0, job.parties);
for (let i = 0; i < job.ops; i++) {
  if (held.length === 0 || (heldPages < job.maxHeld && rng.chance(0.55))) {
    // Mostly order 0 (through the CPU list), sometimes larger (through the zone lock).
    const order = rng.chance(0.7) ? 0 : rng.range(1, 6);
    const pfn = mm.alloc_pages(job.cpu, GFP_KERNEL, order);
    if (pfn < 0) {
      r.enomem++;
      continue;
    }
    if (Atomics.load(mm.pages, pfn * PAGE_WORDS + PG_REFCOUNT) !== 1) r.doubleHanded++;
    held.push([pfn, order]);
    heldPages += 1 << order;
    r.allocs++;
  } else {
    const [pfn, order] = held.splice(rng.below(held.length), 1)[0]!;
    mm.__free_pages(job.cpu, pfn, order);
    heldPages -= 1 << order;
    r.frees++;
  }
}
for (const [pfn, order] of held) mm.__free_pages(job.cpu, pfn, order);
r.frees += held.length;
parentPort!.postMessage(r);
