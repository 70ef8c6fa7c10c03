// The cores one worker hosts, and how they advance through simulated time.
// Every worker runs quanta: each hosted core runs until its cycle counter reaches
// the quantum's end, then all workers meet at the barrier. A worker with several
// cores interleaves them, smallest cycle counter first, `interleave` cycles at a
// time; with one worker for all cores (threads = 1) this is the deterministic mode.
// A core inside an LR/SC hold window keeps the host until the window closes, even
// past the quantum's end (cores/memory.ts, rule 3).

import { Kernel, type FaultInfo, type OutputChunk } from '../src/kernel/kernel.ts';
import type { Cpu, TrapHandler } from '../src/kernel/cpu.ts';
import type { Mailboxes } from '../src/kernel/remote/mailbox.ts';
import type { KernelServer } from '../src/kernel/remote/server.ts';
import type { RemoteKernel } from '../src/kernel/remote/client.ts';
import { BARRIER_BASE } from '../shared/control.ts';
import { barrierWait, type SpinBudget } from '../shared/sync/barrier.ts';
import { counterLength } from '../shared/coherence/stats.ts';
import { Shadow } from './remote_shadow.ts';
import type { LinuxBuffers, LinuxExec, LinuxKernel, ProcessStats } from '../src/kernel/linux.ts';
import type { LinuxParts } from './linux_parts.ts';
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
import { Jit, type JitStats } from './jit/jit.ts';
import { TAIL_THRESHOLD } from './jit/tail.ts';
import { interleaveMax, nextInterleave } from './interleave.ts';
import type { CacheMemory } from './mem_cache.ts';
import { FlatMemory } from './mem_flat.ts';
import type { L2Controller } from '../shared/coherence/l2_controller.ts';

export interface CoreGroupInit {
  config: MachineConfig;
  coreIds: number[];
  /** The machine's shared regions (shared/regions.ts): one object for every worker. */
  regions: Regions;
  entry: number;
  /** Initial sp of every core, indexed by core id. */
  stackTops: number[];
  pid: number;
  /** --boot linux: the first process and the kernel's shared buffers (the regions' mm too); the constructor then needs the LinuxParts. */
  linux?: { exec: LinuxExec; buffers: LinuxBuffers };
  /** This worker's index (parallel --boot linux: the remote-trap doorbell it parks on). */
  workerIndex?: number;
}

/** What the run loop asks of the --boot linux kernel: LinuxKernel in its home worker, RemoteKernel elsewhere. */
interface LinuxEntries {
  isIdle(hartId: number): boolean;
  idle(cpu: Cpu, end: number): boolean;
  nextEvent(hartId: number): number;
  tick(cpu: Cpu): void;
  runningOn(hartId: number): { pid: number; comm: string; image: number } | undefined;
  /** Until which cycle an idle core sleeps (quantum skipping; 0: it has work). */
  sleepingUntil?(hartId: number): number;
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
  /** --engine jit: the translator's code cache (live regions, their source size, translations, drops, flushes): host-side, not simulated. */
  jit?: JitStats;
}

/**
 * --boot linux: how far an idle core may run ahead of the busy core furthest behind, in cycles:
 * a task woken onto it starts at most this late (in simulated time), and idle cores are visited
 * once per this many busy cycles instead of once per interleave slice.
 */
export const IDLE_SLACK = 1000;

/**
 * How far idle core `pick` may run its idle loop: the quantum's `end`, but no further than
 * `slack` past any other live core that has work (`hasWork`: a running task, or one queued it
 * has not switched to yet), since that core may wake a task onto this one.
 */
export function idleJumpEnd(end: number, slack: number, cores: ArrayLike<{ cycle: number; hartId: number }>, live: ArrayLike<boolean>, pick: number, hasWork: (hartId: number) => boolean): number {
  let to = end;
  for (let i = 0; i < cores.length; i++) if (i !== pick && live[i] && hasWork(cores[i].hartId)) to = Math.min(to, cores[i].cycle + slack);
  return to;
}

