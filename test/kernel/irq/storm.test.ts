// The seeds' NET_RX storm on one core, through the modules as the wiring will drive them: a hart
// loop that runs a user task in blocks, takes the timer and a NIC's interrupts when its clock
// reaches them, and a toy scheduler with two tasks — the user task and ksoftirqd/0 — that
// switches at need_resched. At a low packet rate NET_RX finishes at irq exit and ksoftirqd/0
// never wakes; at a flood rate __do_softirq hits its 2 ms limit, ksoftirqd/0 takes over, and
// top's si climbs. (The toy scheduler stands in for CFS; it is not under test.)
import { describe, expect, it } from 'vitest';
import { type IrqLine, riscvTimerLine } from '../../../src/kernel/irq/irqdesc.ts';
import { show_stat, statSnapshot } from '../../../src/kernel/proc/stat.ts';
import { cpuShares, parseStatCpu, topCpuLine } from '../../../src/kernel/proc/top_cpu.ts';
import { NET_RX_SOFTIRQ } from '../../../src/kernel/softirq.ts';
import { TICK_KSOFTIRQD, TICK_TASK } from '../../../src/kernel/time/cputime.ts';
import { makeFixture } from './fixture.ts';

const NIC: IrqLine = { irq: 12, chip: 'SiFive PLIC', hwirq: 8, level: false, name: 'eth0' };
const SEC = 1_000_000_000;
const BLOCK = 10_000; // ns of user instructions between polls
const TOP_HALF = 2_000; // ns per NIC interrupt
const PER_PACKET = 5_000; // ns of NET_RX work per packet
const BUDGET = 64; // packets per NET_RX run (napi weight)

interface Run {
  top: string;
  shares: number[];
  wakeups: number;
  netRx: number;
  ksoftirqdTicks: number;
  processed: number;
}

