// The one place a core's memory is wired, for the machine (core_group.ts) and the tests
// (test/coherence/harness.ts) alike: hart -> address translation (tlb.ts) -> physical
// memory, flat or caches. With caches:
// the core's L1 tag filters (CacheMemory) over its L2 controller over the shared arrays.

import type { MachineConfig } from '../shared/config.ts';
import { L2Controller, type BusMutations, type BusRam } from '../shared/coherence/l2_controller.ts';
import type { CoherenceViews } from '../shared/coherence/layout.ts';
import type { ProtocolTable } from '../shared/coherence/mesi.ts';
import { counterLength } from '../shared/coherence/stats.ts';
import { DecodeCache } from './decode_cache.ts';
import { BareCacheMemory, CacheMemory } from './mem_cache.ts';
import { BareFlatMemory, FlatMemory } from './mem_flat.ts';
import type { HartMemory } from './memory.ts';
import { CoreMmu } from './mmu/core_mmu.ts';
import { CachePhys, FlatPhys } from './mmu/phys.ts';
import { IdentityMap, Tlb, type TlbMissHandler } from './tlb.ts';
import type { TlbGeometry } from '../shared/tlb_geometry.ts';

export interface CoreMemoryInit {
  core: number;
  ram: SharedArrayBuffer;
  /** Lowest valid address (below it every access faults). */
  ramBase: number;
  /** LR/SC hold window in cycles (0: LR opens none). */
  lrscHold: number;
  /** `--memory flat`: the flat latency per access. */
  flatLatency?: number;
  /** The TLB's miss handler (default: the identity map over [ramBase, RAM's end), bare mode). */
  translation?: TlbMissHandler;
  /** The simulated TLBs behind the host array (with a translation; bare mode has none). */
  tlbGeometry?: TlbGeometry;
  /** `--memory caches`: the hierarchy's shared arrays, the protocol and its injected bugs. */
  caches?: { views: CoherenceViews; table: ProtocolTable; mutations?: BusMutations; ramView?: BusRam };
  /** The cache counters' array (default: a new private one; a shared one for a second view of a core). */
  ctr?: Float64Array;
  /** One thread runs every core (no other worker touches the hierarchy): CacheMemoryOptions.solo. */
  solo?: boolean;
}

export interface CoreMemory {
  mem: HartMemory;
  /** Address translation in front of the memory (hart -> TLB -> physical memory). */
  tlb: Tlb;
  decode: DecodeCache;
  /** With caches: the core's view of the hierarchy, its L2 controller and its counters. */
  cache?: CacheMemory;
  l2?: L2Controller;
  ctr?: Float64Array;
  /** `--boot linux`: the page walker behind the TLB and the kernel's access to it. */
  mmu?: CoreMmu;
}

export function createCoreMemory(o: CoreMemoryInit): CoreMemory {
  const decode = new DecodeCache(o.ram.byteLength);
  // Bare mode (no translation given) gets the memory classes that bounds-check instead of
  // looking up the TLB; a miss handler of any other kind gets the TLB path, with the
  // simulated TLB levels behind it. Chosen here, once: the hot path never asks which.
  const identity = o.translation ? undefined : new IdentityMap(o.ramBase, o.ram.byteLength);
  const tlb = new Tlb(o.translation ?? identity!, o.translation ? o.tlbGeometry : undefined);
  const c = o.caches;
  if (!c) {
    const lat = o.flatLatency ?? 0;
    const mem = identity ? new BareFlatMemory(o.ram, tlb, identity, lat, decode, o.lrscHold) : new FlatMemory(o.ram, tlb, lat, decode, o.lrscHold);
    return { mem, tlb, decode };
  }
  const ctr = o.ctr ?? new Float64Array(counterLength(c.views.geometry.cores));
  const l2 = new L2Controller(c.views, o.core, c.table, c.ramView ?? { u8: new Uint8Array(o.ram) }, ctr, c.mutations ?? {});
  const opts = { core: o.core, views: c.views, l2, tlb, decode, ctr, lrscHold: o.lrscHold, solo: o.solo };
  const cache = identity ? new BareCacheMemory(opts, identity) : new CacheMemory(opts);
  return { mem: cache, tlb, decode, cache, l2, ctr };
}

/** The machine's wiring of core `core` from its config (caches when `views` is given). */
export function coreMemoryFor(config: MachineConfig, core: number, ram: SharedArrayBuffer, views: CoherenceViews | undefined, table: ProtocolTable, mutations: BusMutations, ctr?: Float64Array): CoreMemory {
  if (config.boot === 'linux') {
    // Sv39 through this core's own memory path: the walker reads PTEs through its caches.
    const phys = views ? new CachePhys(views, config.ramBase, config.ramBytes) : new FlatPhys(ram, config.ramBase, config.flatLatency);
    const mmu = new CoreMmu(phys, phys);
    const cm = createCoreMemory({
      core,
      ram,
      ramBase: config.ramBase,
      lrscHold: config.lrscHoldCycles,
      flatLatency: config.flatLatency,
      translation: mmu,
      tlbGeometry: config.tlb,
      caches: views ? { views, table, mutations } : undefined,
      ctr,
      solo: config.threads === 1,
    });
    if (phys instanceof CachePhys) phys.attach(cm.cache!);
    else phys.traffic = cm.mem;
    mmu.tlb = cm.tlb;
    mmu.decode = cm.decode;
    return { ...cm, mmu };
  }
  return createCoreMemory({
    core,
    ram,
    ramBase: config.ramBase,
    lrscHold: config.lrscHoldCycles,
    flatLatency: config.flatLatency,
    caches: views ? { views, table, mutations } : undefined,
    solo: config.threads === 1,
  });
}
