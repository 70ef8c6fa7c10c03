// The home worker's view of a core another worker hosts (parallel --boot linux): what the
// kernel gets as `cpu` when it serves that core's trap. Its registers come from the core's
// mailbox; its guest memory goes through a second view of that core's own caches (the same
// L2 arrays in shared memory, with private L1 tags and TLB of its own), so the kernel's copies
// warm and charge the calling core's caches, as a trap does on Linux. Coherence holds because
// the core's worker is blocked for the whole call: one thread at a time drives the core's L2.
// Its cache counters live in the mailbox region so the core's worker can add them to its own.

import { FpRegs } from './fpu/regs.ts';
import { coreMemoryFor } from './core_memory.ts';
import type { CacheMemory } from './mem_cache.ts';
import type { HartMemory } from './memory.ts';
import type { CoreMmu } from './mmu/core_mmu.ts';
import type { MachineConfig } from '../shared/config.ts';
import type { CoherenceViews } from '../shared/coherence/layout.ts';
import type { BusMutations } from '../shared/coherence/l2_controller.ts';
import type { ProtocolTable } from '../shared/coherence/mesi.ts';
import type { C2cEntry } from './c2c_recorder.ts';
import type { Mailboxes } from '../src/kernel/remote/mailbox.ts';
import type { RemoteCpu, ShadowCore } from '../src/kernel/remote/server.ts';

class ShadowCpu implements RemoteCpu {
  pc = 0;
  instret = 0;
  /** True while the home runs a kernel entry for this core: its context is the mailbox's. */
  serving = false;
  private cyc = 0;
  readonly xl = new Int32Array(33);
  readonly xh = new Int32Array(33);
  readonly f = new FpRegs();
  frm = 0;
  fflags = 0;

  constructor(
    readonly hartId: number,
    private readonly mem: HartMemory,
    private readonly mb: Mailboxes,
  ) {}

  /**
   * The core's clock: during a call the caller's; otherwise where its worker last said it was
   * (another core's wakeup reads it), and a write is a catch-up the idle core takes at its
   * next slice (the kernel's idle-core catch-up, src/kernel/linux.ts).
   */
  get cycle(): number {
    return this.serving ? this.cyc : this.mb.liveCycle(this.hartId);
  }
  set cycle(v: number) {
    if (this.serving) this.cyc = v;
    else this.mb.catchUp(this.hartId, v);
  }

  readGuest(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.cycle += this.mem.copyFromGuest(addr, out);
    return out;
  }

  writeGuest(addr: number, data: Uint8Array): void {
    this.cycle += this.mem.copyToGuest(addr, data);
  }
}

export class Shadow implements ShadowCore {
  readonly cpu: ShadowCpu;
  /** The view's own MMU (the kernel is handed a RemoteMmu around it). */
  readonly coreMmu: CoreMmu;
  mmu!: ShadowCore['mmu'];
  private readonly mem: HartMemory;
  private readonly cache?: CacheMemory;

  constructor(config: MachineConfig, core: number, ram: SharedArrayBuffer, views: CoherenceViews | undefined, table: ProtocolTable, mutations: BusMutations, mb: Mailboxes, ctr?: Float64Array) {
    const cm = coreMemoryFor(config, core, ram, views, table, mutations, ctr);
    if (!cm.mmu) throw new Error('BUG: a remote core without an MMU (--boot linux only)');
    this.mem = cm.mem;
    this.cache = cm.cache;
    this.cpu = new ShadowCpu(core, cm.mem, mb);
    this.coreMmu = cm.mmu;
    cm.mmu.sink = this.cpu; // the kernel's walks charge the calling core
    if (cm.mmu.tlb) cm.mmu.tlb.sink = this.cpu;
  }

  enter(): void {
    this.cpu.serving = true;
    this.cache?.dropL1();
  }

  leave(): void {
    this.cpu.serving = false;
  }

  /** Who runs on the core, for the c2c records the kernel's accesses for it make. */
  set ownerOf(f: ((core: number) => { pid: number; comm: string; image: number } | undefined) | undefined) {
    if (this.cache) this.cache.c2c.ownerOf = f;
  }

  /** The c2c samples of the kernel's accesses for this core (lines shared with other cores). */
  c2cEntries(): C2cEntry[] {
    return this.cache ? this.cache.c2c.entries() : [];
  }

  get kernelReads(): number {
    return this.mem.kernelReads;
  }
  get kernelWrites(): number {
    return this.mem.kernelWrites;
  }
}
