/**
 * Test helper: one-shot start gate so worker threads begin their contended phase together
 * (worker startup under tsx is slow and staggered). Deliberately independent of
 * shared/sync so the primitives under test are not used to test themselves.
 *
 * Layout: i32[index] arrival counter, Atomics.add by each party, must start at 0.
 * Keep it on its own 32-word (128-byte) line away from the words under test.
 */

/** Arrive at the gate and block until `parties` threads have arrived. */
export function startGate(i32: Int32Array, index: number, parties: number): void {
  if (Atomics.add(i32, index, 1) + 1 >= parties) {
    Atomics.notify(i32, index);
    return;
  }
  for (;;) {
    const v = Atomics.load(i32, index);
    if (v >= parties) return;
    Atomics.wait(i32, index, v);
  }
}
