// One hart's translated regions (--engine jit): a direct-mapped table on the entry pc's parcel
// index (the decode cache's), execution counts per entry pc, invalidation and a bounded code
// cache.
//
// A region lives exactly as long as the decode-cache entries it was read from: the decode
// cache tells (DecodeListener) of every entry it drops (a store into decoded code, fence.i, the
// kernel's flushes) and Hart.decodeAt of every entry it replaces, and the regions holding that
// instruction go. So while a region is in the table the interpreter would find every one of its
// instructions decoded (it would not decode, hence not fetch: the same L1i and bus traffic),
// and the code it runs is the code the interpreter would run.
//
// The code cache is bounded (REGIONS_CAP live regions, SOURCE_CAP characters of their source):
// a translation that would pass either drops every region first (as qemu's tb_flush does);
// the interpreter runs on meanwhile and hot code is translated again.

import { DECODE_MASK, DECODE_SIZE, emptyTags, type DecodeCache, type DecodeListener } from '../decode_cache.ts';
import type { HartMemory } from '../memory.ts';
import { pending } from './faults.ts';
import { memView, type MemEnv, type MemView } from './mem_view.ts';
import { TAIL_THRESHOLD, Tails, type Tail } from './tail.ts';
import { blockCost, compileSource, readRegion, regionBlocks, regionSource, type BlockHart, type RegionFn } from './translate.ts';
import { slotArray } from './slot_array.ts';
import { hostTable } from '../host_tables.ts';
import { CTR } from '../../shared/coherence/stats.ts';
import { adoptable, publish, regionShare, regionWords, shapeKey, shareCheck, type SharedRegion } from './region_share.ts';

/** Block entries seen this many times are translated. */
export const JIT_THRESHOLD = 32;
/** Translations of one table slot before it stays interpreted (code that keeps being dropped). */
const RETRANSLATE_CAP = 16;
/**
 * Coherence-bound code waits (contended): a block that turns hot while its hart has had more
 * than one coherence miss (HITM load or store, or BusUpgr) per CONTENDED_INSNS instructions
 * since the last such check is not translated yet; it is counted again to a threshold twice as
 * high, up to THRESHOLD_SHIFT_CAP doublings. There each instruction waits on a bus transaction
 * of ~0.7 us of host time, and the translation's compiles (and V8's deopts on the hit path
 * under contention) cost more than they save: counters_packed, 4 cores, took 174 ms of host
 * time translated against 116 ms interpreted, and the gap grew with the run's length.
 */
const CONTENDED_INSNS = 32;
/**
 * A contended verdict stands for this many of the hart's instructions before it is taken
 * again: a hart just out of a contended loop runs short code (a barrier wait, the printing at
 * the end) whose translation does not pay. counters_packed's core 0 translated 7 printf regions
 * in its last 3,400 instructions (~10 ms of a 0.12 s run); on 2 workers its barrier wait spins
 * for tens of thousands of instructions, and a window of 16,384 still let 4 regions through
 * (packed on 2 workers: 249 ms against the interpreter's 195; none and 205 against 207 at 65,536).
 */
const CONTENDED_WINDOW = 65536;
const THRESHOLD_SHIFT_CAP = 12;
/** Jit.contended's verdicts. */
const UNCONTENDED = 0, CONTENDED = 1, STANDS = 2;
type Contention = typeof UNCONTENDED | typeof CONTENDED | typeof STANDS;
/** SMPEMU_JIT_DEFER=0: contended code is translated as any other (tests of the translator's contended paths). */
const deferContended = () => process.env.SMPEMU_JIT_DEFER !== '0';
/**
 * Budget-less calls of a new region (Jit.warm). V8 gives a function its feedback vector only
 * once it has run a while (--interrupt-budget-factor-for-feedback-allocation, 8 in Node 20: times
 * its bytecode size), and until then what runs records no feedback: measured on compute_long's
 * regions, 20 calls left the epilogue without feedback, 28 did not. A call costs a few hundred
 * bytecodes.
 */
