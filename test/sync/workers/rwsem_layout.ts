/** Word layout of the rwsem tests (hot words 32 words apart). */
export const RW = {
  SEM: 0, // the rwsem under test (4 words)
  GATE: 32,
  A: 64, // protected pair: writers bump both, non-atomically
  B: 65,
  IN_READ: 96, // readers inside (Atomics), to catch a writer overlapping a reader
  IN_WRITE: 128, // writers inside
  STEP: 160, // scripted-test handshake
  WORDS: 192,
} as const;

export interface RwsemJob {
  sab: SharedArrayBuffer;
  mode: 'mixed' | 'scriptedWriter' | 'scriptedReader';
  parties: number;
  iters: number;
  /** This worker writes on iteration k when (k + id) % writeEvery === 0. */
  writeEvery: number;
  id: number;
}
export interface RwsemResult {
  writes: number;
  reads: number;
  torn: number; // a reader saw A != B
  overlap: number; // a writer saw anyone else inside, or a reader saw a writer inside
  maxReaders: number; // most readers seen inside at once (informational)
}

