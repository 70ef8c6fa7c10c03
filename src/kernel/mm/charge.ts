// How the memory manager charges its touches of kernel structures to the core it runs on.
// Every kernel structure has a simulated physical address in the kernel's region (mmzone.ts
// layout); the caller passes the core's hook, and the allocator reports each line it reads
// or writes (the zone lock's line, a per-CPU pageset, a struct page). The integration with
// the cores (a hook that runs the access through that core's L1/L2/bus and adds its latency
// to the core's cycles) comes with `--boot linux`; until then NO_CHARGE is the default.

export interface MmCharge {
  /** The kernel on this core touched the cache line holding physical address `pa`. */
  touch(pa: number, write: boolean): void;
}

/** Charges nothing: for tests, the bench, and until the cores wire their cache path in. */
export const NO_CHARGE: MmCharge = { touch(): void {} };
