// The coherence invariants of DESIGN.md section 3, checked over the shared arrays
// of the hierarchy (every core's L2, the inclusive L3) and RAM:
//   SWMR       for every line, either exactly one core holds it in M or E and no
//              other core holds a valid copy, or any number of cores hold it in S;
//              no BUSY bit (data claim or snoop claim) is set and no bus lock is held.
//   Data value every S or E copy equals the L3 copy byte for byte (a clean line
//              equals the next level); an L3 line not marked dirty equals RAM. An M
//              copy may differ from L3.
//   Inclusion  every valid private L2 line is present in L3 and L3's sharer mask has
//              that core's bit (the mask may over-approximate: a bit without a copy
//              is allowed, a copy without its bit is not).
// Also structural sanity: a valid L2 slot has a tag in the set it sits in, a core
// holds a line at most once, L3 holds a line at most once and in its own set.
//
// Call it only at a quiescent point: no transaction in flight, no store between its
// claim and its release (in tests, between two HartMemory calls; in a machine, with
// every core stopped). It reads the arrays plainly and allocates freely: it is for
// tests and debugging, not for the hot path (the caller's barrier already ordered every
// worker's writes before the check). Returns one message per violation,
// naming the line's byte address, the cores and their states; [] means all hold.
//
// Incremental checks: a line's states, tags, sharer mask and L3/RAM data change only
// under its L3 set's bus lock, and every bus lock marks its set in the locking core's
// `touched` map (layout.ts). Given `sets` (takeTouchedSets), the checker looks only at
// the lines of those sets, so a check costs what the last quantum's traffic touched,
// not the size of the hierarchy. What changes without a bus transaction — a store or
// AMO in M/E (claim, data, E -> M) or a broken fast path (a silent store in S) — is a
// core's own held line: the cheap scan of every L2 slot (BUSY bits, tags in their
// sets) still runs on every call, and the rest is caught when the line's
// set is next touched or by a full check (the machine runs one every
// FULL_CHECK_EVERY checks and one at the end of the run).

import type { CoherenceViews } from './layout.ts';
import { BUSY, E, I, M, S, STATE_MASK, STATE_NAMES } from './mesi.ts';