/**
 * How often a lone core (bare, no other core on its worker) looks at the shared stop word, in
 * cycles, whatever the quantum: a few ms of host time at most. Each look ends a run() call, and
 * under the translator a call ends and starts mid-block in the interpreter (a lone core has no
 * tails, tail.ts): at 20,000 cycles (the base quantum, this once capped it) compute_xl left
 * translated code ~59,000 times a core and interpreted ~781,000 instructions for it.
 */
export const STOP_CHECK_CYCLES = 1 << 20;
/** The same under --boot linux, capped by the quantum: the old bound, left as it was (not measured there). */
const LINUX_STOP_CHECK_CYCLES = 1 << 16;
/**
 * Parallel --boot linux: the longest run slice between two looks at the remote-trap mailboxes
 * (the home serves calls, the others apply shootdowns), in cycles.
 */
export const REMOTE_SLICE_CYCLES = 2000;

export class CoreGroup {
  readonly harts: Hart[];
  readonly kernel: Kernel | LinuxKernel | RemoteKernel;
  /** The kernel when it is --boot linux's (its tick and idle loop are called from the run loop). */
  private readonly linux?: LinuxEntries;
  /** Parallel --boot linux: the remote-trap mailboxes; the home's server or another worker's client. */
  private readonly mb?: Mailboxes;
  private readonly server?: KernelServer;
  private readonly client?: RemoteKernel;
  /** --boot linux, the worker hosting core 0: the kernel (its home). */
  private readonly home?: LinuxKernel;
  /** --boot linux: the kernel's modules (cores/linux_parts.ts, loaded only then). */
  private readonly parts?: LinuxParts;
  private readonly shadows: Shadow[] = [];
  private readonly workerIndex: number;
  /** The home's own cores entered the kernel since it last published (parallel --boot linux). */
  private homeEntered = true;
  private readonly mmus: (CoreMmu | undefined)[] = [];
  readonly ctl: ControlBlock;
  /** This worker's place in simulated time (per thread: not in the shared control block). */
  readonly clock: QuantumClock = { quantum: 0 };
  private readonly live: boolean[];
  /**
   * Without --boot linux: each core's clock (+Infinity once stopped), for the pick. A core's
   * clock moves only while it runs there (its own traps included), so one refresh per slice.
   */
  private readonly clocks: Float64Array;
  private readonly cfg: MachineConfig;
  private readonly counters: Float64Array[] = [];
  private readonly views?: CoherenceViews;
  private readonly ramU8: Uint8Array;
  private readonly cacheMems: CacheMemory[] = [];
  private readonly l2s: L2Controller[] = [];
  private readonly flatMems: FlatMemory[] = [];
  /**
   * The adaptive interleave (cores/interleave.ts): the longest slice (the configured interleave
   * when it does not adapt), the current one (kept across quanta), and per core its sharing
   * sum when its last slice ended. Host-side: not a stat.
   */
  private readonly maxSlice: number;
  private slice: number;
  /** The configured slice: the interleave, or a lone core's look at the stop word. */
  private readonly baseSlice: number;
  private readonly seen: Float64Array;
  /** Slices run with the adaptive interleave on, those longer than the interleave, the longest, and those that showed sharing. */
  readonly sliceStats = { slices: 0, longSlices: 0, maxSlice: 0, sharingSlices: 0 };

