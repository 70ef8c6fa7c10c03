// Translated loads and stores with --memory caches: the L1d hit inline, everything else the
// interpreter's method. The common case of CacheMemory.load*/store* (cores/mem_cache.ts) is
// a translation hit (bare mode: the identity range; --boot linux: the TLB's host array, whose
// hits count nothing, cores/tlb.ts), an aligned access (so within one line), the L1d way hint
// naming the line and its L2 state permitting the access (M/E/S to load, M/E to store); then
// the hit ticks exactly what the method's hit ticks (the loads or stores counter, L1d hits, a
// local E -> M upgrade, the LRU stamp and clock, the sample countdown, and when it runs out
// the c2c sample: CacheMemory.sampleHit) and the data moves in the L2 data array, at the
// method's constant hit latency. Any other case (a miss, another way of the set, a misaligned
// or line-crossing access, a store to a page holding decoded code, a fault) changes nothing here and calls the
// method, which does all of it itself: the counts are the interpreter's by construction. The
// same for an instruction fetch entering a new line (fetch(): the L1i hit by the way hint). A
// block's cost counts each access at its hit latency (translate.ts blockCost), so a hit needs no
// budget check; the method's path checks after paying its latency.
//
// L2 states as the methods read and write them (cores/mem_cache.ts's header says why): a load
// or fetch hit reads the state with a plain read; a store hit writes with plain writes when
// solo (one worker for every core: nothing else touches the states while this runs). With other
// workers it claims the line (M or E -> M|BUSY by compareExchange, as the method) and keeps the
// claim for the rest of the region call (HELD marks it the region's own: later stores to the
// line only check the state), releasing it in M with Atomics before any call out, at the exit,
// or after HOLD_LOOPS passes of the region's loop: V8 calls the Atomics builtins, never inlines
// them (bench/atomics_store.ts: claim and release ~50 ns a store, a plain store ~4), and most
// stores follow another to the same line (compute_long, 16 cores on 2 threads, perf samples
// in the compareExchange and store builtins, both workers: 627 -> 70).
//
// Region prologue: the arrays are hoisted into locals once per region call (only those the
// region's accesses use): reading them through `mem` on every access is a property chain.
//
// What a hit ticks lives in locals for the region call (measured: the Float64Array read-modify-
// writes of counters, clocks and the countdown were most of a hit's cost): the hit counters
// (kn<slot>, added to ctr at every exit: a sum does not care when; the L1d hits' is the loads'
// plus the stores'), and the state
// the methods read as well — the L1d and L1i LRU clocks (kc, kic), the sample countdown (kl),
// the last fetch access's line (kfl) and the hart's fetchLo (fl, translate.ts). Those are
// written back before every call that may read them and read again after it: a data method or
// an AMO (around()) reads and ticks only kl and kc (L1d), fetchBlock (fetchCall()) only kic and
// kfl (L1i); either may drop L1 tags. A method that faulted (faults.ts: the region leaves
// through an exit) has its locals reloaded first, so the exit writes back what it left there
// (fetchBlock does not fault: a fetch fault is the decode's).
//
// The methods are called through faults.ts's mcall, one call site for all of them: TurboFan
// inlined a method into every access site that had run it (a miss, a sampled hit), the whole
// miss path compiled again in each region (compute_long's regions: 17% more TurboFan zone).

import { Op } from '../decode.ts';
import type { CacheInline } from '../mem_cache.ts';
import { BUSY, E, M, STATE_MASK } from '../../shared/coherence/mesi.ts';
import { CTR } from '../../shared/coherence/stats.ts';
import { TLB_MASK } from '../tlb.ts';
import { tlbHit } from './tlb_inline.ts';
import type { MemEnv } from './mem_view.ts';
import { CACHE_CALLS } from './faults.ts';

/** The region's env with caches: CacheMemory's arrays (MemEnv's fields: the L2 data views, the bare range). */
export interface CacheEnv extends MemEnv {
  st: Int32Array;
  tag: Int32Array;
  slot: Int32Array;
  stamp: Float64Array;
  hint: Int32Array;
  clock: Float64Array;
  ctr: Float64Array;
  left: Int32Array;
  re: Float64Array;
  we: Float64Array;
  itag: Int32Array;
  islot: Int32Array;
  istamp: Float64Array;
  ihint: Int32Array;
  iclock: Float64Array;
  fe: Float64Array;
  fline: Int32Array;
  /** The L2 slots whose claim the running region call holds (HOLD_CAP; the count is the region's local kh). */
  hl: Int32Array;
  unhold: typeof unhold;
}

