// The control block: one SharedArrayBuffer that every worker and the main thread
// map. Words are grouped in 128-byte slots (32 int32 words) so that words written
// by different host threads never share a host cache line.
//
// Slot 0, machine (Atomics only; written by whichever thread stops the machine):
//   [0] STOP        0 running; else 1 + the quantum in which the stop was requested
//                   (first writer wins by compareExchange). Workers leave after the barrier
//                   of that quantum, so all of them leave after the same one.
//   [1] EXIT_CODE   the guest's exit status
//   [2] REASON      STOP_* below
//   [3] STOP_CORE   the core that stopped the machine (-1: none)
//   [4] LIVE_HARTS  harts that have not exited
//   [5] BRK         current program break (guest address)
//   [6] BRK_MIN     initial break
//   [7] BRK_MAX     highest break allowed (below the stacks)
// Slots 1..3, the quantum barrier (shared/sync/barrier.ts layout, 96 words).
// Slot 4 + c, core c (written by the worker hosting c only; read by anyone):
//   [0] STATE       CORE_RUNNING / CORE_EXITED / CORE_FAULTED
//   [1] EXIT_CODE   status passed to exit()
//   words 4..5      cycles   (float64, plain store; for progress display)
//   words 6..7      instret  (float64, plain store)
//   words 8..11     (core c = worker c's first core) the cycle until which that worker's cores
//                   sleep, two float64s by quantum parity (cores/worker.ts quantum skipping)
//   words 12..13    (core c = worker c's first core) what crossed workers in that worker's
//                   quantum, two int32s by quantum parity (the adaptive quantum, cores/quantum.ts)

export const SLOT_WORDS = 32;

export const STOP = 0;
export const EXIT_CODE = 1;
export const REASON = 2;
export const STOP_CORE = 3;
export const LIVE_HARTS = 4;
export const BRK = 5;
export const BRK_MIN = 6;
export const BRK_MAX = 7;

export const BARRIER_BASE = SLOT_WORDS;
const CORE_BASE = 4 * SLOT_WORDS;

export const STOP_NONE = 0;
export const STOP_EXIT_GROUP = 1;
export const STOP_ALL_EXITED = 2;
export const STOP_FAULT = 3;
export const STOP_MAX_INSNS = 4;
export const STOP_CRASH = 5;
export const STOP_INVARIANT = 6;

/** --boot linux: the process was killed by a signal (exit code 128 + signal number, as a shell reports it). */
export const STOP_SIGNAL = 7;
export const STOP_REASON_NAMES = ['running', 'exit_group', 'exit', 'fault', 'max-insns', 'crash', 'invariant', 'signal'];

export const CORE_RUNNING = 0;
export const CORE_EXITED = 1;
export const CORE_FAULTED = 2;

export const CORE_STATE = 0;
export const CORE_EXIT_CODE = 1;
export const CORE_SLEEPING_UNTIL = 8;
export const CORE_CROSSINGS = 12;

/** Word index of field f of core c. */
export function coreWord(c: number, f: number): number {
  return CORE_BASE + c * SLOT_WORDS + f;
}

/** A worker's place in simulated time: per thread, so it lives beside the control block, not in it. */
export interface QuantumClock {
  /** The quantum this thread is running. */
  quantum: number;
}

export class ControlBlock {
  readonly i32: Int32Array;
  readonly f64: Float64Array;

  constructor(readonly sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
  }

  static create(cores: number): ControlBlock {
    const cb = new ControlBlock(new SharedArrayBuffer((CORE_BASE + cores * SLOT_WORDS) * 4));
    cb.i32[STOP_CORE] = -1;
    return cb;
  }

  get stopping(): boolean {
    return Atomics.load(this.i32, STOP) !== 0;
  }

  /** True once a stop was requested in quantum q or earlier: after barrier q every worker leaves. */
  stopDecided(q: number): boolean {
    const v = Atomics.load(this.i32, STOP);
    return v !== 0 && v - 1 <= q;
  }

  /**
   * Stops the machine; the first caller's reason, core and code stand. `quantum`: the one the
   * calling thread is running (the main thread: 0). Returns whether this call won.
   */
  requestStop(reason: number, core: number, exitCode: number, quantum: number): boolean {
    if (Atomics.compareExchange(this.i32, STOP, 0, quantum + 1) !== 0) return false;
    Atomics.store(this.i32, REASON, reason);
    Atomics.store(this.i32, STOP_CORE, core);
    Atomics.store(this.i32, EXIT_CODE, exitCode);
    return true;
  }

  setProgress(c: number, cycles: number, instret: number): void {
    const w = CORE_BASE + c * SLOT_WORDS;
    this.f64[(w + 4) >> 1] = cycles;
    this.f64[(w + 6) >> 1] = instret;
  }

  progress(c: number): { cycles: number; instret: number } {
    const w = CORE_BASE + c * SLOT_WORDS;
    return { cycles: this.f64[(w + 4) >> 1], instret: this.f64[(w + 6) >> 1] };
  }
}
