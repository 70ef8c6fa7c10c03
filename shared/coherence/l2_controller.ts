// One core's L2 controller: its L2 (the coherence point), its side of the snooping
// bus and the fills of the shared inclusive L3 from RAM. The bus is sharded by L3
// set: holding a set's lock serializes every transaction on the lines of that
// set (transaction serialization). The requester snoops by itself: under the
// lock it reads and changes the other cores' line states and copies their data
// through the shared arrays, guided by the inclusive L3's sharer mask; no other
// worker needs to run. A core changes its own tags only under the lock of the
// line it fills or evicts, and evicts before it fills, so it never holds two locks.
// A line under another core's LR/SC hold (cores/memory.ts) is never snooped: the
// transaction backs out untouched, unlocks, waits for the hold to end and retries.
// Every request returns its result in one record the controller owns (LineAccess): the
// slot, the latency, where the data came from, whether another core held a copy, and the
// line it evicted to make room (the caller purges its L1 copies), so nothing travels on the side.

import { spinLock, spinUnlock } from '../sync/spinlock.ts';
import { CoherenceViews, copyLine } from './layout.ts';
import {
  A_BREAK_RESERVATION,
  A_HIT,
  A_SUPPLY_DATA,
  A_WRITEBACK,
  BUSY,
  BusRd,
  BusRdX,
  BusUpgr,
  E,
  E_OR_S,
  EVENTS,
  Evict,
  I,
  M,
  missingPair,
  PrRd,
  PrWr,
  ProtocolTable,
  S,
  STATE_MASK,
} from './mesi.ts';
import { CAUSE_LOCAL, CAUSE_REMOTE, CTR, INV_TO_BASE, transitionIndex, type Cause } from './stats.ts';

// Counter indices as module constants: a property of an imported object is a load that needs
// type feedback, so one on a path first taken mid-run (an L3 miss, an upgrade) deoptimized the
// compiled transaction; a module constant needs none.
const {
  backInvalidations: C_BACK_INVALIDATIONS,
  c2cTransfers: C_C2C_TRANSFERS,
  gets: C_GETS,
  getx: C_GETX,
  hitmLoads: C_HITM_LOADS,
  hitmStores: C_HITM_STORES,
  invalidationsSent: C_INVALIDATIONS_SENT,
  l2Hits: C_L2_HITS,
  l2Misses: C_L2_MISSES,
  l3Hits: C_L3_HITS,
  l3Misses: C_L3_MISSES,
  ramWritebacks: C_RAM_WRITEBACKS,
  upgrades: C_UPGRADES,
  writebacks: C_WRITEBACKS,
} = CTR;

/** Injected protocol bugs (issue: coherence stress testing), off in normal runs. */
export interface BusMutations {
  /** Forget to set the requester's bit in the L3 sharer mask on a fill. */
  skipSharerUpdate?: boolean;
  /** Snooped invalidations leave LR reservations standing. */
  keepReservation?: boolean;
}

/** RAM as the bus sees it (fills and write-backs of L3 lines). */
export interface BusRam {
  u8: Uint8Array;
}

/** Where the data of an access came from (the c2c report's columns). */
export const SRC_L1 = 0;
export const SRC_L2 = 1;
export const SRC_L3 = 2;
export const SRC_RAM = 3;
export const SRC_HITM = 4;

/**
 * The result of readLine/writeLine. One record per controller, overwritten by the next
 * request: no allocation per access. Read it before the next request.
 */
export class LineAccess {
  /** Global L2 slot holding the line. */
  slot = -1;
  /** Cycles the request took beyond L1. */
  latency = 0;
  /** SRC_L2, SRC_L3, SRC_RAM or SRC_HITM. */
  source = SRC_L2;
  /** The transaction found the line in another core's cache (a coherence event). */
  snooped = false;
  /** A line this core lost from its L2 making room (its L1 copies must go), or -1. */
  evicted = -1;
}

/** A hold lasts a few simulated cycles of a running core; waiting this long in host time is a bug. */
const HOLD_WAIT_LIMIT_MS = 10_000;

