// Faults out of translated code without a try/catch in the region. A region's calls that may
// throw (the memory's methods, the fetch path) go through these wrappers: a throw is kept in
// pending.e and the wrapper returns 0; the region's code after the call sees it and leaves at
// the faulting instruction through its ordinary exit (registers written back, that instruction
// counted in st[0], its pc returned), and Jit.enter rethrows it with st[2] and st[4] set, as
// Hart.run's catch expects. Why: a try/catch around a region's loop gives TurboFan an exception
// edge from every call, each carrying every register local into the handler: compute_long's
// largest region (the 16-way unrolled matrix loop) took 59 ms of TurboFan compile with it and
// 29 without (median of 5, synchronous compiles), and regions run unoptimized until it lands.
// Regions with the cache emitter's inline path (mem_caches.ts) keep the try/catch.

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
  PF: pending, ld8, ld8u, ld16, ld16u, ld32, ld64, st8, st16, st32, st64, amo32, amo64, fence, fetchBlock, raise,
};