  constructor(init: CoreGroupInit, linuxParts?: LinuxParts) {
    this.cfg = init.config;
    const { ram, control, coherence } = init.regions;
    this.ctl = new ControlBlock(control);
    const mmus = new Map<number, CpuMmu>();
    const linux = init.linux;
    if (linux && !init.regions.mm) throw new Error('BUG: --boot linux without the mm region');
    if (linux && !linuxParts) throw new Error('BUG: --boot linux without the Linux kernel\'s modules (cores/linux_parts.ts)');
    this.parts = linuxParts;
    const parts = linuxParts!;
    this.workerIndex = init.workerIndex ?? 0;
    // Parallel --boot linux: the kernel lives in the worker hosting core 0 (its home); the
    // other workers' cores reach it through the remote-trap mailboxes (src/kernel/remote/).
    const home = init.coreIds.includes(0);
    if (linux && init.regions.remote) {
      this.mb = new parts.Mailboxes(init.regions.remote, this.cfg.cores, this.cfg.threads, coherence ? counterLength(this.cfg.cores) : 0);
    }
    if (linux && this.mb && !home) this.client = new parts.RemoteKernel(this.mb, this.workerIndex, this.clock, this.ctl);
    this.home = linux && !this.client
      ? new parts.LinuxKernel({
        control: this.ctl, clock: this.clock, clockHz: this.cfg.clockHz, cores: this.cfg.cores, mm: init.regions.mm!,
        buffers: linux.buffers, exec: linux.exec, mmus, caches: linuxCacheInfo(this.cfg),
        fetchCpu: (cpu) => this.server?.fetch(cpu),
      })
      : undefined;
    this.kernel = this.client ?? this.home ?? new Kernel({ control: this.ctl, clock: this.clock, clockHz: this.cfg.clockHz, pid: init.pid });
    if (!(this.kernel instanceof Kernel)) this.linux = this.kernel;
    const views = coherence ? new CoherenceViews({ ...this.cfg.caches, cores: this.cfg.cores }, coherence) : undefined;
    this.views = views;
    this.ramU8 = new Uint8Array(ram);
    const { table, flags } = protocolFor(this.cfg.mutation || undefined);
    // Parallel --boot linux: a home core's trap ends its LR/SC hold first (as the remote cores'
    // calls do), since the kernel may wait there for another worker's core (a shootdown's ack)
    // that may be waiting for the held line.
    const kernel = this.kernel;
    const homeKernel = this.home;
    const trap: TrapHandler = this.mb && homeKernel
      ? { trap: (cpu, cause, tval) => { const m = (cpu as Hart).mem; if (m.holdUntil !== 0) m.endHold(); this.homeEntered = true; return homeKernel.trap(cpu, cause, tval); } }
      : kernel;
    // The cores other workers host: a coherence transaction touching one of their copies crosses workers (cores/quantum.ts).
    let foreign = 0;
    for (let c = 0; c < this.cfg.cores; c++) if (!init.coreIds.includes(c)) foreign |= 1 << c; // (a 32-bit mask, as the sharer masks)
    this.harts = init.coreIds.map((id) => {
      const { mem, decode, cache, ctr, mmu, l2 } = coreMemoryFor(this.cfg, id, ram, views, table, flags);
      if (cache && ctr) {
        this.counters.push(ctr);
        this.cacheMems.push(cache);
      }
      if (l2) {
        l2.crossMask = foreign;
        this.l2s.push(l2);
      } else if (mem instanceof FlatMemory) this.flatMems.push(mem);
      this.mmus.push(mmu);
      // Blocks' tails (cores/jit/tail.ts) only where slices are short: several cores on this thread.
      const jit = this.cfg.engine === 'jit' ? new Jit(decode, mem, undefined, undefined, undefined, init.coreIds.length > 1 ? TAIL_THRESHOLD : Infinity) : undefined;
      const h = new Hart({ hartId: id, mem, decode, trap, timePerCycle: this.cfg.timebaseHz / this.cfg.clockHz, jit });
      if (mmu) {
        mmu.sink = h; // walks charge the core that walks
        if (mmu.tlb) mmu.tlb.sink = h; // and so do STLB hits
        mmus.set(id, mmu);
        this.client?.attach(id, { cpu: h, mmu, mem: h.mem, dropL1: cache ? () => cache.dropL1() : undefined });
      }
      // SPMD boot: a0 = hart id, a1 = core count, sp = top of this hart's stack.
      h.pc = init.entry;
      h.xl[10] = id;
      h.xl[11] = this.cfg.cores;
      h.xl[2] = init.stackTops[id];
      return h;
    });
    this.live = this.harts.map(() => true);
    this.clocks = new Float64Array(this.harts.length);
    // Every core here must have something that tells sharing: caches' counters or flat memory's atomics.
    const told = this.counters.length === this.harts.length || this.flatMems.length === this.harts.length;
    this.maxSlice = this.harts.length > 1 && !linux && told ? interleaveMax(this.cfg) : this.cfg.interleave;
    this.slice = this.cfg.interleave;
    this.baseSlice = this.harts.length > 1 ? this.cfg.interleave : linux ? Math.min(LINUX_STOP_CHECK_CYCLES, this.cfg.quantum) : STOP_CHECK_CYCLES;
    this.sliceStats.maxSlice = this.cfg.interleave;
    this.seen = new Float64Array(this.harts.length);
    const lk = this.linux;
    if (lk) for (const m of this.cacheMems) m.c2c.ownerOf = (core) => lk.runningOn(core); // c2c names data per process
    if (this.home) {
      // pid 1 starts on core 0 (then --affinity may move it); the worker that hosts core 0 (the
      // kernel's home) runs tasks on every core it hosts, and in parallel mode on every core
      // of the other workers too, whose traps it serves (src/kernel/remote/). They start idle.
      const lk = this.home;
      const byCore = new Map<number, Shadow>();
      if (this.mb) {
        // The home's view of every core another worker hosts: the kernel serves their traps through it.
        for (let c = 0; c < this.cfg.cores; c++) {
          if (init.coreIds.includes(c)) continue;
          const sh = new Shadow(this.cfg, c, ram, views, table, flags, this.mb, coherence ? this.mb.counters(c) : undefined);
          sh.mmu = new parts.RemoteMmu(sh.coreMmu, c, this.mb, () => this.server);
          sh.ownerOf = (core) => lk.runningOn(core);
          mmus.set(c, sh.mmu);
          byCore.set(c, sh);
          this.shadows.push(sh);
        }
        this.server = new parts.KernelServer(this.mb, lk, byCore, this.clock, this.ctl);
      }
      const home = this.harts.find((h) => h.hartId === 0);
      if (!home) throw new Error('BUG: the Linux kernel built in a worker without core 0');
      lk.start(home);
      for (const h of this.harts) if (h !== home) lk.attach(h);
      for (const sh of byCore.values()) lk.attach(sh.cpu, true);
      lk.placeInit();
      // What the other workers read of their cores: idle, next events, run-queue lengths.
      this.server?.publish();
    }
    // Another worker's cores (parallel mode) all run: idle until the home's kernel gives them a task.
  }

