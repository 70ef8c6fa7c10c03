// The TLB's miss handler on top of the page walker: the shape of the translation layer's
// TlbMissHandler (branch mempath, cores/tlb.ts: walk(vpn, acc, out) -> 0 or a cause, out =
// {ppn, perm}), so the walker replaces the identity map by construction. `perm` gets the
// access kinds the translation allows now (ACC_* equal PTE_R/W/X, so a TLB that files an
// entry per kind by `perm & acc` never lets a store through a clean page: D must be set by a
// walk first) and U. The walk's memory latency is in walker.res.latency for the caller to
// charge to the core; its PTE reads already went through the core's caches.

import { PTE_G, PTE_U } from './pte.ts';
import type { PageWalker } from './walk.ts';

export interface TlbFillLike {
  ppn: number;
  perm: number;
}

export class PageWalkMissHandler {
  constructor(readonly walker: PageWalker) {}

  walk(vpn: number, acc: number, out: TlbFillLike): number {
    const w = this.walker;
    const cause = w.walk(vpn * 4096, acc);
    if (cause !== 0) return cause;
    out.ppn = w.res.ppn;
    // G rides along: a global translation matches every ASID in the TLB.
    out.perm = w.res.allow | (w.res.perm & (PTE_U | PTE_G));
    return 0;
  }
}