const WARM_CALLS = 64;
/** The code cache's bounds, per hart. */
export const REGIONS_CAP = 2048;
export const SOURCE_CAP = 16 << 20;
/** covers' references before a flush (dead regions keep theirs until then). */
const COVER_REFS_CAP = 1 << 20;
/**
 * Region functions that have had their warm-up calls. A function is shared by every hart of the
 * thread that translates the same source (compileSource), and V8 keeps its feedback per
 * function: the second hart's calls would warm nothing.
 */
const warmedFns = new WeakSet<RegionFn>();

interface Region {
  slot: number;
  alive: boolean;
  chars: number;
}

/** What the jit section of a run's stats reports (per hart). */
export interface JitStats {
  regions: number;
  sourceChars: number;
  translated: number;
  drops: number;
  flushes: number;
  /** Blocks' tails compiled (tail.ts: cores sharing a thread, slices ending mid-block). */
  tails: number;
  /** Of translated, regions taken as another hart of the thread built them (region_share.ts). */
  adopted: number;
  /** Of translated, regions whose function this hart warmed (the others' was warm already). */
  warmed: number;
  /** Hot blocks left to the interpreter a while longer: coherence-bound code (contended). */
  deferred: number;
}

export class Jit implements DecodeListener {
  /** Entry pc of the region in each slot, or empty (emptyTags). */
  readonly tag = emptyTags(DECODE_SIZE);
  /** The entry pc of the region in each slot when that region loops (readRegion's heads), else empty. */
  readonly heads = emptyTags(DECODE_SIZE);
  /** What entering the region in each slot needs of the budget (its entry block's cost). */
  readonly len = hostTable(Int32Array, DECODE_SIZE);
  /** Per slot, its region's function and record: allocated at the first translation (two 32,768-slot arrays on the heap set off a scavenge at every worker's start). */
  fns: (RegionFn | undefined)[] = slotArray<RegionFn>(1);
  private regions: (Region | undefined)[] = slotArray<Region>(1);
  /** Per parcel slot: some region may hold the instruction there (cleared only by a flush). */
  private readonly cov = hostTable(Uint8Array, DECODE_SIZE);
  /** Instruction pc -> the regions holding it. */
  private readonly covers = new Map<number, Region[]>();
  /** References in covers (dead regions' too, until their pcs are dropped or a flush). */
  private coverRefs = 0;
  private readonly ctag = emptyTags(DECODE_SIZE);
  private readonly cnt = hostTable(Int32Array, DECODE_SIZE);
  private readonly tries = hostTable(Uint8Array, DECODE_SIZE);
  /** Per slot, the doublings of its threshold (contended). */
  private readonly shift = hostTable(Uint8Array, DECODE_SIZE);
  /** The hart's cache counters (caches only, unless SMPEMU_JIT_DEFER=0): coherence misses, for contended. */
  private readonly ctr: Float64Array | null;
  /** Coherence misses and instructions at the last contended check, and its verdict. */
  private lastMisses = 0;
  private lastInsns = 0;
  private wasContended = false;
  /** Hot blocks left to the interpreter a while longer (contended). */
  deferred = 0;
  /**
   * The hart's instruction count (instret + the stretch's n) until which a contended verdict
   * stands: no block is counted or translated before it, so Hart.run enters only regions.
   */
  quietUntil = 0;
  /**
   * The region calling convention (translate.ts): [0] n, [1] lim, [2] pc of a fault, [3] epoch
   * (moves whenever a region is dropped: a region that stored checks it), [4] 1 after a fault,
   * [5] the instruction a block's tail starts at and [6] its pc (tail.ts).
   */
  readonly st = new Int32Array(8);
  readonly view: MemView;
  /** The memory's arrays for the inline paths (translate.ts MemEnv). */
  readonly env: MemEnv;
  private readonly fetchSpan: number;
  /** The regions the thread's harts of this memory shape built (region_share.ts). */
  private readonly share: Map<number, SharedRegion>;
  /** Blocks' tails by the slot of each instruction (tail.ts). */
  private readonly tails = new Tails();
  /** Per slot, the pc a tail may run from (the tails' tags: Hart.run's look before a quiet call). */
  readonly tailTag = this.tails.tag;
  /** Tails compiled. */
  tailsCompiled = 0;
  /** Regions translated and dropped, code-cache flushes, and what is live. */
  translated = 0;
  adopted = 0;
  warmed = 0;
  drops = 0;
  flushes = 0;
  live = 0;
  liveChars = 0;