  /**
   * The quantum barrier. Parallel --boot linux: waiting there, the home serves remote traps
   * and the other workers apply the TLB shootdowns sent to their cores.
   */
  barrierWait(spin: boolean | SpinBudget): number {
    const mb = this.mb;
    if (!mb) return barrierWait(this.ctl.i32, BARRIER_BASE, spin);
    const server = this.server;
    const client = this.client;
    return this.parts!.remoteBarrierWait(this.ctl.i32, BARRIER_BASE, mb, this.workerIndex, server ? () => server.poll() : () => client?.drainAll());
  }

  private tlbCounts(core: number, mmu: CoreMmu): CoreResult['tlb'] {
    const k = this.home ? this.home.shootdowns(core) : this.mb ? this.mb.counts(core) : { sent: 0, received: 0 };
    return { ...mmu.tlbStats()!, shootdownsSent: k.sent, shootdownsReceived: k.received };
  }

  /** --boot linux: the process's numbers, from the worker that hosts it. */
  /** Parallel --boot linux, another worker: its cores' idle cycles not yet reported to the home (their last idle stretch). */
  unreportedIdleCycles(): number {
    return this.client?.takeIdleCycles() ?? 0;
  }

  processStats(): ProcessStats | undefined {
    return this.home && this.harts.some((h) => h.hartId === 0) ? this.home.processStats() : undefined;
  }

