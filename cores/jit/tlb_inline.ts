// The TLB's host-array hit in generated code (cores/tlb.ts read/write/fetch): entry j of the
// direct-mapped array holds a page's virtual address (-1: none) and the addend to its physical
// address; a hit is free (the TLB counts nothing for it), so inline code that takes it and
// calls the memory's method otherwise counts exactly what the method would. The page compare
// folds the access's natural alignment in (an entry never equals a misaligned address's
// `a - (a & (0xfff & ~(size - 1)))`): a hit is an aligned access within one page.

import { TLB_MASK } from '../tlb.ts';

/**
 * Source that declares j for the virtual address `a` (declared before) and opens
 * `if (<hit>) { const p = <physical address>;` — the caller closes both braces' block.
 * `arr`: the hoisted name of the TLB's readEnt, writeEnt or fetchEnt array.
 */
export function tlbHit(arr: string, size: number): string {
  return `const j = ((a >>> 12) & ${TLB_MASK}) << 1; if (${arr}[j] === a - (a & ${0xfff & ~(size - 1)})) { const p = a + ${arr}[j + 1];`;
}
