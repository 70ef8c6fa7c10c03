// A simulated NIC's receive side, as a multi-queue Ethernet driver with NAPI runs it (Linux 6.1
// net/core/dev.c net_rx_action, napi_schedule, napi_complete_done): packets arrive at a fixed
// rate in simulated time, spread round-robin (RSS) over one receive queue per core of the
// configured list; each queue has its own interrupt line pinned to its core ("eth0-rx-N").
//
// The top half acknowledges the interrupt, masks the queue's line and schedules its NAPI
// instance (napi_schedule: the queue joins the core's poll list, NET_RX is raised). NET_RX
// (net_rx_action) polls the listed queues, at most NAPI_POLL_WEIGHT packets per poll, until
// netdev_budget packets or netdev_budget_usecs are used; a queue that had fewer packets than
// its weight completes (napi_complete_done) and its line is unmasked; a run that used its
// budget re-raises NET_RX (time_squeeze) — which is how a flood reaches __do_softirq's limits
// and ksoftirqd. Each packet costs the configured cycles of the core that processes it.
//
// Arrivals are a pure function of time (packet k arrives at (k + 1) / ratePps seconds and goes
// to queue k mod nQueues), so each core's worker keeps its own queues' state with nothing
// shared. A queue's ring holds NIC_RING packets; arrivals beyond it are dropped (rx_missed).

import type { IrqLine } from '../irq/irqdesc.ts';
import { NET_RX_SOFTIRQ, type Softirq } from '../softirq.ts';

/** Linux irq number of queue 0's line (the PLIC's lines follow the INTC's). */
export const NIC_IRQ_BASE = 16;
/** The PLIC's hwirq of queue 0 (virtio-net's on QEMU's virt machine is 8). */
export const NIC_HWIRQ_BASE = 8;
/** Cycles of the top half: claim the PLIC line, read the cause, mask, napi_schedule, complete. */
export const NIC_TOP_HALF_CYCLES = 400;
/** NAPI_POLL_WEIGHT, netdev_budget, netdev_budget_usecs (net/core/dev.c defaults). */
export const NAPI_POLL_WEIGHT = 64;
export const NETDEV_BUDGET = 300;
export const NETDEV_BUDGET_USECS = 2000;
/** Receive descriptors per queue (a common default ring size). */
export const NIC_RING = 1024;

export interface NicSpec {
  ratePps: number;
  /** One receive queue per entry, its line pinned to that core. */
  cpus: number[];
  workCycles: number;
}

/** The interrupt lines of the NIC's queues (same in every worker). */
export function nicLines(spec: NicSpec): IrqLine[] {
  return spec.cpus.map((_, q) => ({ irq: NIC_IRQ_BASE + q, chip: 'SiFive PLIC', hwirq: NIC_HWIRQ_BASE + q, level: false, name: `eth0-rx-${q}` }));
}

/** One receive queue's state, kept by the worker hosting its core. */
interface RxQueue {
  q: number;
  cpu: number;
  irq: number;
  /** Packets of this queue that have arrived by the last receive (delivered to the ring or dropped). */
  arrived: number;
  /** In the ring, not yet processed. */
  backlog: number;
  processed: number;
  dropped: number;
  /** The line is unmasked (NAPI not scheduled). */
  enabled: boolean;
}

/** What the driver needs of the core it runs on. */
export interface NicHooks {
  /** The core's clock in ns. */
  now(cpu: number): number;
  /** Charge `cycles` to the core (its clock advances). */
  charge(cpu: number, cycles: number): void;
}

export interface NicStats {
  packets: number;
  processed: number;
  dropped: number;
  /** net_rx_action runs that ran out of budget or time with work left (softnet_stat's time_squeeze). */
  timeSqueeze: number;
}

export class Nic {
  private readonly queues: RxQueue[] = [];
  /** Per hosted core: its queues, and its NAPI poll list (softnet_data.poll_list). */
  private readonly byCpu = new Map<number, RxQueue[]>();
  private readonly pollList = new Map<number, RxQueue[]>();
  private readonly squeeze = new Map<number, number>();
  private readonly nq: number;

  constructor(
    readonly spec: NicSpec,
    readonly softirq: Softirq,
    readonly hooks: NicHooks,
    requestIrq: (irq: number, action: (cpu: number) => void) => void,
  ) {
    this.nq = spec.cpus.length;
    // Every queue has its record in every worker; only the worker hosting its core touches it.
    spec.cpus.forEach((cpu, q) => {
      const rq: RxQueue = { q, cpu, irq: NIC_IRQ_BASE + q, arrived: 0, backlog: 0, processed: 0, dropped: 0, enabled: true };
      this.queues.push(rq);
      if (!this.byCpu.has(cpu)) {
        this.byCpu.set(cpu, []);
        this.pollList.set(cpu, []);
        this.squeeze.set(cpu, 0);
      }
      this.byCpu.get(cpu)!.push(rq);
      requestIrq(rq.irq, (c) => this.rx_interrupt(c, rq));
    });
    softirq.open_softirq(NET_RX_SOFTIRQ, (cpu) => this.net_rx_action(cpu));
  }

