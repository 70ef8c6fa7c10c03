// The quantum barrier for the workers of a parallel `--boot linux` run: a worker waiting
// there must keep doing its part of the remote-trap protocol (the home serves calls, the
// others apply TLB shootdowns), so it parks on its doorbell instead of the generation word;
// the last arriver rings every doorbell when it releases the barrier.

import { BARRIER_ABORTED, BARRIER_PENDING, barrierArrive, barrierPassed } from '../../../shared/sync/barrier.ts';
import type { Mailboxes } from './mailbox.ts';
import { PARK_MS } from './server.ts';

/** barrierWait's contract (the completed generation, or BARRIER_ABORTED), running `work` while it waits. */
export function remoteBarrierWait(i32: Int32Array, base: number, mb: Mailboxes, worker: number, work: () => void): number {
  const g = barrierArrive(i32, base, () => mb.ringAll());
  if (g === BARRIER_ABORTED) return g;
  for (;;) {
    const seen = mb.doorbell(worker);
    work();
    const r = barrierPassed(i32, base, g);
    if (r !== BARRIER_PENDING) return r;
    mb.park(worker, seen, PARK_MS);
  }
}
