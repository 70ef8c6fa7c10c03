// The cores one worker hosts, and how they advance through simulated time.
// Every worker runs quanta: each hosted core runs until its cycle counter reaches
// the quantum's end, then all workers meet at the barrier. A worker with several
// cores interleaves them, smallest cycle counter first, `interleave` cycles at a
// time; with one worker for all cores (threads = 1) this is the deterministic mode.
// A core inside an LR/SC hold window keeps the host until the window closes, even
// past the quantum's end (cores/memory.ts, rule 3).

import { Kernel, type FaultInfo, type OutputChunk } from '../src/kernel/kernel.ts';
import { LinuxKernel, type LinuxBuffers, type LinuxExec, type ProcessStats } from '../src/kernel/linux.ts';
import type { CpuMmu } from '../src/kernel/mm/tlbflush.ts';
import type { CoreMmu } from './mmu/core_mmu.ts';
import type { TlbStats } from './tlb.ts';
import type { MachineConfig } from '../shared/config.ts';
import { ControlBlock, STOP_MAX_INSNS, type QuantumClock } from '../shared/control.ts';
import { checkInvariants, takeTouchedSets } from '../shared/coherence/checker.ts';
import { CoherenceViews } from '../shared/coherence/layout.ts';
import type { Regions } from '../shared/regions.ts';
import { protocolFor } from '../shared/coherence/mutations.ts';
import type { C2cEntry } from './c2c_recorder.ts';
import { Hart, RUN_STOPPED } from './hart.ts';
import { coreMemoryFor } from './core_memory.ts';
import { Jit } from './jit/jit.ts';
import type { CacheMemory } from './mem_cache.ts';

export interface CoreGroupInit {
  config: MachineConfig;
  coreIds: number[];
  /** The machine's shared regions (shared/regions.ts): one object for every worker. */
  regions: Regions;
  entry: number;
  /** Initial sp of every core, indexed by core id. */
  stackTops: number[];
  pid: number;
  /** --boot linux: the first process and the kernel's shared buffers (the regions' mm too). */
  linux?: { exec: LinuxExec; buffers: LinuxBuffers };
}

export interface CoreResult {
  id: number;
  instructions: number;
  cycles: number;
  /** Where the core stopped. */
  pc: number;
  /** Store-conditionals that succeeded and that failed. */
  scSucceeded: number;
  scFailed: number;
  /** Line-sized chunks the kernel copied from and to this core's guest memory (its access path). */
  kernelReads: number;
  kernelWrites: number;
  /** Cache and coherence counters (shared/coherence/stats.ts layout), with --memory caches. */
  counters?: number[];
  /** --boot linux: TLB lookups that missed, page walks, and the cycles the walks cost. */
  tlbMisses?: number;
  pageWalks?: number;
  /** PTEs those walks read (levels walked). */
  pteReads?: number;
  walkCycles?: number;
  /** --boot linux: the TLB levels' counts (cores/tlb.ts) and the TLB shootdowns this core sent and received. */
  tlb?: TlbStats & { shootdownsSent: number; shootdownsReceived: number };
}

/**
 * --boot linux: how far an idle core may run ahead of the busy core furthest behind, in cycles:
 * a task woken onto it starts at most this late (in simulated time), and idle cores are visited
 * once per this many busy cycles instead of once per interleave slice.
 */
const IDLE_SLACK = 1000;

/** How often a lone core looks at the shared stop word, in cycles (at most once a quantum anyway). */
const STOP_CHECK_CYCLES = 1 << 16;

export class CoreGroup {
  readonly harts: Hart[];
  readonly kernel: Kernel | LinuxKernel;
  /** The kernel when it is --boot linux's (its tick and idle loop are called from the run loop). */
  private readonly linux?: LinuxKernel;
  private readonly mmus: (CoreMmu | undefined)[] = [];
  readonly ctl: ControlBlock;
  /** This worker's place in simulated time (per thread: not in the shared control block). */
  readonly clock: QuantumClock = { quantum: 0 };
  private readonly live: boolean[];
  private readonly cfg: MachineConfig;
  private readonly counters: Float64Array[] = [];
  private readonly views?: CoherenceViews;
  private readonly ramU8: Uint8Array;
  private readonly cacheMems: CacheMemory[] = [];