export class L2Controller {
  /** The result of the last readLine / writeLine. */
  private readonly out = new LineAccess();
  private readonly l2Lat: number;
  private readonly l3Lat: number;
  private readonly ramLat: number;
  private readonly hitmLat: number;
  private readonly selfBit: number;
  /** LRU stamps of this core's L2 (private: only this core reorders its L2). */
  readonly l2Stamp: Float64Array;
  /**
   * Waits until core `holder` no longer holds `line` (an LR/SC hold), outside any lock. The
   * default spins, then parks briefly: the holder is running (cores/memory.ts, rule 3). Tests
   * that drive several cores on one thread replace it (the holder must act for the wait to end).
   */
  waitForHold: (holder: number, line: number) => void = (holder, line) => this.spinWhileHeld(holder, line);
  /**
   * Parallel mode: the cores other workers host (bit k: core k), and how many of this core's
   * transactions changed, took data from, or waited for one of their copies since the worker
   * last took the count (the adaptive quantum, cores/quantum.ts). Host-side: not a stat.
   */
  crossMask = 0;
  crossings = 0;
  /**
   * cores/interleave.ts's sharing sum of this core's counters (cache-to-cache transfers and
   * snoops that changed another core's state, less the L3's back-invalidations, whose remote
   * transition of a valid copy they cancel: so only transact moves it), kept as it moves: the
   * adaptive interleave looks at it after every slice, and summing 13 counters there cost ~3%
   * of counters_packed on 2 workers (perf). Host-side: not a stat.
   */
  sharing = 0;
  /** The hold that made the last transaction back out. */
  private blocker = -1;
  private blockedLine = -1;
  /** The hold this core flagged as waited for (wantIndex), until its transaction is done. */
  private wantedFrom = -1;
  private wantedLine = -1;

  constructor(
    readonly v: CoherenceViews,
    readonly core: number,
    readonly table: ProtocolTable,
    private readonly ram: BusRam,
    readonly ctr: Float64Array,
    private readonly mut: BusMutations = {},
  ) {
    const g = v.geometry;
    this.l2Lat = g.l2.latency;
    this.l3Lat = g.l3.latency;
    this.ramLat = g.ramLatency;
    this.hitmLat = g.hitmLatency;
    this.selfBit = 1 << core;
    // transitionIndex(cores, 0, 0, 0): transition() adds cause, from and to to it, with no
    // geometry lookup per counted transition.
    this.transitions = transitionIndex(g.cores, CAUSE_LOCAL, 0, 0);
    this.l2Stamp = new Float64Array(v.l2Lines);
    this.ramI32 = new Int32Array(ram.u8.buffer, ram.u8.byteOffset, ram.u8.byteLength >>> 2);
    this.touched = v.touched.subarray(core * v.touchedStride, core * v.touchedStride + v.l3Sets);
  }
  private readonly touched: Uint8Array;
  /** Where this core's transition counters start (stats.ts transitionIndex). */
  private readonly transitions: number;
  private readonly ramI32: Int32Array;

  private lock(line: number): number {
    const set = line & (this.v.l3Sets - 1);
    spinLock(this.v.busLock, this.v.lockIndex(set));
    // For the invariant checker: this set may have changed (one byte, this core's own map).
    this.touched[set] = 1;
    return set;
  }

  private unlock(set: number): void {
    spinUnlock(this.v.busLock, this.v.lockIndex(set));
  }

  /**
   * Claims another core's copy for a snoop: waits out the owner's data claim, then sets
   * BUSY itself, so the owner's lock-free fast paths (store hit in M, E -> M) fail and take
   * the bus until the snooper stores the new state. Returns the state. Under the line's lock.
   * The free claim here (what V8 inlines into transact), the wait apart: a call made on
   * every contended claim, rare enough that V8 does not inline it, so the wait's Atomics.wait,
   * first made after TurboFan compiled transact, deoptimizes only snoopClaimWait.
   */
  private snoopClaim(slot: number): number {
    const st = this.v.l2State;
    const s = Atomics.load(st, slot);
    if ((s & BUSY) === 0 && Atomics.compareExchange(st, slot, s, s | BUSY) === s) return s;
    return this.snoopClaimWait(slot);
  }