  constructor(
    private readonly dc: DecodeCache,
    mem: HartMemory,
    private readonly threshold = JIT_THRESHOLD,
    private readonly regionsCap = REGIONS_CAP,
    private readonly sourceCap = SOURCE_CAP,
    private readonly tailThreshold = TAIL_THRESHOLD,
  ) {
    dc.jit = this;
    this.fetchSpan = mem.fetchSpan;
    this.view = memView(mem);
    this.env = this.view.env;
    this.ctr = deferContended() ? this.view.cache?.ctr ?? null : null;
    this.share = regionShare(shapeKey(this.view, this.fetchSpan));
  }

  /**
   * Runs translated code from pc while there is some (or pc just became hot) and budget is left
   * (st[1] - st[0]: lim and n, in and out): the region at pc when its entry block fits, else,
   * when the stretch ends inside the block holding pc, that block's tail (tail.ts) up to the
   * boundary; returns the pc the interpreter goes on from. `resume`: a stretch's start, perhaps
   * mid-block (the last one ended there): the tail runs whether the stretch ends in the block or
   * not, and pc is no arrival to count. A small function of its own, so that V8 optimizes the
   * dispatch long before it has compiled Hart.run, the whole interpreter.
   */
  enter(pc: number, xl: Int32Array, xh: Int32Array, mem: HartMemory, h: BlockHart, resume: boolean): number {
    const st = this.st, tag = this.tag, len = this.len, env = this.env, tails = this.tails;
    let counts = !resume;
    for (;;) {
      const i = (pc >>> 1) & DECODE_MASK;
      let fn: RegionFn;
      let tail = false;
      if ((tag[i] === pc || (counts && this.count(pc, i, mem, h))) && st[1] - st[0] >= len[i]) fn = this.fns[i]!;
      else {
        // No region fits: the tail of pc's block, to the boundary (elsewhere the interpreter
        // goes on: tails only where a stretch ends or starts, so few are compiled).
        if (tails.tag[i] !== pc) return pc;
        const t = tails.tail[i];
        if (st[0] >= st[1] || (counts && st[1] - st[0] >= tails.rest[i]) || !t!.owner.alive) return pc;
        if (t!.fn !== undefined) fn = t!.fn;
        else if (++t!.wants >= this.tailThreshold) fn = this.compileTail(t!);
        else return pc;
        st[5] = tails.idx[i];
        st[6] = pc;
        tail = true;
      }
      counts = true;
      try {
        pc = fn(xl, xh, mem, st, h, env);
      } catch (e) {
        // A region leaves a fault through pending.e (faults.ts), never by a throw.
        throw new Error('BUG: a translated region threw', { cause: e });
      }
      if (pending.e !== undefined) {
        // A wrapped call faulted (faults.ts): the region left at that instruction.
        const e = pending.e;
        pending.e = undefined;
        st[2] = pc;
        st[4] = 1;
        throw e;
      }
      // A tail that stopped at the stretch's end: pc is no arrival either.
      if (tail && st[0] >= st[1]) return pc;
    }
  }

  private compileTail(t: Tail): RegionFn {
    const src = regionSource({ path: [t.block], detours: new Map(), loops: false }, this.fetchSpan, this.view, true);
    t.fn = compileSource(src, t.block[0].pc);
    // Its source counts with its region's (dropped with it).
    t.owner.chars += src.length;
    this.liveChars += src.length;
    this.tailsCompiled++;
    return t.fn;
  }