function storm(pps: number, seconds: number): Run {
  const fx = makeFixture(1, 250, [riscvTimerLine, NIC]);
  const U = 0;
  const K = 1;
  let curr = U;
  let backlog = 0;
  let processed = 0;
  let ksoftirqdTicks = 0;
  fx.currKind[0] = TICK_TASK;
  // The NIC, NAPI style (as the seeds describe): the top half masks the NIC's interrupt and
  // raises NET_RX; NET_RX polls the packets that arrived so far, BUDGET at a time, re-raising
  // while any are left, and unmasks the interrupt once the ring is empty.
  const gap = SEC / pps;
  let nextPacket = gap;
  let irqEnabled = true;
  const receive = (now: number): void => {
    while (nextPacket <= now) {
      if (backlog < 1000) backlog++; // netdev_max_backlog: the rest are dropped
      nextPacket += gap;
    }
  };
  fx.irqs.request_irq(NIC.irq, (c) => {
    fx.clock[c]! += TOP_HALF;
    irqEnabled = false;
    fx.softirq.__raise_softirq_irqoff(c, NET_RX_SOFTIRQ);
  });
  fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
    receive(fx.clock[c]!);
    const n = Math.min(backlog, BUDGET);
    backlog -= n;
    processed += n;
    fx.clock[c]! += n * PER_PACKET;
    receive(fx.clock[c]!);
    if (backlog > 0) fx.softirq.__raise_softirq_irqoff(c, NET_RX_SOFTIRQ);
    else irqEnabled = true; // napi_complete_done
  });
  // toy scheduler: a woken ksoftirqd/0 preempts; at a tick two runnable tasks alternate
  const setCurr = (t: number): void => {
    curr = t;
    fx.currIsKsoftirqd[0] = t === K;
    fx.currKind[0] = t === K ? TICK_KSOFTIRQD : TICK_TASK;
  };
  const origWake = fx.softirq.hooks.wakeup_softirqd;
  (fx.softirq.hooks as { wakeup_softirqd: (c: number) => void }).wakeup_softirqd = (c) => {
    origWake(c);
    if (curr !== K) fx.needResched[c] = true;
  };
  const tickHook = fx.tick.hooks as { scheduler_tick: (c: number) => void };
  tickHook.scheduler_tick = (c) => {
    if (curr === K) ksoftirqdTicks++;
    if (fx.ksoftirqdRunnable[c]) fx.needResched[c] = true;
  };
  const takeInterrupts = (): void => {
    for (;;) {
      const now = fx.clock[0]!;
      if (irqEnabled && nextPacket <= now) {
        receive(now);
        fx.irqs.handle_irq(0, NIC.irq, curr === U);
      } else if (fx.tick.next_event(0) <= now) fx.irqs.handle_irq(0, riscvTimerLine.irq, curr === U);
      else return;
    }
  };
  const sample = (): string => show_stat(statSnapshot(fx.cputime, fx.tick, fx.irqs, fx.softirq, { ctxt: 0, btime: 0, processes: 2, procs_running: 1, procs_blocked: 0 }));
  let first = '';
  const end = seconds * SEC;
  while (fx.clock[0]! < end) {
    if (first === '' && fx.clock[0]! >= SEC / 4) first = sample();
    if (fx.needResched[0]) {
      fx.needResched[0] = false;
      setCurr(curr === U && fx.ksoftirqdRunnable[0] ? K : U);
    }
    if (curr === K) {
      if (fx.softirq.ksoftirqd_should_run(0)) fx.softirq.run_ksoftirqd(0);
      else {
        fx.ksoftirqdRunnable[0] = false; // nothing left: back to sleep
        setCurr(U);
      }
    } else {
      const until = Math.min(fx.clock[0]! + BLOCK, fx.tick.next_event(0), irqEnabled ? nextPacket : Infinity);
      fx.clock[0] = Math.max(until, fx.clock[0]! + 1);
    }
    takeInterrupts();
  }
  const last = sample();
  const a = parseStatCpu(first);
  const b = parseStatCpu(last);
  return {
    top: topCpuLine(a, b),
    shares: cpuShares(a, b),
    wakeups: fx.softirq.wakeups(0),
    netRx: fx.softirq.kstat_softirqs_cpu(NET_RX_SOFTIRQ, 0),
    ksoftirqdTicks,
    processed,
  };
}

describe('NET_RX storm on one core', () => {
  it('low rate: NET_RX runs at irq exit, ksoftirqd/0 stays asleep, si is small', () => {
    const r = storm(2_000, 2);
    console.log(`2k pps:   ${r.top}  (NET_RX runs ${r.netRx}, ksoftirqd wakeups ${r.wakeups})`);
    expect(r.wakeups).toBe(0);
    expect(r.ksoftirqdTicks).toBe(0);
    expect(r.netRx).toBeGreaterThan(3000);
    expect(r.shares[6]).toBeLessThan(3); // si
    expect(r.shares[0]).toBeGreaterThan(90); // us
  });

  it('flood: the 2 ms limit hands NET_RX to ksoftirqd/0, which takes CPU time, and si rises', () => {
    const r = storm(400_000, 2);
    console.log(`400k pps: ${r.top}  (NET_RX runs ${r.netRx}, ksoftirqd wakeups ${r.wakeups}, ksoftirqd ticks ${r.ksoftirqdTicks})`);
    expect(r.wakeups).toBeGreaterThan(10);
    expect(r.ksoftirqdTicks).toBeGreaterThan(50);
    // two runnable nice-0 tasks share the core (the toy scheduler alternates at each tick, as
    // CFS would split it): ksoftirqd/0's half is si, the user task's half is us
    expect(r.shares[6]).toBeGreaterThan(40); // si
    expect(r.shares[0]).toBeLessThan(60); // us
    expect(r.shares[4]).toBe(0); // wa
    expect(r.shares[5]).toBeLessThan(5); // hi: NAPI keeps the NIC's interrupt masked while polling
    expect(r.shares.reduce((x, y) => x + y, 0)).toBeCloseTo(100, 3);
  });
});