interface Copy {
  core: number;
  /** Global L2 slot: core * l2Lines + set * ways + way. */
  slot: number;
  state: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** First differing byte of two equal-length ranges, or -1. */
function firstDiff(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): number {
  for (let i = 0; i < n; i++) if (a[aOff + i] !== b[bOff + i]) return i;
  return -1;
}

/** A machine's quantum-boundary checks: one in this many is a full check. */
export const FULL_CHECK_EVERY = 64;

/**
 * The L3 sets any core's bus locked since the last call, as one byte per set (1 =
 * touched), and clears every core's marks. Call only at a quiescent point.
 */
export function takeTouchedSets(v: CoherenceViews): Uint8Array {
  const out = new Uint8Array(v.l3Sets);
  const t = v.touched;
  for (let c = 0; c < v.geometry.cores; c++) {
    const base = c * v.touchedStride;
    for (let set = 0; set < v.l3Sets; set++) {
      if (t[base + set] !== 0) {
        out[set] = 1;
        t[base + set] = 0;
      }
    }
  }
  return out;
}

/**
 * Checks every invariant over the whole hierarchy, or, with `sets` (one byte per L3
 * set, from takeTouchedSets), over the lines and bus locks of the marked sets only (plus
 * the cheap scan of every L2 slot: BUSY bits, tags in their sets).
 */
export function checkInvariants(v: CoherenceViews, ram: Uint8Array, sets?: Uint8Array): string[] {
  const out: string[] = [];
  const cores = v.geometry.cores;
  const lb = v.lineBytes;
  const addr = (line: number) => hex(line * lb);
  const where = (slot: number) => {
    const s = slot % v.l2Lines;
    return `L2 set ${Math.floor(s / v.l2Ways)} way ${s % v.l2Ways}`;
  };

  // ---- Bus locks: none held when nothing is in flight (taking one marks its set). ----
  for (let set = 0; set < v.l3Sets; set++) {
    if (sets !== undefined && sets[set] === 0) continue;
    const w = v.busLock[v.lockIndex(set)];
    if (w !== 0) out.push(`bus lock of L3 set ${set} is held (word ${w}) at a quiescent point`);
  }

  // ---- Every core's L2: collect the valid copies per line. ----
  // Locals: this loop runs over every slot of every L2, and an imported binding may
  // cost a getter call per read under the loader (measured: most of an empty check).
  const busy = BUSY, stateMask = STATE_MASK, invalid = I;
  const l2State = v.l2State, l2Tag = v.l2Tag, l2Lines = v.l2Lines;
  const copies = new Map<number, Copy[]>();
  for (let c = 0; c < cores; c++) {
    for (let s = 0; s < l2Lines; s++) {
      const g = c * l2Lines + s;
      const raw = l2State[g];
      if (raw === 0) continue; // I, not busy
      const state = raw & stateMask;
      const tag = l2Tag[g];
      if ((raw & busy) !== 0) {
        out.push(
          `BUSY bit set at a quiescent point: core ${c} ${where(g)} ` +
            `(line ${tag >= 0 ? addr(tag) : 'none'}, state ${STATE_NAMES[state]})`,
        );
      }
      if (state === invalid) continue;
      if (tag < 0) {
        out.push(`core ${c} ${where(g)} is in state ${STATE_NAMES[state]} but has no tag`);
        continue;
      }
      const set = Math.floor(s / v.l2Ways);
      if ((tag & (v.l2Sets - 1)) !== set) {
        out.push(`line ${addr(tag)} sits in core ${c} ${where(g)} but belongs to L2 set ${tag & (v.l2Sets - 1)}`);
      }
      if (sets !== undefined && sets[tag & (v.l3Sets - 1)] === 0) continue;
      let list = copies.get(tag);
      if (!list) copies.set(tag, (list = []));
      list.push({ core: c, slot: g, state });
    }
  }

  // ---- L3: where each line is. ----
  const l3Slot = new Map<number, number>();
  for (let t = 0; t < v.l3Lines; t++) {
    if (sets !== undefined && sets[Math.floor(t / v.l3Ways)] === 0) {
      t += v.l3Ways - 1; // the rest of an untouched set
      continue;
    }
    const line = v.l3Tag[t];
    if (line < 0) continue;
    const set = Math.floor(t / v.l3Ways);
    if ((line & (v.l3Sets - 1)) !== set) {
      out.push(`line ${addr(line)} sits in L3 set ${set} way ${t % v.l3Ways} but belongs to L3 set ${line & (v.l3Sets - 1)}`);
    }
    const prev = l3Slot.get(line);
    if (prev !== undefined) {
      out.push(`line ${addr(line)} is in L3 twice (slots ${prev} and ${t})`);
      continue;
    }
    l3Slot.set(line, t);
  }

  const describe = (list: Copy[]) => list.map((k) => `core ${k.core} ${STATE_NAMES[k.state]}`).join(', ');

  for (const [line, list] of copies) {
    // ---- SWMR ----
    const seen = new Set<number>();
    for (const k of list) {
      if (seen.has(k.core)) out.push(`line ${addr(line)}: core ${k.core} holds it in more than one L2 way (${describe(list)})`);
      seen.add(k.core);
    }
    const exclusive = list.filter((k) => k.state === M || k.state === E);
    if (exclusive.length > 0 && list.length > 1) {
      out.push(`SWMR: line ${addr(line)} is held ${describe(list)}: an M or E copy must be the only copy`);
    }

    // ---- Inclusion ----
    const t = l3Slot.get(line);
    if (t === undefined) {
      out.push(`inclusion: line ${addr(line)} is held by ${describe(list)} but is not in L3`);
      continue;
    }
    const mask = v.l3Sharers[t];
    for (const k of list) {
      if ((mask & (1 << k.core)) === 0) {
        out.push(
          `inclusion: line ${addr(line)} is held by core ${k.core} in ${STATE_NAMES[k.state]} ` +
            `but L3's sharer mask 0b${(mask >>> 0).toString(2)} lacks bit ${k.core}`,
        );
      }
    }

    // ---- Data value: clean private copies equal L3. ----
    for (const k of list) {
      if (k.state !== S && k.state !== E) continue;
      const d = firstDiff(v.l2Data, k.slot * lb, v.l3Data, t * lb, lb);
      if (d >= 0) {
        out.push(
          `data: line ${addr(line)} core ${k.core} holds it clean (${STATE_NAMES[k.state]}) but byte ${d} ` +
            `(address ${hex(line * lb + d)}) is ${hex(v.l2Data[k.slot * lb + d])} in L2 and ${hex(v.l3Data[t * lb + d])} in L3`,
        );
      }
    }
  }

  // ---- Data value: clean L3 lines equal RAM. ----
  for (const [line, t] of l3Slot) {
    if (line * lb + lb > ram.length) {
      out.push(`line ${addr(line)} is in L3 but lies outside RAM (${ram.length} bytes)`);
      continue;
    }
    if (v.l3Dirty[t] !== 0) continue;
    const d = firstDiff(v.l3Data, t * lb, ram, line * lb, lb);
    if (d >= 0) {
      out.push(
        `data: line ${addr(line)} is clean in L3 but byte ${d} (address ${hex(line * lb + d)}) is ` +
          `${hex(v.l3Data[t * lb + d])} in L3 and ${hex(ram[line * lb + d])} in RAM`,
      );
    }
  }
  return out;
}