  /** When packet k (of all queues, 0-based) arrives: ceil((k + 1) * 1e9 / rate) ns. */
  private arrival(k: number): number {
    return Math.ceil(((k + 1) * 1e9) / this.spec.ratePps);
  }

  /** Packets of queue q arrived by `ns`, consistent with arrival() whatever the rounding. */
  private arrivedBy(q: number, ns: number): number {
    let total = Math.floor((ns * this.spec.ratePps) / 1e9);
    while (this.arrival(total) <= ns) total++;
    while (total > 0 && this.arrival(total - 1) > ns) total--;
    return total > q ? Math.floor((total - q - 1) / this.nq) + 1 : 0;
  }

  /** When packet number `n` (0-based) of queue q arrives, ns. */
  private arrivalOf(q: number, n: number): number {
    return this.arrival(q + n * this.nq);
  }

  /** The DMA side: packets that arrived by now land in the ring (or are dropped when it is full). */
  private receive(rq: RxQueue, now: number): void {
    const a = this.arrivedBy(rq.q, now);
    const fresh = a - rq.arrived;
    if (fresh <= 0) return;
    rq.arrived = a;
    const room = NIC_RING - rq.backlog;
    const take = Math.min(room, fresh);
    rq.backlog += take;
    rq.dropped += fresh - take;
  }

  /**
   * When `cpu`'s next NIC interrupt is due, ns: the next arrival on a queue with its line
   * unmasked (now if it already holds packets), Infinity when none.
   */
  next_event(cpu: number): number {
    const qs = this.byCpu.get(cpu);
    if (qs === undefined || this.spec.ratePps <= 0) return Infinity;
    let t = Infinity;
    for (const rq of qs) {
      if (!rq.enabled) continue;
      t = Math.min(t, rq.backlog > 0 ? 0 : this.arrivalOf(rq.q, rq.arrived));
    }
    return t;
  }

  /** The lines of `cpu` whose interrupt is due at `now` (the caller takes each through handle_irq). */
  pending_irqs(cpu: number, now: number, out: number[]): void {
    const qs = this.byCpu.get(cpu);
    if (qs === undefined) return;
    for (const rq of qs) {
      if (!rq.enabled) continue;
      this.receive(rq, now);
      if (rq.backlog > 0) out.push(rq.irq);
    }
  }

  /** The top half (hardirq): mask the queue's line and schedule its NAPI poll. */
  private rx_interrupt(cpu: number, rq: RxQueue): void {
    this.hooks.charge(cpu, NIC_TOP_HALF_CYCLES);
    if (!rq.enabled) return; // spurious: NAPI already scheduled
    rq.enabled = false;
    this.pollList.get(cpu)!.push(rq);
    this.softirq.__raise_softirq_irqoff(cpu, NET_RX_SOFTIRQ);
  }

  /** net_rx_action: poll the listed queues within netdev_budget packets and netdev_budget_usecs. */
  private net_rx_action(cpu: number): void {
    const list = this.pollList.get(cpu);
    if (list === undefined || list.length === 0) return;
    const h = this.hooks;
    const timeLimit = h.now(cpu) + NETDEV_BUDGET_USECS * 1000;
    let budget = NETDEV_BUDGET;
    while (list.length > 0) {
      const rq = list.shift()!;
      this.receive(rq, h.now(cpu));
      const n = Math.min(rq.backlog, NAPI_POLL_WEIGHT, budget);
      rq.backlog -= n;
      rq.processed += n;
      budget -= n;
      h.charge(cpu, n * this.spec.workCycles);
      this.receive(rq, h.now(cpu));
      if (n < NAPI_POLL_WEIGHT && rq.backlog === 0) rq.enabled = true; // napi_complete_done: unmask
      else list.push(rq); // weight used (or budget ran out): stays on the poll list
      if (budget <= 0 || h.now(cpu) >= timeLimit) {
        if (list.length > 0) {
          this.squeeze.set(cpu, this.squeeze.get(cpu)! + 1);
          this.softirq.__raise_softirq_irqoff(cpu, NET_RX_SOFTIRQ);
        }
        return;
      }
    }
  }

  /** This worker's queues' counts, summed. */
  stats(): NicStats {
    let packets = 0, processed = 0, dropped = 0, timeSqueeze = 0;
    for (const rq of this.queues) {
      packets += rq.arrived;
      processed += rq.processed;
      dropped += rq.dropped;
    }
    for (const v of this.squeeze.values()) timeSqueeze += v;
    return { packets, processed, dropped, timeSqueeze };
  }
}
