// The kernel as a worker other than its home sees it: what the run loop asks of LinuxKernel
// (trap, tick, idle, isIdle, nextEvent), with the cheap queries read from what the home
// publishes and every entry that changes kernel state made a remote call. The calling
// worker blocks until the reply (its other cores wait with it: simulated time does not
// move while the host waits), applying other cores' TLB shootdowns meanwhile.

import { BARRIER_BASE, type ControlBlock, type QuantumClock } from '../../../shared/control.ts';
import { barrierIsAborted } from '../../../shared/sync/barrier.ts';
import type { Cpu, TrapHandler } from '../cpu.ts';
import type { FaultInfo, OutputChunk } from '../kernel.ts';
import { K_IDLE, K_TICK, K_TRAP, MB_HELD, MB_RELEASED, MB_REPLY, type FlushTarget, type Mailboxes, type UserContext } from './mailbox.ts';
import { HOME_WORKER, PARK_MS } from './server.ts';

/** A core this worker hosts, as the client needs it (cores/hart.ts and its memory). */
export interface ClientCore {
  readonly cpu: Cpu & UserContext & { instret: number; fetchLo: number };
  /** The core's real MMU (the flush log is applied to it). */
  readonly mmu: FlushTarget;
  /** Its LR/SC hold (never carried across a call) and, with caches, its L1 tags. */
  readonly mem: { holdUntil: number; endHold(): void };
  /** Forget the L1 tags: the home's view of this core's caches may have moved its L2 lines. */
  dropL1?(): void;
}

export class RemoteKernel implements TrapHandler {
  readonly out: OutputChunk[] = [];
  readonly syscallCounts = new Map<number, number>();
  readonly enosysCounts = new Map<number, number>();
  readonly faults: FaultInfo[] = [];
  /** Calls made. */
  calls = 0;
  /** Kernel entries of this worker's cores since the last `takeEntries`, idling without a call included (cores/quantum.ts). */
  private entries = 0;
  private readonly cores = new Map<number, ClientCore>();
  /** Per core: cycles idled without a call, not yet reported. */
  private readonly idleCycles = new Map<number, number>();

  constructor(
    private readonly mb: Mailboxes,
    private readonly worker: number,
    private readonly clock: QuantumClock,
    private readonly ctl: ControlBlock,
  ) {}

  attach(c: number, core: ClientCore): void {
    this.cores.set(c, core);
  }

  takeOutput(): OutputChunk[] {
    return [];
  }

  /** The idle cycles no call has reported yet (the run's last idle stretch of each core): at the end, for the run's stats. */
  takeIdleCycles(): number {
    let n = 0;
    for (const v of this.idleCycles.values()) n += v;
    this.idleCycles.clear();
    return n;
  }

  takeEntries(): number {
    const n = this.entries;
    this.entries = 0;
    return n;
  }

  isIdle(hartId: number): boolean {
    return this.mb.isIdle(hartId);
  }

  nextEvent(hartId: number): number {
    return this.mb.nextEvent(hartId);
  }

  /**
   * Quantum skipping (cores/worker.ts): an idle core with nothing queued sleeps until its next
   * event as the home last published it, else 0 (work now). The home also answers for this
   * core from its own records, so a task it queued here since stops the skip either way.
   */
  sleepingUntil(hartId: number): number {
    return this.mb.isIdle(hartId) && this.mb.nrRunning(hartId) === 0 ? this.mb.nextEvent(hartId) : 0;
  }

  /** The process running on the core, as the home last published it (c2c names data by it). */
  runningOn(hartId: number): { pid: number; comm: string; image: number } | undefined {
    return this.mb.owner(hartId);
  }

  trap(cpu: Cpu, cause: number, tval: number): number {
    this.entries++;
    return this.call(cpu.hartId, K_TRAP, cause, tval, 0);
  }

  tick(cpu: Cpu): void {
    this.entries++;
    this.call(cpu.hartId, K_TICK, 0, 0, 0);
  }

  /**
   * The idle loop. With nothing queued on its run queue the core idles by itself up to its
   * next event (a call there: the tick, which may balance a task over) or `end`; the idle
   * cycles go to the home with its next call. Anything queued: the home's idle entry picks it.
   */
  idle(cpu: Cpu, end: number): boolean {
    const c = cpu.hartId;
    this.entries++;
    if (this.mb.nrRunning(c) > 0) return this.call(c, K_IDLE, 0, 0, end) !== 0;
    const next = this.mb.nextEvent(c);
    const to = Math.min(end, next);
    if (cpu.cycle < to) {
      this.idleCycles.set(c, (this.idleCycles.get(c) ?? 0) + to - cpu.cycle);
      cpu.cycle = to;
      this.mb.setLiveCycle(c, to);
    }
    if (cpu.cycle >= next) this.call(c, K_TICK, 0, 0, 0);
    return true;
  }