  /** snoopClaim when the copy was claimed (BUSY) or changed under it: spin, then park, until it is ours. */
  private snoopClaimWait(slot: number): number {
    const st = this.v.l2State;
    for (let spins = 0; ; ) {
      const s = Atomics.load(st, slot);
      const long = spins++ > 1000;
      if ((s & BUSY) === 0) {
        if (Atomics.compareExchange(st, slot, s, s | BUSY) === s) return s;
      } else if (long) {
        // The owner holds BUSY for one store (the interpreter), or for the rest of a translated
        // region's call, at most 64 passes of its loop (cores/jit/mem_caches.ts's held claim).
        Atomics.wait(st, slot, s, 0.05);
      }
    }
  }

  /**
   * Publishes this core's LR/SC hold on `line`; call while holding the line's claim in M.
   * Declines (false) while another core waits for the line because of an earlier hold: a
   * core spinning on LR would otherwise hold the line for ever, one window after another.
   */
  hold(line: number): boolean {
    const r = this.v.reservation;
    if (Atomics.load(r, this.v.wantIndex(this.core)) === line) return false;
    Atomics.store(r, this.v.holdIndex(this.core), line);
    return true;
  }

  /** Ends this core's LR/SC hold, if any. */
  unhold(): void {
    Atomics.store(this.v.reservation, this.v.holdIndex(this.core), -1);
  }

  /** Whether core k holds an LR/SC hold on `line`. */
  private heldBy(k: number, line: number): boolean {
    return Atomics.load(this.v.reservation, this.v.holdIndex(k)) === line;
  }

  /**
   * After a transaction backed out: give up this core's own hold (no cycle of waiters), say
   * that the line is waited for (the holder's next LR of it opens no hold), then wait.
   */
  private awaitHold(): void {
    this.unhold();
    if (this.blocker < 0) return;
    const r = this.v.reservation;
    if (this.wantedFrom !== this.blocker || this.wantedLine !== this.blockedLine) {
      this.served();
      this.wantedFrom = this.blocker;
      this.wantedLine = this.blockedLine;
    }
    Atomics.store(r, this.v.wantIndex(this.blocker), this.blockedLine);
    this.waitForHold(this.blocker, this.blockedLine);
  }

  /** The transaction that waited is done: withdraw the flag. */
  private served(): void {
    if (this.wantedFrom < 0) return;
    Atomics.compareExchange(this.v.reservation, this.v.wantIndex(this.wantedFrom), this.wantedLine, -1);
    this.wantedFrom = -1;
  }

  private spinWhileHeld(holder: number, line: number): void {
    const r = this.v.reservation;
    const i = this.v.holdIndex(holder);
    let giveUp = 0;
    for (let spins = 0; Atomics.load(r, i) === line; spins++) {
      if (spins < 2000) continue;
      Atomics.wait(r, i, line, 0.05);
      if ((spins & 255) !== 0) continue;
      // A window is a few simulated cycles of a running core: seconds of host time mean a bug.
      const now = Date.now();
      if (giveUp === 0) giveUp = now + HOLD_WAIT_LIMIT_MS;
      else if (now > giveUp) {
        throw new Error(`core ${this.core}: core ${holder}'s LR/SC hold on line 0x${(line * this.v.lineBytes).toString(16)} did not end in ${HOLD_WAIT_LIMIT_MS / 1000} s`);
      }
    }
  }

  /**
   * Clears core k's LR reservation if it names `line`. A compareExchange writes its host cache
   * line even when it fails: look first, so that a core with no reservation on the line keeps
   * that line shared with the other workers. Either k is this core, evicting, or this runs under
   * the line's lock: k's LR of it takes the line in M through a transaction on this set, so k
   * cannot reserve it between the look and the write.
   */
  private breakReservation(k: number, line: number): void {
    const r = this.v.reservation, i = this.v.reservationIndex(k);
    if (Atomics.load(r, i) === line) Atomics.compareExchange(r, i, line, -1);
  }

  /** Marks L3 slot t dirty, writing nothing when it already is (a write would move its host cache line). */
  private markL3Dirty(t: number): void {
    if (this.v.l3Dirty[t] === 0) this.v.l3Dirty[t] = 1;
  }

