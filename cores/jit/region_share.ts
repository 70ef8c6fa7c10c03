// Regions shared by the harts of one worker thread (--engine jit, cores hosted together). Each
// hart keeps its own table, counts, invalidation and code-cache bounds (jit.ts); what is shared
// is the work of building a region: its plan (readRegion), its source, the lookup of its
// compiled function (translate.ts compileSource, already one per source and thread).
//
// A hart reaching the threshold at pc adopts the region another hart of the thread last built
// there when every instruction of it is, in its own decode cache, the same entry (pc, op and
// registers, immediate, encoding: the words readBlock reads). The region's code is then the
// code this hart's own translation of that plan would be: a region's function takes the hart,
// its registers, memory and arrays as arguments, and its source depends besides the plan only
// on the memory's shape (shapeKey; harts of one shape share). The plan may differ from the one
// this hart would read (another hart's loop heads, more or less of the code decoded), which
// changes where the region leaves, never what it counts. Its instructions are this hart's
// decoded ones, so invalidation stays per hart: its decode cache drops them, its regions go.

import type { MemView } from './mem_view.ts';
import type { BlockInsn, RegionFn, RegionPlan } from './translate.ts';
import { DECODE_MASK } from '../decode_cache.ts';

/** A region as built by one hart of the thread, for the others. */
export interface SharedRegion {
  readonly entry: number;
  readonly plan: RegionPlan;
  readonly blocks: BlockInsn[][];
  /** Per instruction of blocks, the decode-cache entry it was read from (4 words each). */
  readonly words: Int32Array;
  readonly src: string;
  readonly fn: RegionFn;
  /** What entering it needs of the budget (translate.ts blockCost of its first block). */
  readonly len: number;
}

/** Regions kept per thread (all shapes): past it, all are forgotten (the harts keep theirs). */
const SHARED_CAP = 4096;
let kept = 0;
const shapes = new Map<string, Map<number, SharedRegion>>();

/**
 * Tests set this: an adopted region's source is emitted again against the adopting hart's
 * memory and must equal the builder's (a shape the key misses fails loudly).
 */
export const shareCheck = { on: process.env.SMPEMU_JIT_SHARE_CHECK === '1' };

/**
 * What a region's source depends on besides its plan: the memory view's kind and constants, the
 * fetch block's size and, with caches, the inline path's scalars. Every scalar of the view, its
 * env and its cache inline (a field added later counts too); their arrays are the hart's, passed
 * in env.
 */
export function shapeKey(view: MemView, fetchSpan: number): string {
  const parts: unknown[] = [fetchSpan];
  const scalars = (o: object) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || v === undefined) parts.push(k, v);
      else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && k !== 'env' && k !== 'cache') parts.push(k, JSON.stringify(v));
    }
  };
  scalars(view);
  scalars(view.env);
  if (view.cache !== undefined) scalars(view.cache);
  return JSON.stringify(parts);
}

/** The regions of one shape in this thread. */
export function regionShare(key: string): Map<number, SharedRegion> {
  let m = shapes.get(key);
  if (m === undefined) shapes.set(key, (m = new Map()));
  return m;
}

/** The region built at pc, when every one of its instructions is the same entry in ent. */
export function adoptable(share: Map<number, SharedRegion>, pc: number, ent: Int32Array): SharedRegion | undefined {
  const r = share.get(pc);
  if (r === undefined) return undefined;
  const w = r.words;
  for (let k = 0; k < w.length; k += 4) {
    const e = ((w[k] >>> 1) & DECODE_MASK) << 2;
    if (ent[e] !== w[k] || ent[e + 1] !== w[k + 1] || ent[e + 2] !== w[k + 2] || ent[e + 3] !== w[k + 3]) return undefined;
  }
  return r;
}

/** The decode-cache words of blocks' instructions (read from ent, as readBlock did). */
export function regionWords(blocks: BlockInsn[][], ent: Int32Array): Int32Array {
  let n = 0;
  for (const b of blocks) n += b.length;
  const w = new Int32Array(n * 4);
  let k = 0;
  for (const b of blocks) {
    for (const x of b) {
      const e = ((x.pc >>> 1) & DECODE_MASK) << 2;
      w[k] = ent[e];
      w[k + 1] = ent[e + 1];
      w[k + 2] = ent[e + 2];
      w[k + 3] = ent[e + 3];
      k += 4;
    }
  }
  return w;
}

/** Keeps a hart's new region for the others (replacing what was built there before). */
export function publish(share: Map<number, SharedRegion>, r: SharedRegion): void {
  if (!share.has(r.entry)) {
    if (kept >= SHARED_CAP) {
      for (const m of shapes.values()) m.clear();
      kept = 0;
    }
    kept++;
  }
  share.set(r.entry, r);
}
