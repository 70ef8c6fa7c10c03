// The memory path's faults, one implementation for both memory models (mem_flat.ts,
// mem_cache.ts) and the TLB (tlb.ts). Each throws a GuestFault: it leaves the interpreter
// through the hart's one trap tail (Hart.run's catch), never returns. Access faults (no
// translation, outside RAM) come from the TLB's miss handler (tlb.ts accessFaultCause).

import { CAUSE_LOAD_ACCESS, CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, GuestFault } from '../src/kernel/fault.ts';

/** The address-misaligned exception: a load's (`load`, LR included), else a store's or AMO's. */
export function misalignedFault(a: number, load: boolean): never {
  throw new GuestFault(load ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, a);
}

/** Atomics must be naturally aligned (the A extension allows raising the misaligned exception). */
export function checkAligned(a: number, size: number, load: boolean): void {
  if ((a & (size - 1)) !== 0) misalignedFault(a, load);
}

/** The access faults of bare mode's bounds checks (the TLB path raises the same from tlb.ts). */
export function loadFault(a: number): never {
  throw new GuestFault(CAUSE_LOAD_ACCESS, a);
}
export function storeFault(a: number): never {
  throw new GuestFault(CAUSE_STORE_ACCESS, a);
}
