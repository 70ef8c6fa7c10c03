// The home side of remote traps: the worker hosting core 0 keeps the kernel's JavaScript
// state (processes, fd tables, the console, the ASID table), so it runs every kernel entry
// of the cores other workers host. Between its own run slices and while it waits at the
// quantum barrier it polls its doorbell; a call is served against the calling core's view
// (ShadowCore: its registers from the mailbox, guest memory through a second view of that
// core's caches, its MMU recorded into the core's flush log), and the context goes back.

import type { ControlBlock, QuantumClock } from '../../../shared/control.ts';
import { BARRIER_BASE } from '../../../shared/control.ts';
import { barrierIsAborted } from '../../../shared/sync/barrier.ts';
import { TRAP_IDLE, TRAP_RESUME, type Cpu, type TrapHandler } from '../cpu.ts';
import type { CpuMmu, KernelPhys } from '../mm/tlbflush.ts';
import type { FpContext } from '../sched/task_regs.ts';
import { R_NR_RUNNING } from '../sched/sched.ts';
import {
  K_IDLE, K_TICK, K_TRAP, MB_FREE, MB_HELD, MB_REQUEST, Mailboxes, OP_FLUSH_ALL, OP_FLUSH_ASID, OP_FLUSH_ICACHE, OP_FLUSH_PAGE, OP_FLUSH_PAGE_ASID, OP_SET_ROOT,
} from './mailbox.ts';

/** What runs a kernel entry: LinuxKernel (src/kernel/linux.ts), as the run loop calls it. */
export interface KernelEntries extends TrapHandler {
  tick(cpu: Cpu): void;
  idle(cpu: Cpu, end: number): boolean;
  isIdle(hartId: number): boolean;
  nextEvent(hartId: number): number;
  shootdowns(core: number): { sent: number; received: number };
  /** Idle time for the stats; the run queues (what the cores' workers read: nr_running). */
  readonly switchStats: { idleCycles: number };
  readonly sched: { rget(cpu: number, field: number): number };
  /** The process running on a core (c2c's owner of what that core's records touch). */
  runningOn(hartId: number): { pid: number; comm: string; image: number } | undefined;
}

/** The calling core as the home's kernel sees it (cores/remote_shadow.ts builds it). */
export interface RemoteCpu extends Cpu, FpContext {
  pc: number;
  cycle: number;
  instret: number;
}

export interface ShadowCore {
  readonly cpu: RemoteCpu;
  /** The core's MMU as the kernel calls it (the home's view; the core's own comes from the log). */
  readonly mmu: CpuMmu;
  /**
   * Around each call: the view's private L1 tags go at entry (the core itself moved lines
   * since), and the view's clock is the caller's until leave.
   */
  enter(): void;
  leave(): void;
  readonly kernelReads: number;
  readonly kernelWrites: number;
}

/** x (64 words) and pc (2) of the copy `given` keeps. */
const GIVEN_WORDS = 66;

/** The home's worker index (it hosts core 0). */
export const HOME_WORKER = 0;
/** How long a parked thread sleeps before it re-checks for an abort (never the path a wake takes). */
export const PARK_MS = 50;

export class KernelServer {
  /** The core whose call is being served (-1: none): its MMU ops wait for its resume, not an ack. */
  serving = -1;
  /** Calls served; calls dropped as stale (from a context the kernel had switched away). */
  served = 0;
  stale = 0;
  fetched = 0;
  private seen = -1;
  private readonly remote: number[];
  /**
   * Per remote core, its context as the core last got it (a reply or an offer): the kernel
   * changes a remote core's view outside that core's own calls only to switch its task away
   * (exit_group's zap of a thread running there), and a difference from this copy says so.
   */
  private readonly given = new Map<number, Int32Array>();

  constructor(
    private readonly mb: Mailboxes,
    private readonly kernel: KernelEntries,
    private readonly shadows: Map<number, ShadowCore>,
    private readonly clock: QuantumClock,
    private readonly ctl: ControlBlock,
  ) {
    this.remote = [...shadows.keys()].sort((a, b) => a - b);
    for (const c of this.remote) this.given.set(c, new Int32Array(GIVEN_WORDS));
  }

