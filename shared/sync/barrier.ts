/**
 * Reusable generation (sense-reversing) barrier for a fixed number of parties, with abort.
 *
 * Layout: BARRIER_WORDS (64) Int32Array words starting at `base` (caller supplies `i32`
 * over a SharedArrayBuffer). Use a `base` that is a multiple of 32 so each 128-byte host
 * cache line holds only one of the hot words below:
 *   i32[base + 0]   count: parties arrived in the current generation. Atomics.add by every
 *                   arriving party; reset to 0 by the last arriver (before it releases the
 *                   others) and by barrierInit.
 *   i32[base + 1]   parties: fixed party count. Written only by barrierInit; read by arrivers.
 *   i32[base + 32]  generation: the generation in progress, 0..2^31-1 (wraps to 0), or -1
 *                   once aborted. Advanced only by the last arriver (compareExchange),
 *                   set to -1 by barrierAbort, reset to 0 by barrierInit. Waiters spin on /
 *                   Atomics.wait on this word, which is why it sits 32 words (128 bytes)
 *                   away from the arrive counter: arrivals do not invalidate the line that
 *                   spinning waiters read.
 *   i32[base + 2..31], i32[base + 33..63]  reserved padding, never touched.
 *
 * The changing generation number plays the role of the "sense": a waiter remembers the
 * generation it arrived in and is released when the word holds anything else.
 *
 * Threads: usable from any thread that may block (Node's main thread included).
 * barrierWait allocates nothing.
 */

/** Number of Int32Array words a barrier occupies starting at its base index. */
export const BARRIER_WORDS = 64;
/** Returned by barrierWait once the barrier has been aborted. */
export const BARRIER_ABORTED = -1;

const COUNT = 0;
const PARTIES = 1;
const GENERATION = 32;
const GEN_MASK = 0x7fffffff;

/**
 * Tunable: polls of the generation word a `spin = true` waiter makes before it parks in
 * Atomics.wait.
 */
export const BARRIER_SPINS = 20_000;
/** The fewest polls an adaptive spinner (SpinBudget) makes before parking. */
export const BARRIER_MIN_SPINS = 64;

/**
 * One party's adaptive spin budget: the polls it makes before parking, learnt from its last
 * waits (nextSpins). A party whose partners keep arriving long after it parks at once instead
 * of burning a host CPU (that another thread of the host may need) at every barrier.
 */
export class SpinBudget {
  spins = BARRIER_SPINS;
}

/**
 * The next spin budget: doubled (up to BARRIER_SPINS) after a wait that spinning served (the
 * generation moved while polling), halved (down to BARRIER_MIN_SPINS) after one that parked.
 */
export function nextSpins(spins: number, servedBySpinning: boolean): number {
  return servedBySpinning ? Math.min(BARRIER_SPINS, spins * 2) : Math.max(BARRIER_MIN_SPINS, spins >> 1);
}

/**
 * Initialise (or re-arm, including after an abort) a barrier for `parties` parties at
 * i32[base .. base + BARRIER_WORDS). Call it before any party uses the barrier, while no
 * thread is inside barrierWait (e.g. on the main thread before starting the workers).
 */
export function barrierInit(i32: Int32Array, base: number, parties: number): void {
  if (!(i32.buffer instanceof SharedArrayBuffer)) {
    throw new TypeError('barrierInit: i32 must be a view over a SharedArrayBuffer');
  }
  if (!Number.isInteger(parties) || parties < 1) {
    throw new RangeError(`barrierInit: parties must be an integer >= 1, got ${parties}`);
  }
  if (!Number.isInteger(base) || base < 0 || base + BARRIER_WORDS > i32.length) {
    throw new RangeError(`barrierInit: words [${base}, ${base + BARRIER_WORDS}) out of range of ${i32.length}`);
  }
  Atomics.store(i32, base + PARTIES, parties);
  Atomics.store(i32, base + COUNT, 0);
  Atomics.store(i32, base + GENERATION, 0);
}

/**
 * Arrive at the barrier and block until all `parties` parties have arrived.
 * Returns the generation number that just completed (0 for the first completion after
 * barrierInit, then 1, 2, ...; every party of one generation gets the same number), or
 * BARRIER_ABORTED (-1) if the barrier was or gets aborted.
 * spin = true: poll up to BARRIER_SPINS times before parking (only worthwhile while every
 * party has its own host core); a SpinBudget: poll up to its budget, then adapt it (nextSpins);
 * spin = false: park in Atomics.wait at once.
 * Each party must call it exactly once per generation.
 */