export function cacheEnv(c: CacheInline): CacheEnv {
  return {
    lo: c.bare?.lo ?? 0, hi: c.bare?.hi ?? 0,
    i32: c.d32, u16: new Uint16Array(c.d8.buffer, c.d8.byteOffset, c.d8.byteLength >> 1), u8: c.d8, pages: c.pages,
    st: c.st, tag: c.tag, slot: c.slot, stamp: c.stamp, hint: c.hint, clock: c.clock, ctr: c.ctr, left: c.sampleLeft,
    re: c.readEnt, we: c.writeEnt,
    itag: c.itag, islot: c.islot, istamp: c.istamp, ihint: c.ihint, iclock: c.iclock, fe: c.fetchEnt, fline: c.fetchLine,
    hl: new Int32Array(HOLD_CAP), unhold,
  };
}

/**
 * A store hit's claim kept by the region call that took it (not solo): the claim's BUSY, which
 * snoopers wait out, with HELD, which no snooper sets (snoopClaim sets BUSY alone), so the
 * region tells its own claim from a snooper's.
 */
const HELD = 8;
const HELD_M = M | BUSY | HELD;
if ((HELD & (STATE_MASK | BUSY)) !== 0) throw new Error('mem_caches: HELD overlaps the state bits');
/** Claims a region call keeps at once (at the next, all are released first). */
const HOLD_CAP = 8;
/** Passes of a region's loop a claim is kept over (loopHead). */
const HOLD_LOOPS = 64;

/** Releases the n claims held in list (each line in M, as CacheMemory.store's release); returns 0, the new count. */
export function unhold(st: Int32Array, list: Int32Array, n: number): number {
  for (let j = 0; j < n; j++) Atomics.store(st, list[j], M);
  return 0;
}

/** One memory op's place in the region (translate.ts's names for it). */
export interface AccessSite {
  pc: number;
  op: Op;
  rd: number;
  rs1: number;
  rs2: number;
  /** The address offset (the address is rs1 + imm). */
  imm: number;
  /** Register reads and writes as the region names them (x0 reads '0'). */
  L: (r: number) => string;
  H: (r: number) => string;
  XL: (r: number) => string;
  XH: (r: number) => string;
  /** rd is x0 (the load's value goes nowhere). */
  sink: boolean;
  /** Leaves the region at this instruction after a wrapped call faulted (faults.ts). */
  fx: string;
  /** A memory method's call through its wrapper (faults.ts): call('load64', 'a'). */
  call: (method: string, args: string) => string;
  /** Declares `a`, the virtual address. */
  addr: string;
  /** Leaves the region after this instruction (a store that dropped translated code). */
  exit: string;
  /**
   * Whether the rest of the block still fits after a slow access paid its latency (the block's
   * cost counts every access at its hit latency, so a hit needs no check); empty at a block's end.
   */
  check: string;
}

// Hot counter slots and states as literals (checked against their sources).
const C_LOADS = 0, C_STORES = 1, C_L1D_HITS = 2;
if (CTR.loads !== C_LOADS || CTR.stores !== C_STORES || CTR.l1dHits !== C_L1D_HITS) throw new Error('mem_caches: counter literals out of date');
const C_L1I_HITS = CTR.l1iHits;

/** What a cached access needs: (size, method, how the value lands). */
interface Shape {
  size: number;
  store: boolean;
  fp: boolean;
  /** The method's name. */
  method: string;
}

function shapeOf(op: Op, rd: number, rs2: number): Shape | undefined {
  switch (op) {
    case Op.LB: return { size: 1, store: false, fp: false, method: 'load8' };
    case Op.LBU: return { size: 1, store: false, fp: false, method: 'load8u' };
    case Op.LH: return { size: 2, store: false, fp: false, method: 'load16' };
    case Op.LHU: return { size: 2, store: false, fp: false, method: 'load16u' };
    case Op.LW: case Op.LWU: return { size: 4, store: false, fp: false, method: 'load32' };
    case Op.LD: return { size: 8, store: false, fp: false, method: 'load64' };
    case Op.SB: return { size: 1, store: true, fp: false, method: 'store8' };
    case Op.SH: return { size: 2, store: true, fp: false, method: 'store16' };
    case Op.SW: return { size: 4, store: true, fp: false, method: 'store32' };
    case Op.SD: return { size: 8, store: true, fp: false, method: 'store64' };
    // flw/fld: rs2 holds the width (0: 32-bit); fsw/fsd: rd does (translate.ts's FLOAD/FSTORE).
    case Op.FLOAD: return rs2 === 0 ? { size: 4, store: false, fp: true, method: 'load32' } : { size: 8, store: false, fp: true, method: 'load64' };
    case Op.FSTORE: return rd === 0 ? { size: 4, store: true, fp: true, method: 'store32' } : { size: 8, store: true, fp: true, method: 'store64' };
    default: return undefined;
  }
}

