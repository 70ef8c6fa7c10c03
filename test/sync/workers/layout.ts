/**
 * Int32Array word layouts shared by the sync tests and their worker scripts.
 * Hot words sit 32 words (128 bytes) apart so host false sharing does not skew timing.
 */

/** spinlock tests */
export const SL = {
  LOCK: 0, // lock word under test
  GATE: 32, // start gate (test/helpers/gate.ts)
  COUNTER: 64, // protected counter, plain read-modify-write inside the lock
  SHADOW: 65, // second protected word, must always equal COUNTER at lock acquisition
  SCRATCH: 96, // read inside the critical section to widen it
  FLAG: 128, // 'try' mode handshake: worker sets 1 after its first tryLock, main sets 2 after unlocking
  WORDS: 160,
} as const;

/** barrier tests */
export const BR = {
  BARRIER: 0, // barrier under test: BARRIER_WORDS (64) words
  GATE: 64, // start gate
  SLOTS: 96, // per-worker round slot: SLOTS + id
  WORDS: 160,
} as const;

/** seqlock tests */
export const SQ = {
  SEQ: 0, // sequence word under test
  GATE: 32, // start gate
  A: 64, // protected pair: the writer stores the same value into A and B
  B: 96,
  DONE: 128, // writer sets 1 after its last write
  PHASE: 160, // paused-writer handshake: which step of the scripted interleaving is next
  WORDS: 192,
} as const;

export interface SpinlockJob {
  sab: SharedArrayBuffer;
  mode: 'count' | 'try';
  parties: number; // workers taking part in the start gate
  iters: number;
  csWork: number; // extra Atomics.loads inside the critical section
}
export interface SpinlockResult {
  torn: number; // acquisitions that found COUNTER !== SHADOW
  tryHeld?: boolean; // 'try' mode: spinTryLock result while the main thread holds the lock
  tryFree?: boolean; // 'try' mode: spinTryLock result after the main thread released it
}

export interface BarrierJob {
  sab: SharedArrayBuffer;
  mode: 'rounds' | 'abort';
  id: number;
  parties: number;
  rounds: number;
  spin: boolean;
}
export interface BarrierResult {
  gens: number[]; // value returned by every barrierWait, in order
  bad: number; // slot checks that saw another worker at a different round
  returnedAt?: number; // 'abort' mode: Date.now() when the first barrierWait returned
}

export interface SeqlockJob {
  sab: SharedArrayBuffer;
  /** paused*: the scripted interleaving (a writer stopped mid-write), see seqlock.worker.ts. */
  role: 'writer' | 'reader' | 'rawReader' | 'pausedWriter' | 'pausedReader';
  parties: number;
  writes: number;
  window: number; // Atomics.loads the writer does between storing A and B
}
export interface SeqlockResult {
  reads: number;
  retries: number;
  bad: number; // snapshots with A !== B, or going backwards
  distinct: number;
  last: number;
  /** pausedReader: the pair read while the writer was stopped between A and B, and the retry verdict. */
  midPair?: [number, number];
  midRetry?: boolean;
  /** pausedReader: the pair the protected read settled on after the writer finished. */
  finalPair?: [number, number];
}