  /** Serves every pending call if the doorbell moved since the last look (one Atomics.load if not). */
  poll(): number {
    const db = this.mb.doorbell(HOME_WORKER);
    if (db === this.seen) return 0;
    this.seen = db;
    let n = 0;
    for (const c of this.remote) {
      if (this.mb.state(c) === MB_REQUEST) {
        this.serve(c);
        n++;
      }
    }
    return n;
  }

  private serve(c: number): void {
    const mb = this.mb;
    const sh = this.shadows.get(c)!;
    const cpu = sh.cpu;
    this.kernel.switchStats.idleCycles += mb.idleCycles(c);
    if (mb.offered(c) || this.changed(c) || (mb.kind(c) === K_TRAP && this.kernel.isIdle(c))) {
      // The kernel switched this core's task away after the core last resumed: the call came
      // from a context that is gone. It is dropped (as if the IPI had come before the trapping
      // instruction) and the core gets its new context, or goes idle.
      mb.withdraw(c);
      const kind = mb.kind(c);
      const cc = mb.callerCycle(c);
      sh.enter();
      if (cpu.cycle < cc) cpu.cycle = cc;
      this.stale++;
      this.finishCall(c, kind === K_IDLE ? 1 : this.kernel.isIdle(c) ? TRAP_IDLE : TRAP_RESUME);
      return;
    }
    sh.enter();
    mb.getContext(c, cpu);
    cpu.instret = mb.instret(c);
    const q = this.clock.quantum;
    this.clock.quantum = mb.quantum(c);
    this.serving = c;
    let r = 0;
    try {
      switch (mb.kind(c)) {
        case K_TRAP: r = this.kernel.trap(cpu, mb.cause(c), mb.tval(c)); break;
        case K_TICK: this.kernel.tick(cpu); break;
        case K_IDLE: r = this.kernel.idle(cpu, mb.end(c)) ? 1 : 0; break;
        default: throw new Error(`BUG: remote call kind ${mb.kind(c)} from core ${c}`);
      }
    } finally {
      this.serving = -1;
      this.clock.quantum = q;
    }
    this.served++;
    this.finishCall(c, r);
  }

  private finishCall(c: number, r: number): void {
    const sh = this.shadows.get(c)!;
    this.remember(c);
    this.publish(); // before the reply: the caller reads whether it is idle now
    this.mb.reply(c, sh.cpu, r);
    sh.leave();
    this.mb.ring(this.mb.requester(c));
  }

  private remember(c: number): void {
    const g = this.given.get(c)!;
    const cpu = this.shadows.get(c)!.cpu;
    g.set(cpu.xl.subarray(0, 32), 0);
    g.set(cpu.xh.subarray(0, 32), 32);
    g[64] = cpu.pc | 0;
    g[65] = Math.floor(cpu.pc / 4294967296);
  }

  private changed(c: number): boolean {
    const g = this.given.get(c)!;
    const cpu = this.shadows.get(c)!.cpu;
    if (g[64] !== (cpu.pc | 0) || g[65] !== Math.floor(cpu.pc / 4294967296)) return true;
    for (let i = 1; i < 32; i++) if (g[i] !== cpu.xl[i] || g[32 + i] !== cpu.xh[i]) return true;
    return false;
  }

  /**
   * The kernel is about to act on the task running on remote core c (switch it away, migrate
   * it): its registers in the home's view must be the core's own. A core parked in a call has
   * them in its mailbox; a running one is asked to stop at its next slice and hand them over
   * (held until publish releases it with whatever context the kernel left for it).
   */
  fetch(cpu: Cpu): void {
    const c = cpu.hartId;
    const sh = this.shadows.get(c);
    if (!sh || c === this.serving) return;
    const mb = this.mb;
    const st = mb.state(c);
    if (st === MB_HELD) return; // already the home's: its view is the core's context
    if (st !== MB_REQUEST) {
      // Running (or about to resume from a reply or a release): it stops at its next slice.
      mb.requestFetch(c);
      for (;;) {
        const seen = mb.doorbell(HOME_WORKER);
        const now = mb.state(c);
        if (now === MB_HELD || now === MB_REQUEST) break;
        if (this.ctl.stopping || barrierIsAborted(this.ctl.i32, BARRIER_BASE)) return;
        mb.ring(mb.workerOf(c));
        mb.park(HOME_WORKER, seen, PARK_MS);
      }
    }
    // A call not served yet, or held: the mailbox holds the core's context. The view stays
    // the core's (its clock too) until the call is served or the core released (publish).
    sh.enter();
    mb.getContext(c, sh.cpu);
    sh.cpu.instret = mb.instret(c);
    this.remember(c);
    this.fetched++;
  }