  /** Hosted core i's live cache and coherence counters (--memory caches), as its slices leave them. */
  countersOf(i: number): Float64Array | undefined {
    return this.counters[i];
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
      if (this.linux === undefined) {
        this.startSlices();
        this.runCores(end);
      } else this.runLinuxCores(end, this.linux);
    } finally {
      for (const h of this.harts) if (h.mem.holdUntil !== 0) h.mem.endHold();
    }
  }

  /**
   * What tells sharing in core i's slices (cores/interleave.ts): its counters' sharing sum, as
   * its L2 controller keeps it (L2Controller.sharing), or with flat memory its atomics. Only
   * core i's own slices move it (the requester counts).
   */
  private sharing(i: number): number {
    const l2 = this.l2s[i];
    return l2 !== undefined ? l2.sharing : this.flatMems[i].atomics;
  }

  /** The slice before the first of a quantum: the adaptive interleave's (kept across quanta), or `base`. */
  private firstSlice(base: number): number {
    if (this.maxSlice <= base) return base;
    // Flat memory's atomics count from 0 again at every quantum (takeCrossings).
    for (let i = 0; i < this.harts.length; i++) this.seen[i] = this.sharing(i);
    return this.slice;
  }

  /** The adaptive interleave after core `pick`'s slice of `step` cycles: the next slice (runCores has it written out). */
  private nextSlice(pick: number, step: number, base: number): number {
    const s = this.sharing(pick);
    const shared = s !== this.seen[pick];
    this.seen[pick] = s;
    const st = this.sliceStats;
    st.slices++;
    // Every counter written on every slice: an increment first run after TurboFan compiled
    // the run loop had no type feedback and deoptimized it (coh9, ab_compile).
    st.longSlices += step > base ? 1 : 0;
    st.maxSlice = Math.max(st.maxSlice, step);
    st.sharingSlices += shared ? 1 : 0;
    this.slice = nextInterleave(step, shared, base, this.maxSlice);
    return this.slice;
  }

  /**
   * Core `h`'s slice ended inside an LR/SC hold: run on, an instruction at a time, until this
   * window closes (the SC, a lost reservation, or its last cycle), then switch. Returns the
   * last run's result.
   */
  private closeHold(h: Hart, r: number): number {
    const hold = h.mem.holdUntil;
    while (r !== RUN_STOPPED && h.mem.holdUntil === hold && (this.cfg.maxInsns === 0 || h.instret < this.cfg.maxInsns)) r = h.run(h.cycle + 1);
    if (h.mem.holdUntil !== 0) h.mem.endHold(); // a new LR, a stop or the instruction limit
    return r;
  }

  /**
   * --max-insns: core `pick`'s slice limit so that it stops at the machine's instruction
   * limit, or -1 (having stopped the machine) when it has reached it.
   */
  private insnLimit(pick: number, limit: number): number {
    const h = this.harts[pick];
    const left = this.cfg.maxInsns - h.instret;
    if (left <= 0) {
      this.ctl.requestStop(STOP_MAX_INSNS, h.hartId, 0, this.clock.quantum);
      this.live[pick] = false;
      return -1;
    }
    // Each instruction costs at least one cycle, so this never overshoots the limit.
    return Math.min(limit, h.cycle + left);
  }

  /** Before runCores: each core's clock, and the first slice (this.slice). */
  private startSlices(): void {
    for (let i = 0; i < this.harts.length; i++) this.clocks[i] = this.live[i] ? this.harts[i].cycle : Infinity;
    this.slice = this.firstSlice(this.baseSlice);
  }

  /**
   * The run loop without --boot linux: slices of the live core furthest behind, from where
   * startSlices left the clocks and the slice. Only what every slice does is written here;
   * the rare steps (an open LR/SC hold, the instruction limit) are calls, so TurboFan
   * compiles a small loop. Rules that keep V8 from deoptimizing it (each was seen, ab_compile):
   * - every field is read inside the loop, none before it: the first call runs many slices
   *   before V8 gives the function its feedback vector, and a read made only before the loop
   *   had no type feedback when TurboFan compiled it;
   * - a core's stop writes the slots every slice writes (live, clocks), not a store of its own;
   * - the adaptive interleave's step (nextSlice, sharing) is written out: as calls
   *   made once a slice, each was compiled on its own before the loop was, and again inside it.
   */
  private runCores(end: number): void {
    for (;;) {
      if (this.ctl.stopping) return;
      // Pick the live core furthest behind in simulated time (the first of equals).
      const clocks = this.clocks;
      let pick = -1;
      let best = end;
      for (let i = 0; i < clocks.length; i++) {
        const c = clocks[i];
        if (c < best) {
          best = c;
          pick = i;
        }
      }
      if (pick < 0) return;
      const h = this.harts[pick];
      const step = this.slice;
      let limit = Math.min(end, h.cycle + step);
      if (this.cfg.maxInsns > 0 && (limit = this.insnLimit(pick, limit)) < 0) return;
      let r = h.run(limit);
      if (h.mem.holdUntil > 0) r = this.closeHold(h, r);
      const runs = r !== RUN_STOPPED;
      this.live[pick] = runs;
      clocks[pick] = runs ? h.cycle : Infinity;
      const base = this.baseSlice;
      if (this.maxSlice > base) {
        const l2 = this.l2s[pick];
        const s = l2 !== undefined ? l2.sharing : this.flatMems[pick].atomics;
        const shared = s !== this.seen[pick];
        this.seen[pick] = s;
        const st = this.sliceStats;
        st.slices++;
        st.longSlices += step > base ? 1 : 0;
        st.maxSlice = Math.max(st.maxSlice, step);
        st.sharingSlices += shared ? 1 : 0;
        this.slice = nextInterleave(step, shared, base, this.maxSlice);
      }
    }
  }

  /** The run loop under --boot linux: idle cores jump to their next event, the kernel ticks. */
  private runLinuxCores(end: number, lk: LinuxEntries): void {
    const harts = this.harts;
    const base = this.mb ? Math.min(this.baseSlice, REMOTE_SLICE_CYCLES) : this.baseSlice;
    const adaptive = this.maxSlice > base;
    let step = this.firstSlice(base);
    const server = this.server;
    const client = this.client;
    const n = harts.length;
    for (;;) {
      // The home: serve the other workers' calls; after its own cores entered the kernel, tell
      // the others what changed for theirs (a wakeup, a next event).
      if (server && server.poll() === 0 && this.homeEntered) {
        this.homeEntered = false;
        server.publish();
      }
      if (this.ctl.stopping) return;
      // Pick the live core furthest behind in simulated time (the first of equals).
      let pick = -1;
      let best = end;
      for (let i = 0; i < n; i++) {
        if (this.live[i] && harts[i].cycle < best) {
          best = harts[i].cycle;
          pick = i;
        }
      }
      if (pick < 0) return;
      const h = harts[pick];
      client?.sync(h.hartId);
      let limit = Math.min(end, h.cycle + step);
      // An idle core jumps to its next event, but no further than IDLE_SLACK (or a slice) past
      // the busy core furthest behind, which may wake a task onto it; a running one stops at
      // its next event (the tick, a pending reschedule IPI). An idle core with a task queued
      // that it has not switched to yet counts as busy: the task may wake one here at once.
      if (lk.isIdle(h.hartId)) {
        const to = idleJumpEnd(end, Math.max(step, IDLE_SLACK), harts, this.live, pick, (id) => !lk.isIdle(id) || lk.sleepingUntil?.(id) === 0);
        this.homeEntered = true;
        if (!lk.idle(h, to)) this.live[pick] = false;
        continue;
      }
      limit = Math.min(limit, lk.nextEvent(h.hartId));
      if (this.cfg.maxInsns > 0 && (limit = this.insnLimit(pick, limit)) < 0) return;
      let r = h.run(limit);
      if (h.mem.holdUntil > 0) r = this.closeHold(h, r);
      if (r === RUN_STOPPED) this.live[pick] = false;
      else if (h.cycle >= lk.nextEvent(h.hartId)) {
        this.homeEntered = true;
        lk.tick(h);
      }
      if (adaptive) step = this.nextSlice(pick, step, base);
    }
  }

  /**
   * The first cycle at which a core of this worker has work: a running core's clock, an idle
   * core's next event (--boot linux), never for a stopped one. When every worker's answer
   * lies quanta ahead, the workers skip those quanta together (worker.ts): idle time costs a
   * host iteration per event, not per quantum.
   */
  sleepingUntil(): number {
    let t = Infinity;
    for (let i = 0; i < this.harts.length; i++) {
      if (!this.live[i]) continue;
      const h = this.harts[i];
      t = Math.min(t, this.linux?.sleepingUntil ? Math.max(h.cycle, this.linux.sleepingUntil(h.hartId)) : h.cycle);
    }
    // Parallel --boot linux, the home: other workers' cores as its kernel knows them (a task it
    // queued on one after that worker last looked stops the skip).
    for (const sh of this.shadows) t = Math.min(t, this.linux?.sleepingUntil ? Math.max(sh.cpu.cycle, this.linux.sleepingUntil(sh.cpu.hartId)) : sh.cpu.cycle);
    return t;
  }

  /**
   * What may have crossed workers since the last call (cores/quantum.ts): coherence transactions
   * on copies in other workers' cores, or with flat memory every atomic; then counts from 0.
   */
  takeCrossings(): number {
    let n = 0;
    for (const l2 of this.l2s) {
      n += l2.crossings;
      l2.crossings = 0;
    }
    for (const m of this.flatMems) {
      n += m.atomics;
      m.atomics = 0;
    }
    return n;
  }

  publishProgress(): void {
    for (const h of this.harts) this.ctl.setProgress(h.hartId, h.cycle, h.instret);
  }

  takeOutput(): OutputChunk[] {
    return this.kernel.takeOutput();
  }

  results(): CoreResult[] {
    // Parallel --boot linux: the home's view of a core copied for its traps through its caches; count that here.
    const viaHome = (c: number) => (this.client && this.mb ? this.mb.counts(c) : { kreads: 0, kwrites: 0 });
    const ctrOf = (i: number) => {
      const own = Array.from(this.counters[i]);
      if (!this.client || !this.mb || this.mb.ctrLen === 0) return own;
      const home = this.mb.counters(this.harts[i].hartId);
      return own.map((v, k) => v + home[k]);
    };
    return this.harts.map((h, i) => ({
      id: h.hartId,
      instructions: h.instret,
      cycles: h.cycle,
      pc: h.pc,
      scSucceeded: h.mem.scSucceeded,
      scFailed: h.mem.scFailed,
      kernelReads: h.mem.kernelReads + viaHome(h.hartId).kreads,
      kernelWrites: h.mem.kernelWrites + viaHome(h.hartId).kwrites,
      ...(this.counters[i] ? { counters: ctrOf(i) } : {}),
      ...(h.jit ? { jit: h.jit.stats() } : {}),
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
    return [...this.cacheMems.flatMap((m) => m.c2c.entries()), ...this.shadows.flatMap((s) => s.c2cEntries())];
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