  /**
   * Counts an arrival at entry pc (slot i) with no region there; true when that made it hot
   * and it is now translated.
   */
  count(pc: number, i: number, mem: HartMemory, h: BlockHart): boolean {
    // A contended verdict whose window ran out is measured again at once, not at the next block
    // to reach its threshold (doubled while contended: up to 131,072 arrivals away), so that
    // Hart.run's quiet stretches (quietUntil) go on while the hart stays contended.
    if (this.wasContended && h.instret + this.st[0] >= this.quietUntil) this.contended(h);
    if (this.ctag[i] !== pc) {
      this.ctag[i] = pc;
      this.cnt[i] = 1;
      return false;
    }
    if (++this.cnt[i] < this.threshold << this.shift[i] || this.tries[i] >= RETRANSLATE_CAP) return false;
    const v = this.ctr !== null ? this.contended(h) : UNCONTENDED;
    if (v !== UNCONTENDED) {
      this.cnt[i] = 0;
      // Misses counted just now back the block off; a verdict standing out its window does not
      // (doubling through the window would leave it interpreted for several windows more).
      if (v === CONTENDED && this.shift[i] < THRESHOLD_SHIFT_CAP) this.shift[i]++;
      this.deferred++;
      return false;
    }
    return this.translate(pc, i, mem, h);
  }

  /**
   * CONTENDED when the hart's coherence misses per instruction since the last check are over
   * 1/CONTENDED_INSNS; that verdict then STANDS until CONTENDED_WINDOW instructions have passed.
   */
  private contended(h: BlockHart): Contention {
    const c = this.ctr!;
    const misses = c[CTR.hitmLoads] + c[CTR.hitmStores] + c[CTR.upgrades];
    const insns = h.instret + this.st[0];
    const dm = misses - this.lastMisses, di = insns - this.lastInsns;
    if (this.wasContended && di < CONTENDED_WINDOW) return STANDS;
    this.lastMisses = misses;
    this.lastInsns = insns;
    this.wasContended = dm * CONTENDED_INSNS > di;
    if (this.wasContended) this.quietUntil = insns + CONTENDED_WINDOW;
    return this.wasContended ? CONTENDED : UNCONTENDED;
  }

  private translate(pc: number, i: number, mem: HartMemory, h: BlockHart): boolean {
    const ent = this.dc.ent;
    // Another hart of this thread built the region at pc from the same decoded instructions:
    // this one's would be the same code (region_share.ts).
    let s = adoptable(this.share, pc, ent);
    if (s !== undefined) {
      if (shareCheck.on && regionSource(s.plan, this.fetchSpan, this.view) !== s.src) {
        throw new Error(`BUG: region ${pc.toString(16)} adopted from another hart emits other code for this one`);
      }
      this.adopted++;
    } else {
      const plan = readRegion(ent, pc, this.heads, this.tag);
      if (plan.path.length === 0) {
        this.tries[i] = RETRANSLATE_CAP; // starts with an op the translator leaves to the interpreter
        return false;
      }
      const src = regionSource(plan, this.fetchSpan, this.view);
      const blocks = regionBlocks(plan);
      s = { entry: pc, plan, blocks, words: regionWords(blocks, ent), src, fn: compileSource(src, pc), len: blockCost(plan.path[0], this.view) };
      publish(this.share, s);
    }
    const src = s.src, fn = s.fn, blocks = s.blocks;
    if (this.live + 1 > this.regionsCap || this.liveChars + src.length > this.sourceCap || this.coverRefs > COVER_REFS_CAP) {
      this.flushTranslations();
      this.flushes++;
    }
    this.cnt[i] = 0;
    this.tries[i]++;
    if (this.regions.length < DECODE_SIZE) {
      this.fns = slotArray<RegionFn>(DECODE_SIZE);
      this.regions = slotArray<Region>(DECODE_SIZE);
    }
    const old = this.regions[i];
    if (old !== undefined && old.alive) {
      // Another entry pc on this slot: its region is no longer reachable.
      old.alive = false;
      this.live--;
      this.liveChars -= old.chars;
    }
    const r: Region = { slot: i, alive: true, chars: src.length };
    if (!warmedFns.has(fn)) {
      this.warm(fn, pc, mem, h);
      warmedFns.add(fn);
      this.warmed++;
    }
    this.fns[i] = fn;
    this.regions[i] = r;
    this.tag[i] = pc;
    this.heads[i] = s.plan.loops ? pc : -1;
    this.len[i] = s.len;
    // Tails off (a lone core, or TAIL_THRESHOLD's Infinity): none would ever compile, so no table.
    if (this.tailThreshold !== Infinity) this.tails.add(blocks, r, (b) => blockCost(b, this.view));
    for (const b of blocks) {
      for (const x of b) {
        this.cov[(x.pc >>> 1) & DECODE_MASK] = 1;
        const list = this.covers.get(x.pc);
        if (list === undefined) this.covers.set(x.pc, [r]);
        else if (list[list.length - 1] !== r) list.push(r);
        this.coverRefs++;
      }
    }
    this.translated++;
    this.live++;
    this.liveChars += src.length;
    return true;
  }

