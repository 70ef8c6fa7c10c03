// The seam every guest memory access goes through: one method per access size.
// `--memory flat` implements it straight over RAM (cores/mem_flat.ts); the cache
// hierarchy and the MMU take it over later. Addresses are guest addresses as JS
// numbers (exact below 2^53); an address outside the machine throws GuestFault.
// 64-bit values travel as (lo, hi) int32 pairs: load64 returns lo and leaves hi in `hi`.

// LR/SC forward progress: the hold. The A extension promises that a constrained LR/SC
// sequence (LR, at most 16 base-ISA instructions with no other loads, stores, backward
// branches or system instructions, then SC) eventually succeeds. Real cores keep that promise
// by holding the reserved line for a bounded time after LR (Rocket's and BOOM's lrscCycles,
// XiangShan's LRSCCycles); smpemu does the same, in simulated cycles:
//   1. A successful LR opens a hold window on its line: it closes at the core's SC, when the
//      core loses its reservation (its own eviction, a trap), or `lrscHoldCycles` cycles later
//      (machine config), whichever comes first. The hart times the window (holdUntil below).
//   2. While the window is open, every remote request for the line (BusRd, BusRdX, BusUpgr,
//      the L3 back-invalidation of a fill) waits for it to close: the bus backs out of the
//      transaction, unlocks and retries (shared/coherence/l2_controller.ts). So the holder's line stays
//      Modified in its L2 and its SC finds the reservation intact.
//   3. The interleaver never switches a core out inside its window, and never lets it stop at
//      a quantum barrier with one open (cores/core_group.ts). So a waiter never waits for a
//      core of its own worker, nor for a worker parked at the barrier: the holder is always
//      running, and its window is bounded in simulated cycles.
//   4. A core that has to wait gives up its own hold first, so waits never form a cycle
//      (only an unconstrained sequence waits while holding: a load of another held line).
// An unconstrained sequence gets no promise (its window may close first, as the spec allows);
// --max-insns still stops a loop that never succeeds. With --memory flat there is no bus: the
// SC compares values, and the hold only keeps the interleaver off the window.

export interface HartMemory {
  /** High word of the last load64 / amo*64 / lr64 result. */
  hi: number;
  /** Extra cycles charged by the last access (latency model). */
  lastLatency: number;
  /** pc of the instruction making the next data access (the hart sets it; c2c records use it). */
  pc: number;
  /** Bytes of a fetch block, a power of two: the hart calls fetchAccess whenever pc enters a new block. */
  readonly fetchSpan: number;
  /** An instruction-fetch access to the block holding pc; returns its extra cycles. */
  fetchAccess(pc: number): number;

  /** The aligned 32-bit word at pc (pc % 4 === 0), as an int32. */
  fetch32(pc: number): number;
  /** The 16-bit parcel at pc (pc % 2 === 0), zero-extended: compressed code and words that straddle a line or page. */
  fetch16(pc: number): number;
  load8(a: number): number; // sign-extended
  load8u(a: number): number;
  load16(a: number): number; // sign-extended
  load16u(a: number): number;
  load32(a: number): number; // int32
  load64(a: number): number; // lo; hi in this.hi
  store8(a: number, v: number): void;
  store16(a: number, v: number): void;
  store32(a: number, v: number): void;
  store64(a: number, lo: number, hi: number): void;

  /** AMO on a 32-bit word: op is one of AMO_* below; returns the old value (int32). */
  amo32(op: number, a: number, v: number): number;
  /** AMO on a 64-bit word: returns old lo, old hi in this.hi. */
  amo64(op: number, a: number, lo: number, hi: number): number;
  lr32(a: number): number;
  lr64(a: number): number;
  /** Store-conditional: 0 on success, 1 on failure (the rd value). */
  sc32(a: number, v: number): number;
  sc64(a: number, lo: number, hi: number): number;
  /** FENCE: order this hart's accesses against other harts'. */
  fence(): void;

  /**
   * The kernel's access path (copy_from_user / copy_to_user): [a, a + n) moved line by line
   * through this memory path (translation, then L1d/L2 or RAM), counted as kernel traffic
   * (kernelReads / kernelWrites, in lines), never as guest loads or stores. Returns the
   * cycles the copy cost, which the caller charges to the core. A bad address throws
   * GuestFault naming the first byte of the line-sized chunk that faulted.
   */
  copyFromGuest(a: number, out: Uint8Array): number;
  copyToGuest(a: number, data: Uint8Array): number;
  /** Line-sized chunks the kernel copied from and to guest memory. */
  kernelReads: number;
  kernelWrites: number;

  /**
   * The LR/SC hold (above): 0 while none is open; -1 just after an LR opened one (the hart
   * then sets the cycle it closes, lrscHold cycles on); else that cycle. endHold closes it.
   */
  holdUntil: number;
  /** Hold window in cycles (0: LR opens none, as when tests drive a memory by hand). */
  readonly lrscHold: number;
  endHold(): void;
  /** Store-conditionals that succeeded and that failed, for the run summary. */
  scSucceeded: number;
  scFailed: number;
}

/**
 * The kernel path's chunking: move(va, i, n) for each piece [va, va + n) of [a, a + len)
 * that lies within one line (i: its offset in the copy); returns the sum of the cycles the
 * pieces cost. A closure per copy, not per access: kernel copies are off the hot path.
 */
export function byLines(a: number, len: number, lineBytes: number, move: (va: number, i: number, n: number) => number): number {
  let cycles = 0;
  for (let i = 0; i < len; ) {
    const n = Math.min(len - i, lineBytes - ((a + i) & (lineBytes - 1)));
    cycles += move(a + i, i, n);
    i += n;
  }
  return cycles;
}

// AMO operation numbers, shared by decoder and memory implementations (funct5 values of the A extension).
export const AMO_ADD = 0x00;
export const AMO_SWAP = 0x01;
export const AMO_XOR = 0x04;
export const AMO_OR = 0x08;
export const AMO_AND = 0x0c;
export const AMO_MIN = 0x10;
export const AMO_MAX = 0x14;
export const AMO_MINU = 0x18;
export const AMO_MAXU = 0x1c;