  private count(i: number): void {
    this.ctr[i]++;
  }

  private transition(cause: Cause, from: number, to: number): void {
    this.ctr[this.transitions + cause * 16 + from * 4 + to]++;
  }

  /** A line this core can read (out.slot); the access missed L1. */
  readLine(line: number): LineAccess {
    const slot = this.v.findL2(this.core, line);
    if (slot >= 0) return this.l2Hit(slot);
    return this.l2Miss(line, PrRd);
  }

  private l2Hit(slot: number): LineAccess {
    const out = this.out;
    this.count(C_L2_HITS);
    this.touchL2(slot);
    out.slot = slot;
    out.latency = this.l2Lat;
    out.source = SRC_L2;
    out.snooped = false;
    out.evicted = -1;
    return out;
  }

  /** Not in this core's L2: make room, then the transaction (retried while a hold is in the way). */
  private l2Miss(line: number, ev: number): LineAccess {
    this.count(C_L2_MISSES);
    const out = this.out;
    out.evicted = -1;
    const target = this.makeRoom(line);
    while (!this.transact(line, target, ev, I)) this.awaitHold();
    if (this.wantedFrom >= 0) this.served();
    this.touchL2(target);
    out.slot = target;
    return out;
  }

  /**
   * The line in M with the data claim (BUSY) held (out.slot), for a store or an atomic; the
   * caller writes and then releases with release(slot). The access missed the L1 fast path.
   */
  writeLine(line: number): LineAccess {
    const v = this.v;
    const st = v.l2State;
    for (;;) {
      const slot = v.findL2(this.core, line);
      if (slot < 0) break;
      const s = Atomics.load(st, slot);
      const state = s & STATE_MASK;
      if (state === M || state === E) {
        // Hit in M, or E -> M silently: claim it unless a snoop got there first.
        if (Atomics.compareExchange(st, slot, state, M | BUSY) === state) {
          if (state === E) this.transition(CAUSE_LOCAL, E, M);
          return this.l2Hit(slot);
        }
        continue;
      }
      if (state === S && (this.table.actions[S * EVENTS + PrWr] & A_HIT) !== 0) {
        // Only a broken protocol (a mutation) lets a store hit in S without a bus transaction.
        if (Atomics.compareExchange(st, slot, S, this.table.next[S * EVENTS + PrWr] | BUSY) === S) {
          this.transition(CAUSE_LOCAL, S, this.table.next[S * EVENTS + PrWr]);
          return this.l2Hit(slot);
        }
        continue;
      }
      if (state === S) {
        if (!this.transact(line, slot, PrWr, S)) {
          this.awaitHold(); // only once invalidated meanwhile: a held line has no S copies
          continue;
        }
        if (this.wantedFrom >= 0) this.served();
        // An upgrade: the data was already here (latency and snooped are the transaction's).
        this.count(C_L2_HITS);
        this.touchL2(slot);
        const out = this.out;
        out.slot = slot;
        out.source = SRC_L2;
        out.evicted = -1;
        return out;
      }
      break; // invalid: a miss
    }
    return this.l2Miss(line, PrWr);
  }

  /** Ends a data claim taken by writeLine. */
  release(slot: number): void {
    Atomics.store(this.v.l2State, slot, M);
  }