  /**
   * Calls a new region WARM_CALLS times with nothing left of the budget (n = lim = 0), on
   * scratch registers and state: each call leaves at its first budget check, before any
   * instruction, having run only the prologue and epilogue (whose write-backs store what they
   * read). So the epilogue's stores have type feedback before V8 optimises the region: a hot
   * loop's first call is compiled on stack (OSR) before it ever returned, and that code,
   * compiled without feedback for the epilogue, deoptimized at every loop exit (V8 keeps OSR
   * code through eager deopts: 1,464 deopts of one memset region in compute_long).
   */
  private warm(fn: RegionFn, pc: number, mem: HartMemory, h: BlockHart): void {
    const st = Jit.scratchSt;
    for (let k = 0; k < WARM_CALLS; k++) {
      st.fill(0);
      st[3] = this.st[3];
      const out = fn(Jit.scratchXl, Jit.scratchXh, mem, st, h, this.env);
      if (out !== pc || st[0] !== 0 || st[1] !== 0) throw new Error(`BUG: region ${pc.toString(16)} ran with no budget`);
    }
  }

  private static readonly scratchSt = new Int32Array(8);
  private static readonly scratchXl = new Int32Array(33);
  private static readonly scratchXh = new Int32Array(33);

  /** The decode entry of the instruction at pc is gone: so are the regions that hold it. */
  dropped(pc: number): void {
    if (this.cov[(pc >>> 1) & DECODE_MASK] === 0) return;
    const list = this.covers.get(pc);
    if (list === undefined) return;
    this.covers.delete(pc);
    for (const r of list) if (r.alive) this.drop(r);
  }

  flushed(): void {
    this.flushTranslations();
    this.ctag.fill(-1);
  }

  /** Every region goes (fence.i, or the code cache is full). */
  private flushTranslations(): void {
    this.tag.fill(-1);
    this.heads.fill(-1);
    this.fns.fill(undefined);
    for (let i = 0; i < this.regions.length; i++) {
      const r = this.regions[i];
      if (r !== undefined) r.alive = false;
    }
    this.regions.fill(undefined);
    this.cov.fill(0);
    this.tails.flush();
    this.covers.clear();
    this.coverRefs = 0;
    this.live = 0;
    this.liveChars = 0;
    this.st[3]++;
  }

  private drop(r: Region): void {
    r.alive = false;
    const i = r.slot;
    if (this.regions[i] === r) {
      this.tag[i] = -1;
      this.heads[i] = -1;
      this.fns[i] = undefined;
      this.regions[i] = undefined;
    }
    this.live--;
    this.liveChars -= r.chars;
    this.drops++;
    this.st[3]++;
  }

  stats(): JitStats {
    return { regions: this.live, sourceChars: this.liveChars, translated: this.translated, adopted: this.adopted, warmed: this.warmed, drops: this.drops, flushes: this.flushes, tails: this.tailsCompiled, deferred: this.deferred };
  }
}