  /**
   * Every remote core's idle state, next event and counts, as its worker reads them; a held
   * core is released with its context as the kernel left it; a core running when the kernel
   * switched its task away without holding it is offered its new context (it takes it at its
   * next run slice).
   */
  publish(): void {
    const k = this.kernel;
    for (const c of this.remote) {
      if (this.mb.state(c) === MB_HELD) {
        const sh = this.shadows.get(c)!;
        this.remember(c);
        this.mb.publish(c, k.isIdle(c), k.nextEvent(c), k.sched.rget(c, R_NR_RUNNING));
        this.mb.releaseHeld(c, sh.cpu);
        sh.leave();
        this.mb.ring(this.mb.workerOf(c));
      }
      if (this.mb.state(c) === MB_FREE && this.changed(c) && this.mb.offerContext(c, this.shadows.get(c)!.cpu)) this.remember(c);
      this.mb.publish(c, k.isIdle(c), k.nextEvent(c), k.sched.rget(c, R_NR_RUNNING));
      this.mb.publishOwner(c, k.runningOn(c));
      const s = k.shootdowns(c);
      const sh = this.shadows.get(c)!;
      this.mb.publishCounts(c, s.sent, s.received, sh.kernelReads, sh.kernelWrites);
    }
  }

  /**
   * A shootdown from another core's kernel path reached core c: wait until its worker applied
   * it (Linux waits for its flush IPIs). A core parked in a call applies its log before it
   * resumes, so it needs no ack; a stopping or crashed machine waits for nobody.
   */
  awaitAck(c: number, seq: number): void {
    const mb = this.mb;
    while (!mb.flushedTo(c, seq)) {
      if (mb.state(c) !== MB_FREE || this.ctl.stopping || barrierIsAborted(this.ctl.i32, BARRIER_BASE)) return;
      mb.ring(mb.workerOf(c));
      mb.awaitFlush(c, PARK_MS);
    }
  }
}

/**
 * The kernel's handle on a remote core's MMU: each call goes to the home's view (its own TLB
 * for the kernel's user copies) and into the core's flush log, for the core's real MMU.
 */
export class RemoteMmu implements CpuMmu {
  constructor(
    private readonly inner: CpuMmu,
    private readonly core: number,
    private readonly mb: Mailboxes,
    private readonly server: () => KernelServer | undefined,
  ) {}

  get phys(): KernelPhys {
    return this.inner.phys;
  }
  get tlbMisses(): number {
    return this.inner.tlbMisses;
  }
  get pageWalks(): number {
    return this.inner.pageWalks;
  }
  get walkCycles(): number {
    return this.inner.walkCycles;
  }

  private post(op: number, a: number, b: number, e: number): void {
    const seq = this.mb.postFlush(this.core, op, a, b, e);
    const s = this.server();
    if (s && s.serving !== this.core) s.awaitAck(this.core, seq);
  }

  setRoot(pgd: number, levels: number, asid: number): void {
    this.inner.setRoot(pgd, levels, asid);
    this.post(OP_SET_ROOT, pgd, levels, asid);
  }
  flushTlbPage(va: number): void {
    this.inner.flushTlbPage(va);
    this.post(OP_FLUSH_PAGE, va, 0, 0);
  }
  flushTlbAll(): void {
    this.inner.flushTlbAll();
    this.post(OP_FLUSH_ALL, 0, 0, 0);
  }
  flushTlbPageAsid(va: number, asid: number): void {
    this.inner.flushTlbPageAsid(va, asid);
    this.post(OP_FLUSH_PAGE_ASID, va, asid, 0);
  }
  flushTlbAsid(asid: number): void {
    this.inner.flushTlbAsid(asid);
    this.post(OP_FLUSH_ASID, asid, 0, 0);
  }
  flushIcache(): void {
    this.inner.flushIcache();
    this.post(OP_FLUSH_ICACHE, 0, 0, 0);
  }
}
