// The region map: every piece of memory the threads of one machine share, computed from
// the config at boot (allocateRegions) and handed to every worker as this one object.
// Each region's layout is described where its code lives; describeRegions lists them
// all, with their sizes, for the architecture page and `--inspect`-style tooling.
//
//   ram          guest physical memory [ramBase, ramBytes)        src/machine/boot.ts
//   control      stop word, exit status, brk, quantum barrier,    shared/control.ts
//                per-core state and progress (the run's stats)
//   coherence    (--memory caches) every core's L2 tags, states   shared/coherence/layout.ts
//                and data, the L3, the bus locks (one per L3 set),
//                the LR reservations and holds, and the checker's
//                touched-set marks
//   mm           (--boot linux) the physical memory manager's      src/kernel/mm/page_alloc.ts
//                page array, zones, per-CPU lists and vmstat
//                (createMm); page tables and user pages are in ram
//   linux        (--boot linux) the VMA pool and the mm table      src/kernel/mm/vma.ts, mm_struct.ts
//   remote       (--boot linux, threads > 1) the remote-trap       src/kernel/remote/mailbox.ts
//                mailboxes: doorbells, per-core call slots, flush
//                logs, the home's view's cache counters
//
// Per-thread state (a worker's quantum number, its counters, its L1 tags) is not here:
// it lives in the objects each worker builds over these regions.

import type { MachineConfig } from './config.ts';
import { ControlBlock } from './control.ts';
import { allocateCoherence, type CoherenceBuffers } from './coherence/layout.ts';
import type { MmBuffers } from '../src/kernel/mm/page_alloc.ts';

export interface Regions {
  ram: SharedArrayBuffer;
  control: SharedArrayBuffer;
  /** With --memory caches. */
  coherence?: CoherenceBuffers;
  /** The kernel's physical memory manager, when the kernel boots with one (createMm). */
  mm?: MmBuffers;
  /** --boot linux: the VMA pool and the mm table (src/kernel/mm/vma.ts, mm_struct.ts). */
  linux?: { vmaPool: SharedArrayBuffer; mmTable: SharedArrayBuffer };
  /** --boot linux with more than one worker: the remote-trap mailboxes (src/kernel/remote/mailbox.ts). */
  remote?: SharedArrayBuffer;
}

export interface RegionInfo {
  /** Dotted path in the map, e.g. `coherence.l2Data`. */
  name: string;
  bytes: number;
  what: string;
}

const WHAT: Record<string, string> = {
  ram: 'guest physical memory',
  control: 'stop word, exit status, brk, barrier, per-core state and progress',
  'coherence.l2Tag': 'per core: L2 line tags',
  'coherence.l2State': 'per core: L2 MESI state | BUSY',
  'coherence.l2Data': 'per core: L2 data (the coherence point)',
  'coherence.l3Tag': 'L3 line tags',
  'coherence.l3Dirty': 'L3 dirty bits',
  'coherence.l3Sharers': 'L3 sharer masks (the snoop filter)',
  'coherence.l3Stamp': 'L3 LRU stamps and per-set clocks',
  'coherence.l3Data': 'L3 data',
  'coherence.busLock': 'bus locks, one per L3 set',
  'coherence.reservation': 'per core: LR reservation, LR/SC hold, hold waiter',
  'coherence.touched': "per core: L3 sets touched since the checker's last pass",
  'mm.pages': 'the page array (struct page per pfn)',
  'mm.zones': 'zones: free lists, watermarks, zone locks',
  'mm.pcp': 'per-CPU page lists',
  'mm.vmstat': 'vmstat counters',
  'linux.vmaPool': 'the VMA pool (vm_area_struct records)',
  'linux.mmTable': 'mm_structs: mmap locks, layout, VM counters, sorted VMA arrays',
  remote: 'remote-trap mailboxes: doorbells, per-core call slots and flush logs',
};

/** Allocates the regions a machine with `config` shares; RAM and control start zeroed. */
export function allocateRegions(config: MachineConfig): Regions {
  return {
    ram: new SharedArrayBuffer(config.ramBytes),
    control: ControlBlock.create(config.cores).sab,
    coherence: config.memory === 'caches' ? allocateCoherence({ ...config.caches, cores: config.cores }) : undefined,
  };
}

/** Every shared buffer in the map, by dotted name, with its size and meaning. */
export function describeRegions(r: Regions): RegionInfo[] {
  const out: RegionInfo[] = [];
  const add = (name: string, b: SharedArrayBuffer) => out.push({ name, bytes: b.byteLength, what: WHAT[name] ?? '' });
  add('ram', r.ram);
  add('control', r.control);
  if (r.coherence) for (const [k, b] of Object.entries(r.coherence)) add(`coherence.${k}`, b);
  if (r.mm) for (const k of ['pages', 'zones', 'pcp', 'vmstat'] as const) add(`mm.${k}`, r.mm[k]);
  if (r.linux) for (const k of ['vmaPool', 'mmTable'] as const) add(`linux.${k}`, r.linux[k]);
  if (r.remote) add('remote', r.remote);
  return out;
}
