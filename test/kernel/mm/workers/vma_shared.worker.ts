// Writers mmap/mprotect/munmap under the mmap lock held for writing; readers walk the same
// mm's sorted VMA array under the lock held for reading and check it is consistent. Every
// worker builds its own views over the same SharedArrayBuffers.
import { parentPort, workerData } from 'node:worker_threads';
import { F_TOTAL_VM, MmTable } from '../../../../src/kernel/mm/mm_struct.ts';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE, doMmap, doMunmap } from '../../../../src/kernel/mm/mmap.ts';
import { doMprotect } from '../../../../src/kernel/mm/mprotect.ts';
import { VmaPool } from '../../../../src/kernel/mm/vma.ts';
import { startGate } from '../../../helpers/gate.ts';
import type { VmaSharedJob, VmaSharedResult } from './vma_shared_layout.ts';

const job = workerData as VmaSharedJob;
const pool = new VmaPool(job.pool);
const t = new MmTable(job.table, pool);
const m = job.mm;
const r: VmaSharedResult = { ops: 0, bad: 0, firstBad: '' };
startGate(new Int32Array(job.gate), 0, job.parties);

// xorshift32, seeded per worker: the op sequence is fixed, only the interleaving varies.
let x = 0x9e3779b9 ^ (m * 7919 + (job.role === 'writer' ? 1 : 2));
const rnd = (n: number) => {
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  return (x >>> 0) % n;
};

for (let k = 0; k < job.iters; k++) {
  if (job.role === 'writer') {
    const a = job.base + rnd(job.slots) * 0x2000;
    t.mmapWriteLock(m);
    switch (rnd(3)) {
      case 0: doMmap(t, m, a, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, null, 0); break;
      case 1: doMprotect(t, m, a, 0x1000, rnd(2) === 0 ? PROT_READ : PROT_READ | PROT_WRITE); break;
      default: doMunmap(t, m, a, 0x1000 * (1 + rnd(2))); break;
    }
    t.mmapWriteUnlock(m);
  } else {
    t.mmapReadLock(m);
    let pages = 0;
    let prevEnd = 0;
    for (let i = 0; i < t.mapCount(m); i++) {
      const v = t.vmaAt(m, i);
      const s = pool.start(v);
      const e = pool.end(v);
      if (s < prevEnd || e <= s || pool.owner(v) !== m) {
        r.bad++;
        if (r.firstBad === '') r.firstBad = `vma ${i}: [${s}, ${e}) after ${prevEnd}, owner ${pool.owner(v)}`;
      }
      pages += (e - s) / 4096;
      prevEnd = e;
    }
    if (pages !== t.get(m, F_TOTAL_VM)) {
      r.bad++;
      if (r.firstBad === '') r.firstBad = `pages ${pages} != total_vm ${t.get(m, F_TOTAL_VM)}`;
    }
    t.mmapReadUnlock(m);
  }
  r.ops++;
}
parentPort!.postMessage(r);
