// What the translator may assume of a hart's memory, chosen once per Jit (the memory class never
// changes under a hart): whether its latency is a constant (flat: every access costs
// lastLatency, fixed at construction, and fetchAccess costs nothing) and whether its accesses
// can be inlined as typed-array accesses (bare flat memory: a bounds check against the mapped
// range, then RAM; cores/mem_flat.ts BareFlatMemory). Anything else goes through the methods.
//
// The inline paths read BareFlatMemory's RAM views and range (FlatMemory's views and TLB
// entries), which TypeScript keeps protected/private: the names are checked here, so a rename makes this fall back to the
// methods (and test/cores/jit.test.ts, which asserts the bare flat view, fail) instead of
// generating code against fields that are not there.

import { BareFlatMemory, FlatMemory } from '../mem_flat.ts';
import { CacheMemory, type CacheInline } from '../mem_cache.ts';
import type { HartMemory } from '../memory.ts';
import { cacheEnv } from './mem_caches.ts';

/** The arrays and range the inline flat path reads (a parameter of every region function). */
export interface MemEnv {
  lo: number;
  hi: number;
  i32: Int32Array;
  u16: Uint16Array;
  u8: Uint8Array;
  /** The decode cache's page marks: a store to a marked page goes through the method. */
  pages: Uint8Array;
}

export interface MemView {
  /**
   * bareflat: inline typed-array accesses; tlbflat: flat memory behind a TLB (--boot linux),
   * the TLB's host-array hit and the typed-array access inline (tlb_inline.ts), else methods;
   * flat: methods, constant latency; cache: the L1d hit inline (mem_caches.ts), else methods;
   * method: methods, latency as it comes.
   */
  kind: 'bareflat' | 'tlbflat' | 'flat' | 'cache' | 'method';
  /** The constant latency of every access (flat), or -1 when it varies (caches). */
  lat: number;
  /** Fetch accesses cost nothing (flat memory). */
  flat: boolean;
  env: MemEnv;
  /** kind cache: what the inline hit path is emitted against. */
  cache?: CacheInline;
}

/** kind tlbflat: the TLB's read and write entries besides RAM's views (env.lo, env.hi unused). */
export interface TlbFlatEnv extends MemEnv {
  re: Float64Array;
  we: Float64Array;
}

const NO_ENV: MemEnv = { lo: 0, hi: 0, i32: new Int32Array(0), u16: new Uint16Array(0), u8: new Uint8Array(0), pages: new Uint8Array(0) };

interface FlatFields {
  i32: Int32Array;
  u16: Uint16Array;
  u8: Uint8Array;
  decode: { pages: Uint8Array };
  rEnt: Float64Array;
  wEnt: Float64Array;
}

interface BareFlatFields {
  lowest: number;
  limit: number;
  i32: Int32Array;
  u16: Uint16Array;
  u8: Uint8Array;
  decode: { pages: Uint8Array };
}

export function memView(mem: HartMemory): MemView {
  if (mem instanceof BareFlatMemory) {
    const m = mem as unknown as BareFlatFields;
    if (typeof m.lowest === 'number' && typeof m.limit === 'number' && m.i32 instanceof Int32Array && m.u16 instanceof Uint16Array
      && m.u8 instanceof Uint8Array && m.decode?.pages instanceof Uint8Array) {
      return { kind: 'bareflat', lat: mem.lastLatency, flat: true, env: { lo: m.lowest, hi: m.limit, i32: m.i32, u16: m.u16, u8: m.u8, pages: m.decode.pages } };
    }
  }
  if (mem instanceof CacheMemory) {
    const c = mem.inline();
    return { kind: 'cache', lat: -1, flat: false, env: cacheEnv(c), cache: c };
  }
  if (mem instanceof FlatMemory) {
    const m = mem as unknown as FlatFields;
    if (!(mem instanceof BareFlatMemory) && m.i32 instanceof Int32Array && m.u16 instanceof Uint16Array && m.u8 instanceof Uint8Array
      && m.decode?.pages instanceof Uint8Array && m.rEnt instanceof Float64Array && m.wEnt instanceof Float64Array) {
      const env: TlbFlatEnv = { lo: 0, hi: 0, i32: m.i32, u16: m.u16, u8: m.u8, pages: m.decode.pages, re: m.rEnt, we: m.wEnt };
      return { kind: 'tlbflat', lat: mem.lastLatency, flat: true, env };
    }
    return { kind: 'flat', lat: mem.lastLatency, flat: true, env: NO_ENV };
  }
  return { kind: 'method', lat: -1, flat: false, env: NO_ENV };
}