export function barrierWait(i32: Int32Array, base: number, spin: boolean | SpinBudget): number {
  // The last arriver has already advanced the generation: its loops below end at once.
  const g = barrierArrive(i32, base);
  if (g < 0) return BARRIER_ABORTED;
  const genIdx = base + GENERATION;
  if (spin === true) pollWhile(i32, genIdx, g, BARRIER_SPINS);
  else if (spin !== false) spin.spins = nextSpins(spin.spins, pollWhile(i32, genIdx, g, spin.spins));
  let cur = Atomics.load(i32, genIdx);
  while (cur === g) {
    Atomics.wait(i32, genIdx, g);
    cur = Atomics.load(i32, genIdx);
  }
  return cur < 0 ? BARRIER_ABORTED : g;
}

/**
 * Polls i32[idx] up to `polls` times while it holds g; true if it moved. A function of its own,
 * with number arguments only: V8 compiles its loop on stack (OSR) at the first long spin, and
 * that code then serves every later wait. Inside barrierWait the loop's on-stack code was
 * compiled with the start line's feedback (spin = true) and deoptimized at the end of every
 * later wait (a SpinBudget's property), once per quantum.
 */
function pollWhile(i32: Int32Array, idx: number, g: number, polls: number): boolean {
  for (let i = 0; i < polls; i++) {
    if (Atomics.load(i32, idx) !== g) return true;
  }
  return false;
}

/** Generations completed since barrierInit (BARRIER_ABORTED once aborted): another thread's look at the parties' progress. */
export function barrierGenerations(i32: Int32Array, base: number): number {
  const g = Atomics.load(i32, base + GENERATION);
  return g < 0 ? BARRIER_ABORTED : g;
}

/** Returned by barrierPassed while the generation it was given is still in progress. */
export const BARRIER_PENDING = -2;

/**
 * The two halves of barrierWait, for a party that must keep working while it waits (the
 * kernel's home worker serves other cores' traps there, cores/core_group.ts). barrierArrive
 * counts the caller in and returns the generation it arrived in (BARRIER_ABORTED if aborted);
 * the last arriver releases the others and then calls `onRelease` (ringing whatever the
 * waiting parties park on instead of the generation word). Then barrierPassed(g) until it
 * stops returning BARRIER_PENDING: the completed generation g, or BARRIER_ABORTED.
 */
export function barrierArrive(i32: Int32Array, base: number, onRelease?: () => void): number {
  const genIdx = base + GENERATION;
  const g = Atomics.load(i32, genIdx);
  if (g < 0) return BARRIER_ABORTED;
  const parties = Atomics.load(i32, base + PARTIES);
  const arrived = Atomics.add(i32, base + COUNT, 1) + 1;
  if (arrived === parties) {
    // Last arriver: reset the counter before releasing anyone, so released parties that
    // race ahead to the next generation count from 0.
    Atomics.store(i32, base + COUNT, 0);
    if (Atomics.compareExchange(i32, genIdx, g, (g + 1) & GEN_MASK) !== g) return BARRIER_ABORTED;
    Atomics.notify(i32, genIdx);
    onRelease?.();
  }
  return g;
}

/** Where generation g stands: BARRIER_PENDING, g once it completed, or BARRIER_ABORTED. */
export function barrierPassed(i32: Int32Array, base: number, g: number): number {
  const cur = Atomics.load(i32, base + GENERATION);
  if (cur < 0) return BARRIER_ABORTED;
  return cur === g ? BARRIER_PENDING : g;
}

/**
 * Abort the barrier at `base`: every party currently waiting and every later barrierWait
 * returns BARRIER_ABORTED (-1) promptly. Idempotent; lasts until the next barrierInit.
 * Intended for when a party has crashed, so the survivors never hang.
 */
export function barrierAbort(i32: Int32Array, base: number): void {
  Atomics.store(i32, base + GENERATION, BARRIER_ABORTED);
  Atomics.notify(i32, base + GENERATION);
}

/**
 * Parties that have arrived in the current generation and are waiting (diagnostics, e.g.
 * a watchdog reporting who never arrived). A racy snapshot.
 */
export function barrierArrived(i32: Int32Array, base: number): number {
  return Atomics.load(i32, base + COUNT);
}

/** True once barrierAbort has been called on the barrier at `base` (and not re-inited). */
export function barrierIsAborted(i32: Int32Array, base: number): boolean {
  return Atomics.load(i32, base + GENERATION) < 0;
}

/** The generation in progress (-1 once aborted): a watchdog sees the barrier moving by it. */
export function barrierGeneration(i32: Int32Array, base: number): number {
  return Atomics.load(i32, base + GENERATION);
}