  /**
   * Before core c runs a slice: the MMU ops the home logged for it (shootdowns, and at boot
   * the first process's satp) and, once, the context the home exec'd for it.
   */
  sync(c: number): void {
    const core = this.cores.get(c)!;
    const mb = this.mb;
    this.handOver(c, core);
    if (mb.state(c) === MB_HELD) this.awaitRelease(c, core);
    mb.drainFlushes(c, core.mmu);
    if (mb.takeContext(c, core.cpu)) {
      core.cpu.fetchLo = -1;
      core.dropL1?.();
    }
    // A wakeup on another core caught this idle core up to its cycle (counted idle there).
    const to = mb.catchUpTo(c);
    if (to > core.cpu.cycle && mb.isIdle(c)) core.cpu.cycle = to;
    mb.setLiveCycle(c, core.cpu.cycle);
  }

  /** Every hosted core's pending shootdowns and context requests (while this worker waits: a reply, the barrier). */
  drainAll(except = -1): void {
    for (const [c, core] of this.cores) {
      if (c === except) continue;
      this.mb.drainFlushes(c, core.mmu);
      this.handOver(c, core);
    }
  }

  /** The home asked for core c's context: hand it over; the core stays stopped until released. */
  private handOver(c: number, core: ClientCore): void {
    if (!this.mb.fetchRequested(c) || this.mb.state(c) !== 0) return;
    if (core.mem.holdUntil !== 0) core.mem.endHold();
    this.mb.hold(c, core.cpu);
    this.mb.ring(HOME_WORKER);
  }

  /** A held core waits for its release, then takes the context the kernel left it. */
  private awaitRelease(c: number, core: ClientCore): void {
    const mb = this.mb;
    for (;;) {
      const seen = mb.doorbell(this.worker);
      if (mb.state(c) === MB_RELEASED) break;
      this.drainAll(c);
      if (barrierIsAborted(this.ctl.i32, BARRIER_BASE)) throw new Error(`core ${c}: the kernel's home worker stopped while it held this core`);
      mb.park(this.worker, seen, PARK_MS);
    }
    const cycle = core.cpu.cycle;
    mb.getContext(c, core.cpu);
    if (core.cpu.cycle < cycle) core.cpu.cycle = cycle;
    mb.release(c);
    mb.drainFlushes(c, core.mmu);
    core.dropL1?.();
    core.cpu.fetchLo = -1;
  }

  private call(c: number, kind: number, cause: number, tval: number, end: number): number {
    const core = this.cores.get(c);
    if (!core) throw new Error(`BUG: core ${c} enters the kernel from a worker that does not host it`);
    // An LR/SC hold never spans the call: other cores may wait on it, and the home with them.
    if (core.mem.holdUntil !== 0) core.mem.endHold();
    const mb = this.mb;
    const cpu = core.cpu;
    mb.setIdleCycles(c, this.idleCycles.get(c) ?? 0);
    this.idleCycles.set(c, 0);
    mb.post(c, kind, this.worker, this.clock.quantum, cpu, cause, tval, end);
    mb.ring(HOME_WORKER);
    for (;;) {
      const seen = mb.doorbell(this.worker);
      if (mb.state(c) === MB_REPLY) break;
      this.drainAll(c); // the caller's own log waits: the home may be writing it
      if (barrierIsAborted(this.ctl.i32, BARRIER_BASE)) {
        throw new Error(`core ${c}: the kernel's home worker stopped before serving this core's ${kind === K_TRAP ? `trap (cause ${cause})` : kind === K_TICK ? 'timer tick' : 'idle entry'}`);
      }
      mb.park(this.worker, seen, PARK_MS);
    }
    mb.getContext(c, cpu);
    mb.setLiveCycle(c, cpu.cycle);
    const r = mb.result(c);
    mb.release(c);
    this.mb.drainFlushes(c, core.mmu);
    core.dropL1?.();
    cpu.fetchLo = -1;
    this.calls++;
    return r;
  }
}
