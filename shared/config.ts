// The machine configuration's shape, shared by the main thread (src/machine, which fills
// defaults and validates it) and the workers (cores/), which only read it.

import type { CacheGeometry } from './coherence/layout.ts';
import type { TlbGeometry } from './tlb_geometry.ts';

export type MemoryModel = 'flat' | 'caches';
export type BootMode = 'spmd' | 'linux';
/** How harts execute: the interpreter (the reference), or hot blocks translated to JavaScript (cores/jit). */
export type Engine = 'interp' | 'jit';

export interface MachineConfig {
  /** Simulated cores (harts). */
  cores: number;
  /** Host worker threads; each hosts cores/threads cores. 1 is the deterministic mode. */
  threads: number;
  /** Physical RAM in bytes; guest physical addresses [ramBase, ramBytes). */
  ramBytes: number;
  /** Lowest valid physical address: page 0 is a guard so null pointers fault. */
  ramBase: number;
  /** Cycles each core runs between barriers. */
  quantum: number;
  /**
   * Parallel mode (threads > 1): the quantum doubles, up to 256 times `quantum` (16 under
   * --boot linux), while nothing crosses workers, and drops back at the first crossing
   * (cores/quantum.ts). Off: fixed.
   */
  adaptiveQuantum: boolean;
  /**
   * Cycles a core runs before a worker hosting several cores picks the next (smallest cycle
   * first). With caches it must be short against a miss, or cores that share a line would
   * take turns instead of contending; flat memory models no contention, so it can be long.
   */
  interleave: number;
  /**
   * Parallel mode (threads > 1, --boot spmd): a worker's slice doubles, up to `quantum`, while its
   * cores show no sharing, and drops back to `interleave` after a slice that shows it
   * (cores/interleave.ts). Off: fixed.
   */
  adaptiveInterleave: boolean;
  memory: MemoryModel;
  boot: BootMode;
  /** --boot linux: the process's page tables, Sv39 (3 levels) or Sv48 (4 levels, a 128 TiB user space). */
  mmu: 'sv39' | 'sv48';
  /** Stop the machine when any core has retired this many instructions (0: no limit). */
  maxInsns: number;
  /** Per-hart stack size in SPMD boot, bytes. */
  stackBytes: number;
  /** Core clock, for converting cycles to time. */
  clockHz: number;
  /** rdtime frequency. */
  timebaseHz: number;
  /** Extra cycles per memory access with --memory flat. */
  flatLatency: number;
  /** The cache hierarchy with --memory caches (sizes, ways, latencies, line size, L1 write policy). */
  caches: Omit<CacheGeometry, 'cores'>;
  /** Run the coherence invariant checker at every quantum boundary (slow; for stress tests). */
  checkInvariants: boolean;
  /** Inject one protocol bug by name (shared/coherence/mutations.ts); '' for the correct protocol. */
  mutation: string;
  /**
   * LR/SC hold window, cycles: after an LR the core keeps the line until its SC, or at most
   * this long, so constrained LR/SC loops make progress (cores/memory.ts). Default 80, Rocket's
   * and BOOM's lrscCycles: 16 instructions and an L3-hit instruction fetch fit with room.
   */
  lrscHoldCycles: number;
  /** Each core's TLBs under --boot linux (shared/tlb_geometry.ts); bare mode has no translation. */
  tlb: TlbGeometry;
  /** `interp` (default, the reference) or `jit`: identical counts, only the host speed differs. */
  engine: Engine;
  /** --boot linux: a simulated NIC raising receive interrupts (src/kernel/drivers/nic.ts); ratePps 0: none. */
  nic: NicConfig;
  /** --boot linux: CONFIG_HZ, the timer tick's rate in simulated time (100, 250, 300 or 1000; default 250). */
  hz: number;
}

/** The simulated NIC: packets at a fixed rate in simulated time, spread over one receive queue per core in `cpus`. */
export interface NicConfig {
  /** Packets per simulated second (0: no NIC). */
  ratePps: number;
  /** The cores its receive queues' interrupts are pinned to (smp_affinity), one queue each. */
  cpus: number[];
  /** Cycles of NET_RX work per packet. */
  workCycles: number;
}