  constructor(init: CoreGroupInit) {
    this.cfg = init.config;
    const { ram, control, coherence } = init.regions;
    this.ctl = new ControlBlock(control);
    const mmus = new Map<number, CpuMmu>();
    const linux = init.linux;
    if (linux && !init.regions.mm) throw new Error('BUG: --boot linux without the mm region');
    this.kernel = linux
      ? new LinuxKernel({
        control: this.ctl, clock: this.clock, clockHz: this.cfg.clockHz, cores: this.cfg.cores, mm: init.regions.mm!,
        buffers: linux.buffers, exec: linux.exec, mmus, caches: linuxCacheInfo(this.cfg),
      })
      : new Kernel({ control: this.ctl, clock: this.clock, clockHz: this.cfg.clockHz, pid: init.pid });
    if (this.kernel instanceof LinuxKernel) this.linux = this.kernel;
    const views = coherence ? new CoherenceViews({ ...this.cfg.caches, cores: this.cfg.cores }, coherence) : undefined;
    this.views = views;
    this.ramU8 = new Uint8Array(ram);
    const { table, flags } = protocolFor(this.cfg.mutation || undefined);
    this.harts = init.coreIds.map((id) => {
      const { mem, decode, cache, ctr, mmu } = coreMemoryFor(this.cfg, id, ram, views, table, flags);
      if (cache && ctr) {
        this.counters.push(ctr);
        this.cacheMems.push(cache);
      }
      this.mmus.push(mmu);
      const jit = this.cfg.engine === 'jit' ? new Jit(decode, mem.fetchSpan) : undefined;
      const h = new Hart({ hartId: id, mem, decode, trap: this.kernel, timePerCycle: this.cfg.timebaseHz / this.cfg.clockHz, jit });
      if (mmu) {
        mmu.sink = h; // walks charge the core that walks
        if (mmu.tlb) mmu.tlb.sink = h; // and so do STLB hits
        mmus.set(id, mmu);
      }
      // SPMD boot: a0 = hart id, a1 = core count, sp = top of this hart's stack.
      h.pc = init.entry;
      h.xl[10] = id;
      h.xl[11] = this.cfg.cores;
      h.xl[2] = init.stackTops[id];
      return h;
    });
    this.live = this.harts.map(() => true);
    const lk = this.linux;
    if (lk) for (const m of this.cacheMems) m.c2c.ownerOf = (core) => lk.runningOn(core); // c2c names data per process
    if (this.kernel instanceof LinuxKernel) {
      // pid 1 starts on core 0; the worker that hosts core 0 runs tasks on every core it hosts
      // (they start in their idle task). Another worker's cores stay idle (not live) and cost
      // nothing: running tasks there needs the kernel's remote path (parallel mode).
      const home = this.harts.some((h) => h.hartId === 0);
      for (let i = 0; i < this.harts.length; i++) {
        if (this.harts[i].hartId === 0) this.kernel.start(this.harts[i]);
        else if (home) this.kernel.attach(this.harts[i]);
        else this.live[i] = false;
      }
      if (home) this.kernel.placeInit();
    }
  }

  private tlbCounts(core: number, mmu: CoreMmu): CoreResult['tlb'] {
    const k = this.kernel instanceof LinuxKernel ? this.kernel.shootdowns(core) : { sent: 0, received: 0 };
    return { ...mmu.tlbStats()!, shootdownsSent: k.sent, shootdownsReceived: k.received };
  }

  /** --boot linux: the process's numbers, from the worker that hosts it. */
  processStats(): ProcessStats | undefined {
    return this.kernel instanceof LinuxKernel && this.harts.some((h) => h.hartId === 0) ? this.kernel.processStats() : undefined;
  }

  get anyLive(): boolean {
    return this.live.some((l) => l);
  }

  /**
   * Runs every hosted core up to cycle `end` or until the machine stops. No LR/SC hold is
   * open when it returns, however it returns: other workers may be waiting on one.
   */
  runQuantum(end: number): void {
    try {
      this.runCores(end);
    } finally {
      for (const h of this.harts) if (h.mem.holdUntil !== 0) h.mem.endHold();
    }
  }