  /**
   * The transaction for `line` on behalf of this core, under the line's lock, which it takes
   * and releases itself (on every way out: no try/finally, one function less on the miss
   * path for V8 to compile). `slot` is where the line goes in this core's L2 (its current
   * slot when it holds it in S), `own` the requester's state (I, or S for an upgrade: read
   * again under the lock, where nobody else changes this core's copy: S stays S, or is
   * already I). Returns false, having changed nothing, when another core's LR/SC hold stands
   * in the way (blocker, blockedLine say whose).
   */
  private transact(line: number, slot: number, ev: number, own: number): boolean {
    const v = this.v;
    const tbl = this.table;
    const st = v.l2State;
    const lineBytes = v.lineBytes;
    const set = this.lock(line);
    if (own === S) own = Atomics.load(st, slot) & STATE_MASK;
    if (!tbl.has(own, ev)) {
      this.unlock(set);
      throw missingPair(this.core, line, lineBytes, own, ev);
    }
    let next = tbl.next[own * EVENTS + ev];
    const busEvent = ev === PrRd ? BusRd : own === S ? BusUpgr : BusRdX;

    // L3: find the line or bring it from RAM (evicting, with back-invalidation).
    const out = this.out;
    const t = this.l3Slot(line); // sets out.latency and out.source (L3 or RAM)
    if (t < 0) {
      this.unlock(set);
      return false;
    }
    const l3Miss = out.source === SRC_RAM;
    const l3Off = t * lineBytes;
    const myOff = slot * lineBytes;
    let supplied = false;
    let othersKeep = false;
    out.snooped = false;

    // Snoop the cores the filter names.
    let sharers = v.l3Sharers[t] & ~this.selfBit;
    while (sharers !== 0) {
      const k = 31 - Math.clz32(sharers);
      sharers &= ~(1 << k);
      const ks = v.findL2(k, line);
      if (ks < 0) {
        v.l3Sharers[t] &= ~(1 << k); // the copy is gone (invalidated earlier): tidy the filter
        continue;
      }
      const claimed = this.snoopClaim(ks);
      if (this.heldBy(k, line)) {
        // k's LR/SC hold (only on a line it has in M, the one copy): back out untouched.
        Atomics.store(st, ks, claimed);
        this.blocker = k;
        this.blockedLine = line;
        if ((this.crossMask & (1 << k)) !== 0) this.crossings++;
        this.unlock(set);
        return false;
      }
      const ksState = claimed & STATE_MASK;
      out.snooped = true;
      if (!tbl.has(ksState, busEvent)) {
        Atomics.store(st, ks, ksState);
        this.unlock(set);
        throw missingPair(k, line, lineBytes, ksState, busEvent);
      }
      const i = ksState * EVENTS + busEvent;
      const to = tbl.next[i];
      const acts = tbl.actions[i];
      if ((acts & A_SUPPLY_DATA) !== 0 && ksState === M) {
        // Cache-to-cache transfer of the dirty line (HITM).
        copyLine(v.l2Data32, myOff >> 2, v.l2Data32, (ks * lineBytes) >> 2, lineBytes >> 2);
        supplied = true;
        out.latency = this.hitmLat;
        out.source = SRC_HITM;
        this.count(ev === PrRd ? C_HITM_LOADS : C_HITM_STORES);
        this.count(C_C2C_TRANSFERS);
        this.sharing++;
        if ((acts & A_WRITEBACK) !== 0) {
          copyLine(v.l3Data32, l3Off >> 2, v.l2Data32, (ks * lineBytes) >> 2, lineBytes >> 2);
          this.markL3Dirty(t);
          this.count(C_WRITEBACKS);
        }
      }
      Atomics.store(st, ks, to); // ends the snoop claim
      if ((this.crossMask & (1 << k)) !== 0 && (to !== ksState || (acts & A_SUPPLY_DATA) !== 0)) this.crossings++;
      if (to !== ksState) {
        this.transition(CAUSE_REMOTE, ksState, to);
        this.sharing++;
      }
      if (to === I) {
        v.l3Sharers[t] &= ~(1 << k);
        this.count(C_INVALIDATIONS_SENT);
        this.count(INV_TO_BASE + k);
      } else {
        othersKeep = true;
      }
      if ((acts & A_BREAK_RESERVATION) !== 0 && !this.mut.keepReservation) this.breakReservation(k, line);
    }

    if (ev === PrRd) this.count(C_GETS);
    else if (own === S) this.count(C_UPGRADES);
    else this.count(C_GETX);
    this.count(l3Miss ? C_L3_MISSES : C_L3_HITS);
    if (next === E_OR_S) next = othersKeep ? S : E;
    // The requester's copy: data from the supplier, else from L3 (an upgrade keeps its own).
    if (own === I) {
      if (!supplied) copyLine(v.l2Data32, myOff >> 2, v.l3Data32, l3Off >> 2, lineBytes >> 2);
      // A snoop leaves the stale tag of the line it invalidated: refilling that slot writes nothing.
      if (v.l2Tag[slot] !== line) v.l2Tag[slot] = line;
    }
    if (!this.mut.skipSharerUpdate) v.l3Sharers[t] |= this.selfBit;
    this.touchL3(t, line);
    Atomics.store(st, slot, ev === PrWr ? next | BUSY : next);
    this.transition(CAUSE_LOCAL, own, next);
    this.unlock(set);
    return true;
  }