/** The locals of what a hit ticks, written back to their arrays, and read again. */
const SAVE_D = 'KLEFT[0] = kl; KCLOCK[0] = kc;';
const LOAD_D = 'kl = KLEFT[0]; kc = KCLOCK[0];';
const SAVE_I = 'KICLOCK[0] = kic; KFLINE[0] = kfl;';
const LOAD_I = 'kic = KICLOCK[0]; kfl = KFLINE[0];';

/** Emits one region's cached accesses; prologue() then hoists what they used. */
export class CacheEmitter {
  private readonly used = new Set<string>();
  /** ctr slots the region's hits count in locals. */
  private readonly counters = new Set<number>();
  /** Fetch sites (each remembers the L1i entry it last hit). */
  private sites = 0;
  /** Some inline L1d hit (loads' and stores' counters: their sum is the L1d hits'). */
  private dHits = false;

  constructor(private readonly c: CacheInline) {}

  /** The source of a load or store at site, or undefined for an op this does not emit (AMOs, ...). */
  access(x: AccessSite): { src: string; stores: boolean; fp: boolean } | undefined {
    const sh = shapeOf(x.op, x.rd, x.rs2);
    if (sh === undefined) return undefined;
    const c = this.c, u = this.used;
    const { size, store } = sh;
    const shift = c.lineShift, lineMask = c.lineBytes - 1;
    for (const k of ['tag', 'slot', 'stamp', 'hint', 'st']) u.add(k);
    // Translation: the physical address p, or not this way; pre goes before it, late on the
    // method's path only. Bare mode: the address as an int32 b where it surely is the guest's
    // (high word 0; with the range below 2048 also the low word < 2^31, so that no wrap lands
    // in it), else -1, which fails the range check (lo >= 0): the hit path does no double
    // arithmetic, and only the method's path forms the exact address a (and marks the
    // instruction: nothing on the hit path throws).
    let tr: string, pre: string, late: string;
    if (c.bare !== undefined && c.bare.hi <= 0x7fffffff) {
      pre = `const b = ${x.H(x.rs1)} === 0${c.bare.lo < 2048 ? ` && ${x.L(x.rs1)} >= 0` : ''} ? (${x.L(x.rs1)} + ${x.imm}) | 0 : -1;`;
      tr = `if (b >= ${c.bare.lo} && b <= ${c.bare.hi - size}${size > 1 ? ` && (b & ${size - 1}) === 0` : ''}) { const p = b;`;
      late = x.addr;
    } else {
      pre = x.addr;
      late = '';
      if (c.bare !== undefined) {
        tr = `if (a >= ${c.bare.lo} && a <= ${c.bare.hi - size}${size > 1 ? ` && (a & ${size - 1}) === 0` : ''}) { const p = a;`;
      } else {
        // tlb.read / tlb.write's host-array hit: the size's alignment is folded into the compare.
        const arr = store ? 'KWE' : 'KRE';
        u.add(store ? 'we' : 're');
        tr = tlbHit(arr, size);
      }
    }
    const find = `const ln = p >>> ${shift}, i = KHINT[ln & ${c.hintMask}]; if (KTAG[i] === ln) { const sl = KSLOT[i];`;
    // The L1d hits counter is the sum of the loads' and stores' (epilogue).
    this.dHits = true;
    // The hit that is sampled calls CacheMemory.sampleHit, as the method's hit calls sample() (it
    // reads mem.pc), through faults.ts's one call site (not inlined: mcall).
    const tick = `KSTAMP[i] = ++kc; ${this.count(store ? C_STORES : C_LOADS)} ` +
      `if (--kl === 0) { mem.pc = ${x.pc}; kl = mcall(${store ? CACHE_CALLS.sampleStore : CACHE_CALLS.sampleLoad}, mem, ln, p, ${store ? c.storeHitLat : c.l1Lat}); } const q = (sl << ${shift}) + (p & ${lineMask});`;
    const d = 2 * (store ? x.rs2 : x.rd);
    const data = size === 1 ? 'u8' : size === 2 ? 'u16' : 'i32';
    u.add(data);
    let src: string;
    if (!store) {
      // Where the value lands (lo, hi), on either path.
      const put = (lo: string, hi: string): string => {
        if (sh.fp) return `FW[${d}] = ${lo}; FW[${d + 1}] = ${size === 4 ? '-1' : hi};`;
        if (x.sink) return size === 8 ? '' : `${lo};`; // the method still runs (its faults and counts)
        const h = x.op === Op.LD ? hi : x.op === Op.LBU || x.op === Op.LHU || x.op === Op.LWU ? '0' : 'v >> 31';
        return h === 'v >> 31' ? `{ const v = ${lo}; ${x.XL(x.rd)} = v; ${x.XH(x.rd)} = v >> 31; }` : `${x.XH(x.rd)} = ${h}; ${x.XL(x.rd)} = ${lo};`;
      };
      const rd8 = x.op === Op.LB ? '(KU8[q] << 24) >> 24' : 'KU8[q]';
      const rd16 = x.op === Op.LH ? '(KU16[q >> 1] << 16) >> 16' : 'KU16[q >> 1]';
      const hit = size === 8 ? put('KI32[q >> 2]', 'KI32[(q >> 2) + 1]') : put(size === 1 ? rd8 : size === 2 ? rd16 : 'KI32[q >> 2]', '');
      const slow = `${this.around(`const r = mcall(${CACHE_CALLS[sh.method]}, mem, a, 0, 0);`)} if (PF.e !== undefined) ${x.fx} ${put('r', 'mem.hi')}`;
      const valid = `(KST[sl] & ${STATE_MASK}) !== 0`;
      src = `{ ${pre} ` +
        `K: { ${tr} ${find} if (${valid}) { ${tick} ${hit} lim -= ${c.l1Lat}; break K; } } } ` +
        `${late} mem.pc = ${x.pc}; { ${slow} } lim -= mem.lastLatency; ${x.check} } }`;
    } else {
      u.add('pages');
      const [lo, hi] = sh.fp ? [`FW[${d}]`, `FW[${d + 1}]`] : [x.L(x.rs2), x.H(x.rs2)];
      const write = size === 1 ? `KU8[q] = ${lo};` : size === 2 ? `KU16[q >> 1] = ${lo};` : size === 4 ? `KI32[q >> 2] = ${lo};`
        : `KI32[q >> 2] = ${lo}; KI32[(q >> 2) + 1] = ${hi};`;
      const slow = `${this.around(`mcall(${CACHE_CALLS[sh.method]}, mem, a, ${lo}, ${size === 8 ? hi : 0});`)} if (PF.e !== undefined) ${x.fx}`;
      const em = this.count(c.localEM);
      // Solo: the method's end state with plain writes. Else CacheMemory.writeHit's claim (M or E
      // -> M|BUSY, here with HELD: the region's own), taken at the region call's first store to
      // the line and kept for its later ones (held), released at the next call out or exit.
      const claim = c.solo
        ? `const s = KST[sl]; if (s === ${M} || s === ${E}) { if (s === ${E}) { ${em} KST[sl] = ${M}; }`
        : `const s = KST[sl]; if (s === ${HELD_M} || ((s === ${M} || s === ${E}) && Atomics.compareExchange(KST, sl, s, ${HELD_M}) === s)) { ` +
          `if (s !== ${HELD_M}) { if (s === ${E}) ${em} if (kh === ${HOLD_CAP}) kh = KUNHOLD(KST, KHL, kh); KHL[kh++] = sl; }`;
      src = `{ ${pre} ` +
        `K: { ${tr} if (KPAGES[p >>> 12] === 0) { ${find} ${claim} ${tick} ${write} lim -= ${c.storeHitLat}; break K; } } } } ` +
        `${late} mem.pc = ${x.pc}; ${slow} lim -= mem.lastLatency; if (st[3] !== ep) ${x.exit} ${x.check} } }`;
    }
    return { src, stores: store, fp: sh.fp };
  }