  private runCores(end: number): void {
    const harts = this.harts;
    const step = harts.length === 1 ? Math.min(STOP_CHECK_CYCLES, this.cfg.quantum) : this.cfg.interleave;
    for (;;) {
      if (this.ctl.stopping) return;
      // Pick the live core furthest behind in simulated time.
      let pick = -1;
      let best = end;
      for (let i = 0; i < harts.length; i++) {
        if (this.live[i] && harts[i].cycle < best) {
          best = harts[i].cycle;
          pick = i;
        }
      }
      if (pick < 0) return;
      const h = harts[pick];
      let limit = Math.min(end, h.cycle + step);
      const lk = this.linux;
      if (lk) {
        // --boot linux: an idle core jumps to its next event, but no further than IDLE_SLACK
        // (or a slice) past the busy core furthest behind, which may wake a task onto it; a running one stops
        // at its next event (the tick, a pending reschedule IPI).
        if (lk.isIdle(h.hartId)) {
          let to = end;
          const slack = Math.max(step, IDLE_SLACK);
          for (let i = 0; i < harts.length; i++) if (i !== pick && this.live[i] && !lk.isIdle(harts[i].hartId)) to = Math.min(to, harts[i].cycle + slack);
          if (!lk.idle(h, to)) this.live[pick] = false;
          continue;
        }
        limit = Math.min(limit, lk.nextEvent(h.hartId));
      }
      if (this.cfg.maxInsns > 0) {
        const left = this.cfg.maxInsns - h.instret;
        if (left <= 0) {
          this.ctl.requestStop(STOP_MAX_INSNS, h.hartId, 0, this.clock.quantum);
          this.live[pick] = false;
          return;
        }
        // Each instruction costs at least one cycle, so this never overshoots the limit.
        limit = Math.min(limit, h.cycle + left);
      }
      let r = h.run(limit);
      const hold = h.mem.holdUntil;
      if (hold > 0) {
        // Inside an LR/SC hold: run on, an instruction at a time, until this window closes
        // (the SC, a lost reservation, or its last cycle), then switch.
        while (r !== RUN_STOPPED && h.mem.holdUntil === hold && (this.cfg.maxInsns === 0 || h.instret < this.cfg.maxInsns)) r = h.run(h.cycle + 1);
        if (h.mem.holdUntil !== 0) h.mem.endHold(); // a new LR, a stop or the instruction limit
      }
      if (r === RUN_STOPPED) this.live[pick] = false;
      else if (lk && h.cycle >= lk.nextEvent(h.hartId)) lk.tick(h);
    }
  }

  publishProgress(): void {
    for (const h of this.harts) this.ctl.setProgress(h.hartId, h.cycle, h.instret);
  }

  takeOutput(): OutputChunk[] {
    return this.kernel.takeOutput();
  }

  results(): CoreResult[] {
    return this.harts.map((h, i) => ({
      id: h.hartId,
      instructions: h.instret,
      cycles: h.cycle,
      pc: h.pc,
      scSucceeded: h.mem.scSucceeded,
      scFailed: h.mem.scFailed,
      kernelReads: h.mem.kernelReads,
      kernelWrites: h.mem.kernelWrites,
      ...(this.counters[i] ? { counters: Array.from(this.counters[i]) } : {}),
      ...(this.mmus[i] ? { tlbMisses: this.mmus[i]!.tlbMisses, pageWalks: this.mmus[i]!.pageWalks, pteReads: this.mmus[i]!.pteReads, walkCycles: this.mmus[i]!.walkCycles, tlb: this.tlbCounts(h.hartId, this.mmus[i]!) } : {}),
    }));
  }

  /**
   * The coherence invariants; call only while every worker waits at the barrier. `full`:
   * the whole machine; otherwise only the L3 sets touched since the last check (checker.ts).
   */
  checkInvariants(full = true): string[] {
    if (!this.views) return [];
    const touched = takeTouchedSets(this.views);
    return checkInvariants(this.views, this.ramU8, full ? undefined : touched);
  }

  c2cEntries(): C2cEntry[] {
    return this.cacheMems.flatMap((m) => m.c2c.entries());
  }

  faults(): FaultInfo[] {
    return this.kernel.faults;
  }
}

/** The cache levels as the auxv's ARCH_DLINFO reports them (--memory caches only; flat has none). */
function linuxCacheInfo(cfg: MachineConfig) {
  if (cfg.memory !== 'caches') return undefined;
  const c = cfg.caches;
  const g = (l: { sizeBytes: number; ways: number }) => ({ size: l.sizeBytes, ways: l.ways, lineSize: c.lineBytes });
  return { l1i: g(c.l1i), l1d: g(c.l1d), l2: g(c.l2), l3: g(c.l3) };
}