  /**
   * Frees a way for `line` in this core's L2 set, evicting the LRU line if all are valid;
   * the line it drops goes to out.evicted.
   */
  private makeRoom(line: number): number {
    const v = this.v;
    const set = line & (v.l2Sets - 1);
    const base = this.core * v.l2Lines + set * v.l2Ways;
    let victim = -1;
    let oldest = Infinity;
    for (let w = 0; w < v.l2Ways; w++) {
      const s = base + w;
      if ((Atomics.load(v.l2State, s) & STATE_MASK) === I) {
        victim = s;
        break;
      }
      if (this.l2Stamp[s - this.core * v.l2Lines] < oldest) {
        oldest = this.l2Stamp[s - this.core * v.l2Lines];
        victim = s;
      }
    }
    const old = v.l2Tag[victim];
    if (old !== -1) {
      // A valid line is evicted, under its lock. A stale tag (a snoop invalidated the slot; no
      // snooper makes an I slot valid again) stays until the fill overwrites it under the new
      // line's lock: no lock, no write here. Either way any L1 copy of the old line goes.
      if ((Atomics.load(v.l2State, victim) & STATE_MASK) !== I) this.evict(victim, old);
      this.out.evicted = old;
    }
    return victim;
  }

  private l2Clock = 0;

  touchL2(slot: number): void {
    this.l2Stamp[slot - this.core * this.v.l2Lines] = ++this.l2Clock;
  }

  /**
   * Evicts this core's L2 slot holding `line` (PrEvict), writing back M data to L3; a slot
   * already invalid only loses its stale tag. The caller purges its L1 copies of the line.
   */
  evict(slot: number, line: number): void {
    const v = this.v;
    const set = this.lock(line);
    try {
      const state = Atomics.load(v.l2State, slot) & STATE_MASK;
      if (state !== I) {
        if (!this.table.has(state, Evict)) throw missingPair(this.core, line, v.lineBytes, state, Evict);
        const i = state * EVENTS + Evict;
        const acts = this.table.actions[i];
        const t = v.findL3(line);
        if ((acts & A_WRITEBACK) !== 0) {
          const off = slot * v.lineBytes;
          if (t >= 0) {
            copyLine(v.l3Data32, (t * v.lineBytes) >> 2, v.l2Data32, off >> 2, v.lineBytes >> 2);
            this.markL3Dirty(t);
          } else {
            // Not in L3 (only possible with a broken inclusion): straight to RAM.
            copyLine(this.ramI32, (line * v.lineBytes) >> 2, v.l2Data32, off >> 2, v.lineBytes >> 2);
          }
          this.count(C_WRITEBACKS);
        }
        if (t >= 0) v.l3Sharers[t] &= ~this.selfBit;
        if ((acts & A_BREAK_RESERVATION) !== 0) this.breakReservation(this.core, line);
        Atomics.store(v.l2State, slot, this.table.next[i]);
        this.transition(CAUSE_LOCAL, state, this.table.next[i]);
      }
      v.l2Tag[slot] = -1;
    } finally {
      this.unlock(set);
    }
  }

