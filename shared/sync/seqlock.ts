/**
 * Sequence lock: one writer publishes a multi-word record, any number of readers take
 * consistent snapshots without blocking the writer.
 *
 * Layout (caller supplies `i32` over a SharedArrayBuffer and the word `index`):
 *   i32[index]  sequence word. Written only by the writer (Atomics.add, +1 at begin and
 *               +1 at end: odd while a write is in progress, even when stable); read by
 *               readers. Must be 0 (or any even value) before first use; a fresh
 *               SharedArrayBuffer is zero-filled. It wraps harmlessly past 2^31.
 *   The protected data lives wherever the caller puts it (ideally not on the sequence
 *   word's 128-byte line if other hot data is there).
 *
 * Single writer: concurrent writers must be serialised by the caller (e.g. a spinlock).
 *
 * Reader pattern:
 *   let s;
 *   do { s = seqReadBegin(i32, SEQ); a = Atomics.load(i32, A); b = Atomics.load(i32, B); }
 *   while (seqReadRetry(i32, SEQ, s));
 *
 * IMPORTANT: a reader runs concurrently with the writer, so the data it reads may be
 * mid-update. Read the protected words with Atomics.load (and write them with
 * Atomics.store), so every access is ordered against the sequence word and each word
 * is never torn; or else make the reader tolerant of torn/garbage values until
 * seqReadRetry says the snapshot is good (never act on the data before that, e.g. never
 * use it as an index or loop bound without a bounds check).
 *
 * Nothing here allocates. The writer never blocks and never notifies.
 */

/**
 * Tunable: polls a reader makes while the sequence is odd (write in progress) before it
 * starts sleeping briefly between polls (the writer never notifies, so it may have been
 * descheduled mid-write when threads outnumber host cores).
 */
export const SEQ_READ_SPINS = 1_000;
/** Sleep, in milliseconds, between polls once SEQ_READ_SPINS is exhausted. */
export const SEQ_READ_PARK_MS = 0.05;

/** Writer: start an update (sequence becomes odd). Pair with seqWriteEnd. */
export function seqWriteBegin(i32: Int32Array, index: number): void {
  Atomics.add(i32, index, 1);
}

/** Writer: finish an update (sequence becomes even again). */
export function seqWriteEnd(i32: Int32Array, index: number): void {
  Atomics.add(i32, index, 1);
}

/**
 * Reader: wait until no write is in progress and return the (even) sequence value to
 * pass to seqReadRetry after reading the data.
 */
export function seqReadBegin(i32: Int32Array, index: number): number {
  let s = Atomics.load(i32, index);
  if ((s & 1) === 0) return s;
  for (let i = 0; i < SEQ_READ_SPINS; i++) {
    s = Atomics.load(i32, index);
    if ((s & 1) === 0) return s;
  }
  for (;;) {
    // Sleeps only while the word still holds this odd value; times out because the
    // writer does not notify.
    Atomics.wait(i32, index, s, SEQ_READ_PARK_MS);
    s = Atomics.load(i32, index);
    if ((s & 1) === 0) return s;
  }
}

/**
 * Reader: true if a write began or completed since seqReadBegin returned `start`, so the
 * data read in between may be inconsistent and must be read again.
 */
export function seqReadRetry(i32: Int32Array, index: number, start: number): boolean {
  return Atomics.load(i32, index) !== start;
}
