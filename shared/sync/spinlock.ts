/**
 * Spin-then-park mutex over one Int32Array word (Drepper, "Futexes Are Tricky", mutex #3).
 *
 * Layout (caller supplies `i32` over a SharedArrayBuffer and the word `index`):
 *   i32[index]  lock word, written by every thread that locks/unlocks it:
 *                 0 = free
 *                 1 = locked, nobody parked
 *                 2 = locked, one or more threads may be parked in Atomics.wait
 *   The word must be 0 before first use (a fresh SharedArrayBuffer is zero-filled).
 *   Nothing else is stored; the lock does not know its owner and is not reentrant.
 *   Keep the lock word off the cache line (32 words = 128 bytes) of unrelated hot data
 *   to avoid host false sharing; data it protects may share the line.
 *
 * Memory ordering: every operation on the lock word is a sequentially consistent Atomics
 * operation, so plain (non-Atomics) reads and writes made inside the critical section
 * happen-before the next owner's critical section.
 *
 * Threads: usable from any thread that may block. Node allows Atomics.wait on the main
 * thread (a browser main thread does not; there only spinTryLock is usable).
 *
 * Hot paths (spinLock/spinUnlock/spinTryLock) allocate nothing.
 */

/** Lock word value: free. */
export const LOCK_FREE = 0;
/** Lock word value: held, no thread parked. */
export const LOCK_HELD = 1;
/** Lock word value: held, threads may be parked in Atomics.wait. */
export const LOCK_CONTENDED = 2;

/**
 * Tunable: read-only polls (test-and-test-and-set) a contended spinLock makes before it
 * parks in Atomics.wait. Large enough to ride out a short critical section on another
 * host core; small enough not to burn a time slice when threads outnumber host cores.
 */
export const SPIN_LOCK_SPINS = 200;

/**
 * Acquire the lock at i32[index]. Blocks (spins up to SPIN_LOCK_SPINS polls, then parks
 * with Atomics.wait) until acquired. Not reentrant: locking a lock the caller already
 * holds deadlocks.
 */
export function spinLock(i32: Int32Array, index: number): void {
  // The acquire tries the compareExchange at once: a load first would fetch the host cache
  // line shared and the compareExchange fetch it again for writing, two transfers where the
  // last holder ran on another host CPU. Then bounded test-and-test-and-set: poll with
  // plain-cost loads, compareExchange only when it looks free. V8 inlines spinLock into the
  // L2 controller's transaction; the polls' first run, under contention, may deoptimize it once.
  if (Atomics.compareExchange(i32, index, LOCK_FREE, LOCK_HELD) === LOCK_FREE) return;
  for (let polls = SPIN_LOCK_SPINS; polls-- > 0; ) {
    if (Atomics.load(i32, index) === LOCK_FREE && Atomics.compareExchange(i32, index, LOCK_FREE, LOCK_HELD) === LOCK_FREE) return;
  }
  spinLockPark(i32, index);
}

/** spinLock's slow path, after SPIN_LOCK_SPINS polls: park until the lock is ours. */
function spinLockPark(i32: Int32Array, index: number): void {
  // Announce a (possible) waiter by setting 2, park while it stays 2. Exchange returns the
  // previous value: 0 means we took the lock (left as 2, which only costs one spurious
  // notify at unlock).
  let c = Atomics.exchange(i32, index, LOCK_CONTENDED);
  while (c !== LOCK_FREE) {
    Atomics.wait(i32, index, LOCK_CONTENDED);
    c = Atomics.exchange(i32, index, LOCK_CONTENDED);
  }
}

/**
 * Try to acquire the lock at i32[index] without blocking or spinning.
 * Returns true if the caller now holds the lock, false if it was held.
 */
export function spinTryLock(i32: Int32Array, index: number): boolean {
  return Atomics.compareExchange(i32, index, LOCK_FREE, LOCK_HELD) === LOCK_FREE;
}

/**
 * Release the lock at i32[index], held by the caller. Calls Atomics.notify (waking one
 * parked thread) only when the word said waiters may be parked (2).
 * Throws RangeError if the lock was not held (a bug in the caller).
 */
export function spinUnlock(i32: Int32Array, index: number): void {
  const prev = Atomics.exchange(i32, index, LOCK_FREE);
  if (prev === LOCK_CONTENDED) {
    Atomics.notify(i32, index, 1);
  } else if (prev !== LOCK_HELD) {
    throw new RangeError(`spinUnlock: lock word i32[${index}] was ${prev}, not held`);
  }
}