  /**
   * The L3 slot of `line` (out.latency and out.source: L3); on a miss brings it from RAM
   * (out: RAM), evicting (and back-invalidating) the set's LRU line that no core holds (LR/SC
   * hold); or -1, having changed nothing, when every way's line is held. One function, called
   * on every transaction, too large for V8 to inline: the L3 miss path (rare once a run is
   * going: its first misses come before V8 keeps type feedback) ran code transact had no
   * feedback for, which deoptimized it mid-run; here only this function's own code sees it.
   */
  private l3Slot(line: number): number {
    const v = this.v;
    const out = this.out;
    const hit = v.findL3(line);
    if (hit >= 0) {
      out.latency = this.l3Lat;
      out.source = SRC_L3;
      return hit;
    }
    out.latency = this.ramLat;
    out.source = SRC_RAM;
    const set = line & (v.l3Sets - 1);
    const base = set * v.l3Ways;
    let t = this.l3Victim(base, false);
    if (t >= 0 && v.l3Tag[t] !== -1 && this.l3Holder(t) >= 0) t = this.l3Victim(base, true);
    if (t < 0) return -1;
    const lb = v.lineBytes;
    const old = v.l3Tag[t];
    if (old !== -1) {
      // Inclusion: every private copy of the victim goes first; M data comes down with it.
      let sharers = v.l3Sharers[t];
      while (sharers !== 0) {
        const k = 31 - Math.clz32(sharers);
        sharers &= ~(1 << k);
        const ks = v.findL2(k, old);
        if (ks < 0) continue;
        const claimed = this.snoopClaim(ks);
        if (this.heldBy(k, old)) {
          // Held since the victim was chosen: k has it in M, the one copy, so nothing changed yet.
          Atomics.store(v.l2State, ks, claimed);
          this.blocker = k;
          this.blockedLine = old;
          return -1;
        }
        const s = claimed & STATE_MASK;
        if (s === M) {
          copyLine(v.l3Data32, (t * lb) >> 2, v.l2Data32, (ks * lb) >> 2, lb >> 2);
          this.markL3Dirty(t);
          this.count(C_WRITEBACKS);
        }
        Atomics.store(v.l2State, ks, I);
        this.transition(CAUSE_REMOTE, s, I);
        this.count(C_BACK_INVALIDATIONS);
        if (!this.mut.keepReservation) this.breakReservation(k, old);
      }
      if (v.l3Dirty[t] !== 0) {
        copyLine(this.ramI32, (old * lb) >> 2, v.l3Data32, (t * lb) >> 2, lb >> 2);
        this.count(C_RAM_WRITEBACKS);
      }
    }
    copyLine(v.l3Data32, (t * lb) >> 2, this.ramI32, (line * lb) >> 2, lb >> 2);
    v.l3Tag[t] = line;
    v.l3Dirty[t] = 0;
    v.l3Sharers[t] = 0;
    return t;
  }

  /** The set's first empty way, else its LRU way (skipping held lines if `skipHeld`); -1 if none. */
  private l3Victim(base: number, skipHeld: boolean): number {
    const v = this.v;
    let t = -1;
    let oldest = Infinity;
    for (let w = 0; w < v.l3Ways; w++) {
      if (v.l3Tag[base + w] === -1) return base + w;
      if (v.l3Stamp[base + w] < oldest && !(skipHeld && this.l3Holder(base + w) >= 0)) {
        oldest = v.l3Stamp[base + w];
        t = base + w;
      }
    }
    if (t < 0 && skipHeld) {
      // Every way is held: wait for the holder of the LRU one.
      let lru = base;
      for (let w = 1; w < v.l3Ways; w++) if (v.l3Stamp[base + w] < v.l3Stamp[lru]) lru = base + w;
      this.blocker = this.l3Holder(lru);
      this.blockedLine = v.l3Tag[lru];
    }
    return t;
  }

  /** A core (other than this one) that holds L3 slot t's line, or -1. */
  private l3Holder(t: number): number {
    const v = this.v;
    const line = v.l3Tag[t];
    let sharers = v.l3Sharers[t] & ~this.selfBit;
    while (sharers !== 0) {
      const k = 31 - Math.clz32(sharers);
      sharers &= ~(1 << k);
      if (this.heldBy(k, line)) return k;
    }
    return -1;
  }

  /**
   * Makes L3 slot t its set's most recent. A slot that already is (its stamp is the set's
   * clock) keeps both words as they are: the order is the same, and a contended line's set
   * writes no host cache line that the other workers' transactions must fetch back.
   */
  private touchL3(t: number, line: number): void {
    const v = this.v;
    const clockIdx = v.l3Lines + (line & (v.l3Sets - 1));
    const clock = v.l3Stamp[clockIdx];
    if (v.l3Stamp[t] !== clock || clock === 0) v.l3Stamp[t] = v.l3Stamp[clockIdx] = clock + 1;
  }
}