  /**
   * The fetch access as the pc at `pc` enters a new fetch block (Hart.fetchBlock, then
   * CacheMemory.fetchAccess): inline when the pc's line is the last fetch access's (nothing
   * counted) or an L1i hit by the way hint (the L1i hit's stamp and counter), else the method.
   * Leaves fl the new fetch block. Undefined (the caller calls the method) where the
   * instruction may straddle two lines, or for a pc bare mode's check would refuse.
   */
  fetch(pc: number): string | undefined {
    const c = this.c, u = this.used;
    const span = c.lineBytes, shift = c.lineShift;
    if ((pc & (span - 1)) === span - 2) return undefined;
    if (c.bare !== undefined && (pc < c.bare.lo || pc >= c.bare.hi)) return undefined;
    const vline = pc >>> shift, lo = pc & -span;
    for (const k of ['itag', 'islot', 'istamp', 'ihint', 'st']) u.add(k);
    let ln: string;
    if (c.bare !== undefined) ln = `${vline}`;
    else {
      // CacheMemory.fetchAccess's TLB hit; another answer takes the method (-2 is no line).
      u.add('fe');
      const j = ((pc >>> 12) & TLB_MASK) << 1;
      ln = `KFE[${j}] === ${pc - (pc & 0xfff)} ? (${pc} + KFE[${j + 1}]) >>> ${shift} : -2`;
    }
    const hit = (i: string) => `kfl = ${vline}; KISTAMP[${i}] = ++kic; ${this.count(C_L1I_HITS)}`;
    // A site that hit since the last call out (kg counts them) finds the line at the same L1i
    // entry and L2 slot: only this core's methods change its tags and move its lines, and the
    // inline paths neither evict nor invalidate. Solo, nothing else runs on this thread between
    // calls, so the line is still valid; with other workers a snoop may have invalidated it.
    const k = this.sites++;
    const again = c.solo ? `kg${k} === kg` : `kg${k} === kg && (KST[ks${k}] & ${STATE_MASK}) !== 0`;
    const full = `const ln = ${ln}, i = KIHINT[ln & ${c.hintMask}]; ` +
      `if (KITAG[i] === ln && (KST[KISLOT[i]] & ${STATE_MASK}) !== 0) { ${hit('i')} kv${k} = i; kg${k} = kg;${c.solo ? '' : ` ks${k} = KISLOT[i];`} } ` +
      `else { ${this.fetchCall(pc)} }`;
    return `if (kfl !== ${vline}) { if (${again}) { ${hit(`kv${k}`)} } else { ${full} } } fl = ${lo};`;
  }

