/**
 * Reader-writer semaphore (Linux's rw_semaphore, as mmap_lock uses it): many readers or one
 * writer. Writers are preferred: once a writer waits, new readers wait behind it, so a stream
 * of page faults (readers) cannot starve an mmap (writer).
 *
 * Layout: RWSEM_WORDS (4) Int32Array words at `base` over a SharedArrayBuffer, all zero
 * before first use (a fresh SharedArrayBuffer is zero-filled):
 *   i32[base + 0]  count: RWSEM_WRITER (bit 30) while a writer holds it, else the number of
 *                  readers holding it. Changed only by compareExchange / Atomics.sub.
 *   i32[base + 1]  wake: incremented by every release that may let a waiter in; waiters park
 *                  on it with Atomics.wait (the futex word).
 *   i32[base + 2]  writers waiting (Atomics.add/sub by down_write).
 *   i32[base + 3]  parked: threads inside Atomics.wait (a release notifies only when > 0).
 * Keep the 4 words on their own 128-byte host line, away from hot unrelated data.
 *
 * Not reentrant, no owner tracking: a reader that takes the lock again while a writer waits
 * deadlocks, as on Linux. Nothing allocates.
 */

export const RWSEM_WORDS = 4;
export const RWSEM_WRITER = 1 << 30;
/** Polls before a contended waiter parks. */
export const RWSEM_SPINS = 200;

const COUNT = 0;
const WAKE = 1;
const WWAIT = 2;
const PARKED = 3;

/** down_read_trylock: true if the caller now holds it for reading. Fails while a writer holds or waits. */
export function downReadTrylock(i32: Int32Array, base: number): boolean {
  const c = Atomics.load(i32, base + COUNT);
  if ((c & RWSEM_WRITER) !== 0 || Atomics.load(i32, base + WWAIT) !== 0) return false;
  return Atomics.compareExchange(i32, base + COUNT, c, c + 1) === c;
}

/** down_write_trylock: true if the caller now holds it for writing (no readers, no writer). */
export function downWriteTrylock(i32: Int32Array, base: number): boolean {
  return Atomics.compareExchange(i32, base + COUNT, 0, RWSEM_WRITER) === 0;
}

/** Spin, then park on the wake word until `ready()` may have changed; returns after one wait. */
function waitForRelease(i32: Int32Array, base: number, seen: number): void {
  for (let i = 0; i < RWSEM_SPINS; i++) {
    if (Atomics.load(i32, base + WAKE) !== seen) return;
  }
  Atomics.add(i32, base + PARKED, 1);
  Atomics.wait(i32, base + WAKE, seen);
  Atomics.sub(i32, base + PARKED, 1);
}

/** down_read: block until held for reading. */
export function downRead(i32: Int32Array, base: number): void {
  for (;;) {
    // Read the wake word before testing the lock: a release between the test and the wait
    // changes it, so the wait returns at once (no lost wake-up).
    const seen = Atomics.load(i32, base + WAKE);
    if (downReadTrylock(i32, base)) return;
    const c = Atomics.load(i32, base + COUNT);
    if ((c & RWSEM_WRITER) === 0 && Atomics.load(i32, base + WWAIT) === 0) continue; // lost a CAS race
    waitForRelease(i32, base, seen);
  }
}

/** down_write: block until held for writing. */
export function downWrite(i32: Int32Array, base: number): void {
  if (downWriteTrylock(i32, base)) return;
  Atomics.add(i32, base + WWAIT, 1);
  for (;;) {
    const seen = Atomics.load(i32, base + WAKE);
    if (downWriteTrylock(i32, base)) break;
    waitForRelease(i32, base, seen);
  }
  Atomics.sub(i32, base + WWAIT, 1);
  // Readers held back by this writer's wait are released by its up_write.
}

function wake(i32: Int32Array, base: number): void {
  Atomics.add(i32, base + WAKE, 1);
  if (Atomics.load(i32, base + PARKED) !== 0) Atomics.notify(i32, base + WAKE);
}

/** up_read. Throws RangeError if no reader held it (a caller bug). */
export function upRead(i32: Int32Array, base: number): void {
  const prev = Atomics.sub(i32, base + COUNT, 1);
  if (prev <= 0 || (prev & RWSEM_WRITER) !== 0) {
    Atomics.add(i32, base + COUNT, 1);
    throw new RangeError(`upRead: rwsem at i32[${base}] was ${prev}, not read-held`);
  }
  if (prev === 1) wake(i32, base);
}

/** up_write. Throws RangeError if no writer held it. */
export function upWrite(i32: Int32Array, base: number): void {
  if (Atomics.compareExchange(i32, base + COUNT, RWSEM_WRITER, 0) !== RWSEM_WRITER) {
    throw new RangeError(`upWrite: rwsem at i32[${base}] was ${Atomics.load(i32, base + COUNT)}, not write-held`);
  }
  wake(i32, base);
}

/** downgrade_write: the writer becomes one reader without letting another writer in between. */
export function downgradeWrite(i32: Int32Array, base: number): void {
  if (Atomics.compareExchange(i32, base + COUNT, RWSEM_WRITER, 1) !== RWSEM_WRITER) {
    throw new RangeError(`downgradeWrite: rwsem at i32[${base}] not write-held`);
  }
  wake(i32, base);
}

/** rwsem_is_write_locked (for lockdep-style assertions). */
export function rwsemIsWriteLocked(i32: Int32Array, base: number): boolean {
  return Atomics.load(i32, base + COUNT) === RWSEM_WRITER;
}

/** Readers holding it now (0 when free or write-held); a racy snapshot. */
export function rwsemReaders(i32: Int32Array, base: number): number {
  const c = Atomics.load(i32, base + COUNT);
  return (c & RWSEM_WRITER) !== 0 ? 0 : c;
}

/** Writers waiting now; a racy snapshot. */
export function rwsemWritersWaiting(i32: Int32Array, base: number): number {
  return Atomics.load(i32, base + WWAIT);
}
