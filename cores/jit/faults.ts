// Faults out of translated code without a try/catch in the region. A region's calls that may
// throw (the memory's methods, the fetch path) go through these wrappers: a throw is kept in
// pending.e and the wrapper returns 0; the region's code after the call sees it and leaves at
// the faulting instruction through its ordinary exit (registers written back, that instruction
// counted in st[0], its pc returned), and Jit.enter rethrows it with st[2] and st[4] set, as
// Hart.run's catch expects. Why: a try/catch around a region's loop gives TurboFan an exception
// edge from every call, each carrying every register local into the handler: compute_long's
// largest region (the 16-way unrolled matrix loop) took 59 ms of TurboFan compile with it and
// 29 without (median of 5, synchronous compiles), and regions run unoptimized until it lands.
// With caches the same: TurboFan's zone for compute_long's regions 151 -> 141 MB.

import type { CacheMemory } from '../mem_cache.ts';
import type { HartMemory } from '../memory.ts';
import type { BlockHart } from './translate.ts';

/** The fault a wrapped call caught, until Jit.enter rethrows it. */
export const pending: { e: unknown } = { e: undefined };

export function ld8(m: HartMemory, a: number): number {
  try { return m.load8(a); } catch (e) { pending.e = e; return 0; }
}
export function ld8u(m: HartMemory, a: number): number {
  try { return m.load8u(a); } catch (e) { pending.e = e; return 0; }
}
export function ld16(m: HartMemory, a: number): number {
  try { return m.load16(a); } catch (e) { pending.e = e; return 0; }
}
export function ld16u(m: HartMemory, a: number): number {
  try { return m.load16u(a); } catch (e) { pending.e = e; return 0; }
}
export function ld32(m: HartMemory, a: number): number {
  try { return m.load32(a); } catch (e) { pending.e = e; return 0; }
}
/** The low word; the high word in m.hi (as load64). */
export function ld64(m: HartMemory, a: number): number {
  try { return m.load64(a); } catch (e) { pending.e = e; return 0; }
}
export function st8(m: HartMemory, a: number, v: number): void {
  try { m.store8(a, v); } catch (e) { pending.e = e; }
}
export function st16(m: HartMemory, a: number, v: number): void {
  try { m.store16(a, v); } catch (e) { pending.e = e; }
}
export function st32(m: HartMemory, a: number, v: number): void {
  try { m.store32(a, v); } catch (e) { pending.e = e; }
}
export function st64(m: HartMemory, a: number, lo: number, hi: number): void {
  try { m.store64(a, lo, hi); } catch (e) { pending.e = e; }
}
export function amo32(m: HartMemory, op: number, a: number, v: number): number {
  try { return m.amo32(op, a, v); } catch (e) { pending.e = e; return 0; }
}
export function amo64(m: HartMemory, op: number, a: number, lo: number, hi: number): number {
  try { return m.amo64(op, a, lo, hi); } catch (e) { pending.e = e; return 0; }
}
export function fence(m: HartMemory): void {
  try { m.fence(); } catch (e) { pending.e = e; }
}
/** Hart.fetchBlock's latency. */
export function fetchBlock(h: BlockHart, pc: number): number {
  try { return h.fetchBlock(pc); } catch (e) { pending.e = e; return 0; }
}
/** Keeps a fault the region raises itself (an illegal rounding mode). */
export function raise(e: unknown): void {
  pending.e = e;
}

/** The names generated code calls them by (translate.ts passes them into each region's scope). */
export const faultHelpers = {
  PF: pending, mcall, ld8, ld8u, ld16, ld16u, ld32, ld64, st8, st16, st32, st64, amo32, amo64, fence, fetchBlock, raise,
};

/**
 * The cache emitter's calls of the memory's methods (mem_caches.ts: misses, sampled hits):
 * one call site for every method, so that its call feedback is megamorphic and TurboFan inlines
 * none of them into a region (it would, each at every access site with feedback: the whole
 * miss path, compiled again in every region that saw one). k: CACHE_CALLS's index.
 */
const CACHE_FNS: ((m: HartMemory, a: number, lo: number, hi: number) => number)[] = [
  (m, a) => { try { return m.load8(a); } catch (e) { pending.e = e; return 0; } },
  (m, a) => { try { return m.load8u(a); } catch (e) { pending.e = e; return 0; } },
  (m, a) => { try { return m.load16(a); } catch (e) { pending.e = e; return 0; } },
  (m, a) => { try { return m.load16u(a); } catch (e) { pending.e = e; return 0; } },
  (m, a) => { try { return m.load32(a); } catch (e) { pending.e = e; return 0; } },
  (m, a) => { try { return m.load64(a); } catch (e) { pending.e = e; return 0; } },
  (m, a, lo) => { try { m.store8(a, lo); } catch (e) { pending.e = e; } return 0; },
  (m, a, lo) => { try { m.store16(a, lo); } catch (e) { pending.e = e; } return 0; },
  (m, a, lo) => { try { m.store32(a, lo); } catch (e) { pending.e = e; } return 0; },
  (m, a, lo, hi) => { try { m.store64(a, lo, hi); } catch (e) { pending.e = e; } return 0; },
  // CacheMemory.sampleHit of a load's and a store's hit (a: the line, lo: the address, hi: the latency).
  (m, ln, p, lat) => (m as CacheMemory).sampleHit(ln, p, false, lat), (m, ln, p, lat) => (m as CacheMemory).sampleHit(ln, p, true, lat),
  () => 0, () => 1,
];
export const CACHE_CALLS: Record<string, number> = {
  load8: 0, load8u: 1, load16: 2, load16u: 3, load32: 4, load64: 5, store8: 6, store16: 7, store32: 8, store64: 9, sampleLoad: 10, sampleStore: 11,
};

/** The try/catch is the callee's: what TurboFan inlines into a region is a load and a call. */
export function mcall(k: number, m: HartMemory, a: number, lo: number, hi: number): number {
  return CACHE_FNS[k](m, a, lo, hi);
}
// The call site made megamorphic now (V8 records call feedback only once the function has run a
// while: a few hundred calls alternating two targets that do nothing).
for (let i = 0; i < 400; i++) mcall(12 + (i & 1), undefined as unknown as HartMemory, 0, 0, 0);
