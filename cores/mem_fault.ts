// The faults of the physical memory layer, one implementation for both memory models
// (mem_flat.ts, mem_cache.ts). Each throws a GuestFault: it leaves the interpreter through
// the hart's one trap tail (Hart.run's catch), never returns.

import {
  CAUSE_FETCH_ACCESS,
  CAUSE_LOAD_ACCESS,
  CAUSE_MISALIGNED_LOAD,
  CAUSE_MISALIGNED_STORE,
  CAUSE_STORE_ACCESS,
  GuestFault,
} from '../src/kernel/fault.ts';

export function fetchFault(a: number): never {
  throw new GuestFault(CAUSE_FETCH_ACCESS, a);
}

export function loadFault(a: number): never {
  throw new GuestFault(CAUSE_LOAD_ACCESS, a);
}

export function storeFault(a: number): never {
  throw new GuestFault(CAUSE_STORE_ACCESS, a);
}

/**
 * An atomic access's checks: in [base, limit), naturally aligned (the A extension allows the
 * misaligned exception). An LR is a load (`load`): its faults are load faults; AMOs and SCs
 * raise store faults.
 */
export function checkAtomic(a: number, size: number, base: number, limit: number, load: boolean): void {
  if (a < base || a + size > limit) (load ? loadFault(a) : storeFault(a));
  if ((a & (size - 1)) !== 0) throw new GuestFault(load ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, a);
}