  /** Hart.fetchBlock(pc) from generated code: fetchLo (fl) and the ticked state written back first (pc: a literal or a local's name). */
  fetchCall(pc: number | string): string {
    return `${this.unholdAll()} h.fetchLo = fl; ${SAVE_I} lim -= h.fetchBlock(${pc}); ${LOAD_I} kg++;`;
  }

  /** A call of a memory method (a load's or store's, an AMO): the L1d locals written back around it. */
  around(call: string): string {
    return `${this.unholdAll()} ${SAVE_D} ${call} ${LOAD_D} kg++;`;
  }

  /**
   * The top of a looping region's loop: claims held over HOLD_LOOPS passes are released, so a
   * loop that runs the slice out (a spin on a flag after a store) keeps a line another worker
   * waits for at most that long.
   */
  loopHead(): string {
    return this.c.solo ? '' : `if (kh !== 0 && ++kt === ${HOLD_LOOPS}) { kh = KUNHOLD(KST, KHL, kh); kt = 0; }`;
  }

  /**
   * Releases the claims the region call holds (not solo): before every call out (the methods
   * and the fetch path see no held claim; a transaction, which may wait for another worker's
   * snooper, is never made holding one, so no two workers wait for each other) and at exit.
   */
  private unholdAll(): string {
    return this.c.solo ? '' : 'if (kh !== 0) kh = KUNHOLD(KST, KHL, kh);';
  }

  /** A hit counter's increment (its local, added to ctr at the region's exit). */
  private count(slot: number): string {
    this.counters.add(slot);
    return `kn${slot}++;`;
  }

  /** The region's hoisted arrays and the ticked state's locals (every region of a cached hart declares them). */
  prologue(): string {
    for (const k of ['ctr', 'left', 'clock', 'iclock', 'fline']) this.used.add(k);
    if (!this.c.solo) for (const k of ['st', 'hl', 'unhold']) this.used.add(k);
    return [...this.used].map((k) => `const K${k.toUpperCase()} = env.${k};`).join(' ') +
      ` let ${(LOAD_D + LOAD_I).replace(/;/g, ',').replace(/,$/, '')}, kg = 0${this.c.solo ? '' : ', kh = 0, kt = 0'};` +
      [...this.counters].map((k) => ` let kn${k} = 0;`).join('') +
      Array.from({ length: this.sites }, (_, k) => ` let kv${k} = 0, kg${k} = -1${this.c.solo ? '' : `, ks${k} = 0`};`).join('');
  }

  /** At every exit: the counts added, the locals written back. */
  epilogue(): string {
    const add = [...this.counters].map((k) => `KCTR[${k}] += kn${k};`).join(' ') +
      (this.dHits ? ` KCTR[${C_L1D_HITS}] += ${[C_LOADS, C_STORES].filter((k) => this.counters.has(k)).map((k) => `kn${k}`).join(' + ')};` : '');
    // fl is always the hart's fetchLo to be (fetchBlock, the only call that sets it, does not throw).
    return ` ${this.unholdAll()} ${add} ${SAVE_D} ${SAVE_I} h.fetchLo = fl;`;
  }
}
