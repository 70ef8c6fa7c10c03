/**
 * The randomized coherence test's machinery (used by mesi-table.test.ts; importable from a
 * script for a longer hunt): random loads, stores, AMOs, LR/SC, evictions and fetches of
 * random sizes by random cores on a pool of lines of a tiny geometry (so L2 evictions and
 * L3 back-invalidations happen all the time), against a flat reference memory.
 */
import fc from 'fast-check';
import {
  AMO_ADD,
  AMO_AND,
  AMO_MAX,
  AMO_MAXU,
  AMO_MIN,
  AMO_MINU,
  AMO_OR,
  AMO_SWAP,
  AMO_XOR,
} from '../../cores/memory.ts';
import { CTR } from '../../shared/coherence/stats.ts';
import { sharingCounters, sharingSum } from '../../cores/interleave.ts';
import { Harness, hex, le, toBytes, type HarnessOptions, type Size } from './harness.ts';

export type Kind = 'load' | 'store' | 'amo' | 'lr' | 'sc' | 'evict' | 'fetch';
export interface Op {
  kind: Kind;
  core: number;
  line: number;
  offset: number;
  size: Size;
  value: bigint;
  amoOp: number;
  /**
   * Steering towards LR/SC races: an sc with aim != 0 goes to its core's reservation (when
   * it has one); a store or AMO with aim == 0 goes to the line another core reserved.
   */
  aim: number;
}

export const AMO_OPS = [AMO_ADD, AMO_SWAP, AMO_XOR, AMO_OR, AMO_AND, AMO_MIN, AMO_MAX, AMO_MINU, AMO_MAXU];

export function amoRef(op: number, old: bigint, v: bigint, bits: number): bigint {
  const sx = (x: bigint) => BigInt.asIntN(bits, x);
  v = BigInt.asUintN(bits, v);
  switch (op) {
    case AMO_ADD: return BigInt.asUintN(bits, old + v);
    case AMO_SWAP: return v;
    case AMO_XOR: return old ^ v;
    case AMO_OR: return old | v;
    case AMO_AND: return old & v;
    case AMO_MIN: return sx(old) < sx(v) ? old : v;
    case AMO_MAX: return sx(old) > sx(v) ? old : v;
    case AMO_MINU: return old < v ? old : v;
    case AMO_MAXU: return old > v ? old : v;
  }
  throw new Error(`amo op ${op}`);
}

/** Geometries that force L2 evictions and L3 back-invalidations all the time. */
export const GEOMETRIES: (HarnessOptions & { label: string })[] = [
  // 16-byte lines: L2 2 sets x 2 ways, L3 4 sets x 2 ways (8 lines for up to 16 L2 lines).
  { label: '16B lines, L2 2x2, L3 4x2', lineBytes: 16, l1d: { sizeBytes: 32, ways: 2 }, l1i: { sizeBytes: 32, ways: 2 }, l2: { sizeBytes: 64, ways: 2 }, l3: { sizeBytes: 128, ways: 2 } },
  // 64-byte lines: L2 2 sets x 2 ways, L3 4 sets x 2 ways.
  { label: '64B lines, L2 2x2, L3 4x2', lineBytes: 64, l1d: { sizeBytes: 128, ways: 2 }, l1i: { sizeBytes: 128, ways: 2 }, l2: { sizeBytes: 256, ways: 2 }, l3: { sizeBytes: 512, ways: 2 } },
  // 32-byte lines, everything direct-mapped: L2 2 sets, L3 4 sets.
  { label: '32B lines, direct-mapped L2 2, L3 4', lineBytes: 32, l1d: { sizeBytes: 32, ways: 1 }, l1i: { sizeBytes: 32, ways: 1 }, l2: { sizeBytes: 64, ways: 1 }, l3: { sizeBytes: 128, ways: 1 } },
];
export const POOL_LINES = 12;
export const POOL_BASE = 0x4000;

export const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.oneof(
    { weight: 5, arbitrary: fc.constant<Kind>('load') },
    { weight: 5, arbitrary: fc.constant<Kind>('store') },
    { weight: 2, arbitrary: fc.constant<Kind>('amo') },
    { weight: 2, arbitrary: fc.constant<Kind>('lr') },
    { weight: 2, arbitrary: fc.constant<Kind>('sc') },
    { weight: 1, arbitrary: fc.constant<Kind>('evict') },
    { weight: 1, arbitrary: fc.constant<Kind>('fetch') },
  ),
  core: fc.nat({ max: 3 }),
  line: fc.nat({ max: POOL_LINES - 1 }),
  offset: fc.nat({ max: 63 }),
  size: fc.constantFrom<Size>(1, 2, 4, 8),
  value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  amoOp: fc.constantFrom(...AMO_OPS),
  aim: fc.nat({ max: 3 }),
});

interface Reservation {
  addr: number;
  size: number;
  broken: boolean;
}

/** What the runs exercised, summed over runs (the test asserts each happened). */
export interface RandomStats {
  backInvalidations: number;
  hitm: number;
  scOk: number;
  scFailedMust: number;
}

export function newRandomStats(): RandomStats {
  return { backInvalidations: 0, hitm: 0, scOk: 0, scFailedMust: 0 };
}

export type Geometry = HarnessOptions & { label: string };

/**
 * Runs `ops` on a fresh harness of the geometry with `cores` cores, against a flat
 * reference memory (a copy of RAM's initial bytes). Throws on the first load whose value
 * differs from the reference, on an SC that succeeds where it must fail, and on any
 * invariant violation (the checker runs after every operation); the message lists the ops.
 */
