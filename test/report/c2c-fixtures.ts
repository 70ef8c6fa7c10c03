// Hand-made c2c records (no emulator run) for the false-sharing analyzer tests.

import { R_CYCLES, R_FIELDS, R_HITM, R_L1_HIT, R_L2_HIT, R_L3_HIT, R_LOADS, R_RAM, R_STORES, R_ST_L1_HIT, R_ST_L1_MISS } from '../../cores/c2c_recorder.ts';
import type { C2cEntry } from '../../cores/c2c_recorder.ts';
import type { ElfSymbol } from '../../src/loader/elf.ts';
import { SymbolTable } from '../../src/loader/symbols.ts';

export interface Access {
  /** Loads served by L1 (already weighted), L2, L3, RAM, and by another core's Modified line. */
  l1?: number;
  l2?: number;
  l3?: number;
  ram?: number;
  ldHitm?: number;
  /** Stores that hit L1, missed L1, and (of the misses) found the line Modified elsewhere. */
  stHit?: number;
  stMiss?: number;
  stHitm?: number;
  /** Latency sum of the loads. */
  cycles?: number;
}

/** One recorder entry, counters filled the way C2cRecorder fills them. */
export function entry(line: number, offset: number, core: number, pc: number, a: Access): C2cEntry {
  const c = new Array<number>(R_FIELDS).fill(0);
  c[R_L1_HIT] = a.l1 ?? 0;
  c[R_L2_HIT] = a.l2 ?? 0;
  c[R_L3_HIT] = a.l3 ?? 0;
  c[R_RAM] = a.ram ?? 0;
  c[R_LOADS] = c[R_L1_HIT] + c[R_L2_HIT] + c[R_L3_HIT] + c[R_RAM] + (a.ldHitm ?? 0);
  c[R_ST_L1_HIT] = a.stHit ?? 0;
  c[R_ST_L1_MISS] = a.stMiss ?? 0;
  c[R_STORES] = c[R_ST_L1_HIT] + c[R_ST_L1_MISS];
  c[R_HITM] = (a.ldHitm ?? 0) + (a.stHitm ?? 0);
  c[R_CYCLES] = a.cycles ?? 0;
  return { line, offset, core, pc, counts: c };
}

export const sym = (name: string, value: number, size: number, type: ElfSymbol['type'] = 'object'): ElfSymbol => ({ name, value, size, type });

export const PACKED = 0x13400;
export const SHARED = 0x13440;
export const TABLE = 0x13480;
export const MAIN = 0x10000;
export const WORKER = 0x10100;

export const symbols = new SymbolTable([
  sym('main', MAIN, 0x100, 'func'),
  sym('worker', WORKER, 0x80, 'func'),
  sym('packed_counters', PACKED, 32),
  sym('shared_counter', SHARED, 8),
  sym('lookup_table', TABLE, 64),
]);

/** counter[core]++ on a packed uint64_t counter[4]: each core loads and stores offset 8*core. */
export function packedPattern(cores = 4): C2cEntry[] {
  const out: C2cEntry[] = [];
  for (let i = 0; i < cores; i++) {
    const hitm = 100 + 10 * i;
    out.push(entry(PACKED, 8 * i, i, WORKER + 0x1c, { l1: 16 * 20, ldHitm: hitm, cycles: 16 * 20 * 4 + hitm * 60 }));
    out.push(entry(PACKED, 8 * i, i, WORKER + 0x20, { stHit: 16 * 5, stMiss: hitm + 20, stHitm: 10 }));
  }
  return out;
}

/** atomic_add(&shared_counter, 1) from every core: all at offset 0. */
export function truePattern(cores = 4): C2cEntry[] {
  const out: C2cEntry[] = [];
  for (let i = 0; i < cores; i++) {
    out.push(entry(SHARED, 0, i, WORKER + 0x40, { l1: 16, ldHitm: 30, cycles: 16 * 4 + 30 * 60 }));
    out.push(entry(SHARED, 0, i, WORKER + 0x44, { stHit: 16, stMiss: 30, stHitm: 20 }));
  }
  return out;
}

/** Two cores only reading a table (one L1 miss each, the rest hits). */
export function readPattern(): C2cEntry[] {
  return [
    entry(TABLE, 0, 0, MAIN + 0x10, { l1: 160, l3: 1, cycles: 160 * 4 + 30 }),
    entry(TABLE, 8, 1, MAIN + 0x10, { l1: 160, ram: 1, cycles: 160 * 4 + 120 }),
  ];
}

/** One sampled L1d hit (weight SAMPLE_EVERY) by `core` at `offset` of the packed line: a stray read. */
export const strayRead = (core: number, offset: number): C2cEntry => entry(PACKED, offset, core, MAIN + 0x60, { l1: 16, cycles: 16 * 4 });