export function runRandom(geo: Geometry, cores: number, ops: Op[], stats: RandomStats = newRandomStats()): void {
  const h = new Harness({ ...geo, cores });
  const ref = h.ramU8.slice();
  const read = (a: number, n: number) => le(ref.subarray(a, a + n));
  const res: (Reservation | null)[] = Array.from({ length: cores }, () => null);
  const lb = h.lineBytes;
  // The reservation set is the LR's cache line (shared/coherence/layout.ts): another core's
  // write to any byte of it must make the SC fail (RISC-V A: "a store to the reservation set
  // from another hart").
  const write = (core: number, a: number, n: number, v: bigint) => {
    ref.set(toBytes(v, n), a);
    for (let k = 0; k < cores; k++) {
      const r = res[k];
      if (k === core || !r) continue;
      const line = Math.floor(r.addr / lb);
      if (Math.floor(a / lb) <= line && line <= Math.floor((a + n - 1) / lb)) r.broken = true;
    }
  };
  const done: string[] = [];
  const share = sharingCounters(cores);
  const fail = (msg: string): never => {
    throw new Error(`${msg}\non ${geo.label}, ${cores} cores, after ops:\n  ${done.join('\n  ')}`);
  };
  const same = (got: bigint | number, want: bigint | number, msg: string) => {
    if (got !== want) fail(`${msg}: got ${hex(got)}, expected ${hex(want)}`);
  };
  for (const op of ops) {
    const core = op.core % cores;
    let base = POOL_BASE + op.line * lb;
    if (op.aim === 0 && (op.kind === 'store' || op.kind === 'amo')) {
      for (let i = 1; i < cores; i++) {
        const r = res[(core + i) % cores];
        if (r) {
          base = r.addr - (r.addr % lb);
          break;
        }
      }
    }
    const size = op.size;
    let asz: 4 | 8 = size === 8 ? 8 : 4;
    let aligned = base + ((op.offset % lb) & ~(asz - 1));
    const a = base + (op.offset % lb); // may cross into the next line
    let what: string;
    switch (op.kind) {
      case 'load': {
        what = `core ${core} load${size} ${hex(a)}`;
        same(h.load(core, a, size), read(a, size), what);
        break;
      }
      case 'store': {
        const v = BigInt.asUintN(8 * size, op.value);
        what = `core ${core} store${size} ${hex(a)} = ${hex(v)}`;
        h.store(core, a, size, v);
        write(core, a, size, v);
        break;
      }
      case 'amo': {
        what = `core ${core} amo${asz * 8} op ${op.amoOp} ${hex(aligned)} ${hex(BigInt.asUintN(asz * 8, op.value))}`;
        const old = read(aligned, asz);
        same(h.amo(core, op.amoOp, aligned, asz, op.value), old, what);
        write(core, aligned, asz, amoRef(op.amoOp, old, op.value, asz * 8));
        break;
      }
      case 'lr': {
        what = `core ${core} lr${asz * 8} ${hex(aligned)}`;
        same(h.lr(core, aligned, asz), read(aligned, asz), what);
        res[core] = { addr: aligned, size: asz, broken: false };
        break;
      }
      case 'sc': {
        const r = res[core];
        if (op.aim !== 0 && r) {
          aligned = r.addr;
          asz = r.size as 4 | 8;
        }
        // Must fail: no reservation, an address outside its set, or another core wrote the set.
        // (A different address or size within the set may fail or succeed.)
        const mustFail = !r || Math.floor(r.addr / lb) !== Math.floor(aligned / lb) || r.broken;
        const v = BigInt.asUintN(asz * 8, op.value);
        what = `core ${core} sc${asz * 8} ${hex(aligned)} = ${hex(v)} (reservation ${r ? `${hex(r.addr)}${r.broken ? ' broken' : ''}` : 'none'})`;
        const rc = h.sc(core, aligned, asz, v);
        if (mustFail) {
          same(rc, 1, `${what}: must fail`);
          stats.scFailedMust++;
        } else if (rc !== 0 && rc !== 1) fail(`${what}: returned ${rc}`);
        if (rc === 0) {
          write(core, aligned, asz, v);
          stats.scOk++;
        }
        res[core] = null;
        break;
      }
      case 'evict': {
        what = `core ${core} evict ${hex(a)}`;
        h.evict(core, a);
        break;
      }
      case 'fetch': {
        const pc = a & ~3;
        what = `core ${core} fetch32 ${hex(pc)}`;
        same(h.fetch32(core, pc), read(pc, 4), what);
        break;
      }
    }
    done.push(what);
    // The adaptive interleave reads L2Controller.sharing: it must be the counters' sharing sum.
    for (let k = 0; k < cores; k++) {
      const want = sharingSum(h.ctrs[k]!, share.add, share.sub);
      if (h.l2s[k]!.sharing !== want) fail(`after ${what}: core ${k}'s L2Controller.sharing is ${h.l2s[k]!.sharing}, its counters' sharing sum ${want}`);
    }
    const v = h.violations();
    if (v.length > 0) {
      throw new Error(`after ${done.length} ops (last: ${what}) on ${geo.label}, ${cores} cores:\n  ${v.join('\n  ')}\nops:\n  ${done.join('\n  ')}`);
    }
  }
  // Every byte of the pool, read back through some core, equals the reference.
  for (let a = POOL_BASE; a < POOL_BASE + (POOL_LINES + 1) * lb; a += 8) {
    same(h.load((a / 8) % cores, a, 8), read(a, 8), `final ${hex(a)}`);
  }
  h.check();
  for (const c of h.ctrs) {
    stats.backInvalidations += c[CTR.backInvalidations]!;
    stats.hitm += c[CTR.hitmLoads]! + c[CTR.hitmStores]!;
  }
}

