// kernel/softirq.c behaviour: __do_softirq's restart and time limits, the hand-off to
// ksoftirqd/N, the vectors' order and counts, and which accounting bucket gets the time.
import { describe, expect, it } from 'vitest';
import { HARDIRQ_OFFSET, SOFTIRQ_OFFSET } from '../../../src/kernel/irq/preempt.ts';
import {
  HI_SOFTIRQ, MAX_SOFTIRQ_RESTART, NET_RX_SOFTIRQ, NET_TX_SOFTIRQ, RCU_SOFTIRQ, SCHED_SOFTIRQ, TASKLET_SOFTIRQ,
} from '../../../src/kernel/softirq.ts';
import {
  CPUTIME_IRQ, CPUTIME_NICE, CPUTIME_SOFTIRQ, CPUTIME_SYSTEM, CPUTIME_USER, TICK_KSOFTIRQD, TICK_TASK,
} from '../../../src/kernel/time/cputime.ts';
import { makeFixture } from './fixture.ts';

const US = 1000;

/** A device interrupt on `cpu` whose top half costs `topNs` and raises `nr`. */
function irqRaising(fx: ReturnType<typeof makeFixture>, cpu: number, nr: number, topNs: number): void {
  fx.softirq.irq_enter(cpu);
  fx.clock[cpu]! += topNs;
  fx.softirq.__raise_softirq_irqoff(cpu, nr);
  fx.softirq.irq_exit(cpu);
}

describe('__do_softirq limits', () => {
  it('a handler that re-raises itself at no cost runs MAX_SOFTIRQ_RESTART passes, then ksoftirqd/N is woken', () => {
    const fx = makeFixture(2);
    let runs = 0;
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
      runs++;
      fx.softirq.__raise_softirq_irqoff(c, NET_RX_SOFTIRQ);
    });
    irqRaising(fx, 1, NET_RX_SOFTIRQ, 0);
    // Linux: max_restart = 10; "--max_restart" after each pass: passes 1..10, 9 gotos.
    expect(runs).toBe(MAX_SOFTIRQ_RESTART);
    expect(fx.softirq.restarts(1)).toBe(MAX_SOFTIRQ_RESTART - 1);
    expect(fx.wakeups).toEqual([0, 1]);
    expect(fx.softirq.local_softirq_pending(1)).toBe(1 << NET_RX_SOFTIRQ);
    expect(fx.softirq.kstat_softirqs_cpu(NET_RX_SOFTIRQ, 1)).toBe(10);
    expect(fx.preempt.get(1)).toBe(0);
  });

  it.each([
    // cost per pass, passes until the clock reaches start + 2 ms or 10 passes
    [300 * US, 7], // 2.1 ms after the 7th pass
    [250 * US, 8], // exactly 2.0 ms after the 8th: time_before fails on equality
    [199 * US, 10], // 1.99 ms after 10: the restart limit comes first
    [2500 * US, 1], // one pass over the budget
  ])('cost %d ns per pass: %d passes before the hand-off (whichever limit comes first)', (cost, passes) => {
    const fx = makeFixture(1);
    let runs = 0;
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
      runs++;
      fx.clock[c]! += cost;
      fx.softirq.__raise_softirq_irqoff(c, NET_RX_SOFTIRQ);
    });
    fx.clock[0] = 5_000_000;
    irqRaising(fx, 0, NET_RX_SOFTIRQ, 0);
    expect(runs).toBe(passes);
    expect(fx.wakeups[0]).toBe(1);
    expect(fx.softirq.softirq_time(NET_RX_SOFTIRQ, 0)).toBe(passes * cost);
  });

  it('need_resched ends the loop after the current pass', () => {
    const fx = makeFixture(1);
    let runs = 0;
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
      if (++runs === 3) fx.needResched[c] = true;
      fx.softirq.__raise_softirq_irqoff(c, NET_RX_SOFTIRQ);
    });
    irqRaising(fx, 0, NET_RX_SOFTIRQ, 0);
    expect(runs).toBe(3);
    expect(fx.wakeups[0]).toBe(1);
  });

  it('work that stops re-raising finishes at irq exit and ksoftirqd stays asleep', () => {
    const fx = makeFixture(1);
    let left = 4;
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
      if (--left > 0) fx.softirq.__raise_softirq_irqoff(c, NET_RX_SOFTIRQ);
    });
    irqRaising(fx, 0, NET_RX_SOFTIRQ, 0);
    expect(left).toBe(0);
    expect(fx.wakeups[0]).toBe(0);
    expect(fx.softirq.local_softirq_pending(0)).toBe(0);
  });
});

describe('vectors, ksoftirqd, contexts', () => {
  it('runs pending vectors lowest first and counts each per core', () => {
    const fx = makeFixture(2);
    const order: string[] = [];
    for (const [nr, name] of [[HI_SOFTIRQ, 'HI'], [NET_TX_SOFTIRQ, 'NET_TX'], [SCHED_SOFTIRQ, 'SCHED'], [RCU_SOFTIRQ, 'RCU']] as const) {
      fx.softirq.open_softirq(nr, (c) => order.push(`${name}@${c}`));
    }
    fx.softirq.irq_enter(0);
    expect(fx.preempt.in_interrupt(0)).toBe(true);
    expect(fx.preempt.get(0)).toBe(HARDIRQ_OFFSET);
    for (const nr of [RCU_SOFTIRQ, SCHED_SOFTIRQ, HI_SOFTIRQ, NET_TX_SOFTIRQ]) fx.softirq.raise_softirq(0, nr);
    expect(fx.wakeups[0]).toBe(0); // in interrupt: irq_exit will run them
    fx.softirq.irq_exit(0);
    expect(order).toEqual(['HI@0', 'NET_TX@0', 'SCHED@0', 'RCU@0']);
    irqRaising(fx, 1, SCHED_SOFTIRQ, 0);
    expect(fx.softirq.kstat_softirqs_cpu(SCHED_SOFTIRQ, 0)).toBe(1);
    expect(fx.softirq.kstat_softirqs_cpu(SCHED_SOFTIRQ, 1)).toBe(1);
    expect(fx.softirq.kstat_softirqs_cpu(NET_RX_SOFTIRQ, 1)).toBe(0);
  });

  it('raise_softirq from task context wakes ksoftirqd/N (nobody runs it at irq exit)', () => {
    const fx = makeFixture(1);
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, () => {});
    fx.softirq.raise_softirq(0, NET_RX_SOFTIRQ);
    expect(fx.wakeups[0]).toBe(1);
  });

  it('while ksoftirqd/N is runnable, irq exit leaves NET_RX to it but still runs HI and TASKLET', () => {
    const fx = makeFixture(1);
    const ran: number[] = [];
    for (const nr of [HI_SOFTIRQ, NET_RX_SOFTIRQ, TASKLET_SOFTIRQ]) fx.softirq.open_softirq(nr, () => ran.push(nr));
    fx.ksoftirqdRunnable[0] = true;
    irqRaising(fx, 0, NET_RX_SOFTIRQ, 0);
    expect(ran).toEqual([]);
    expect(fx.softirq.ksoftirqd_should_run(0)).toBe(true);
    // SOFTIRQ_NOW_MASK: HI is never deferred; the pass then takes everything pending
    irqRaising(fx, 0, HI_SOFTIRQ, 0);
    expect(ran).toEqual([HI_SOFTIRQ, NET_RX_SOFTIRQ]);
    irqRaising(fx, 0, NET_RX_SOFTIRQ, 0);
    irqRaising(fx, 0, TASKLET_SOFTIRQ, 0);
    expect(ran).toEqual([HI_SOFTIRQ, NET_RX_SOFTIRQ, NET_RX_SOFTIRQ, TASKLET_SOFTIRQ]);
  });

  it('run_ksoftirqd runs the pending work in the thread, serving-softirq in preempt_count', () => {
    const fx = makeFixture(1);
    const seen: number[] = [];
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => seen.push(fx.preempt.get(c)));
    fx.ksoftirqdRunnable[0] = true;
    irqRaising(fx, 0, NET_RX_SOFTIRQ, 0);
    expect(seen).toEqual([]);
    fx.currIsKsoftirqd[0] = true;
    fx.softirq.run_ksoftirqd(0);
    expect(seen).toEqual([SOFTIRQ_OFFSET]);
    expect(fx.softirq.ksoftirqd_should_run(0)).toBe(false);
  });

  it('local_bh_enable runs what was raised in the bh-disabled section', () => {
    const fx = makeFixture(1);
    let runs = 0;
    fx.softirq.open_softirq(NET_TX_SOFTIRQ, () => runs++);
    fx.softirq.local_bh_disable(0);
    fx.softirq.__raise_softirq_irqoff(0, NET_TX_SOFTIRQ);
    fx.softirq.do_softirq(0); // in_interrupt (bh disabled): nothing
    expect(runs).toBe(0);
    fx.softirq.local_bh_enable(0);
    expect(runs).toBe(1);
    expect(fx.preempt.get(0)).toBe(0);
  });

  it('raising a vector with no handler is a clear error', () => {
    const fx = makeFixture(1);
    expect(() => fx.softirq.raise_softirq(0, NET_RX_SOFTIRQ)).toThrow(/NET_RX with no handler/);
  });
});

describe('accounting buckets', () => {
  it('top half to IRQ, irq-exit softirqs to SOFTIRQ, the rest of the tick to USER / NICE / SYSTEM', () => {
    const fx = makeFixture(1); // HZ 250: TICK_NSEC 4 ms
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
      fx.clock[c]! += 300 * US;
    });
    fx.clock[0] = 1_000_000;
    irqRaising(fx, 0, NET_RX_SOFTIRQ, 50 * US);
    const ct = fx.cputime;
    expect(ct.stat(0, CPUTIME_IRQ)).toBe(50 * US);
    expect(ct.stat(0, CPUTIME_SOFTIRQ)).toBe(300 * US);
    // the tick: 4 ms minus the 350 us already charged goes to the interrupted user task
    ct.account_process_tick(0, 1, true, TICK_TASK, 0);
    expect(ct.stat(0, CPUTIME_USER)).toBe(4_000_000 - 350 * US);
    ct.account_process_tick(0, 1, true, TICK_TASK, 5);
    expect(ct.stat(0, CPUTIME_NICE)).toBe(4_000_000);
    ct.account_process_tick(0, 2, false, TICK_TASK, 0);
    expect(ct.stat(0, CPUTIME_SYSTEM)).toBe(8_000_000);
  });

  it('softirq time run by ksoftirqd/N is not SOFTIRQ time itself; its ticks are', () => {
    const fx = makeFixture(1);
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
      fx.clock[c]! += 1_000 * US;
    });
    fx.ksoftirqdRunnable[0] = true;
    irqRaising(fx, 0, NET_RX_SOFTIRQ, 10 * US);
    fx.currIsKsoftirqd[0] = true;
    fx.softirq.run_ksoftirqd(0);
    expect(fx.cputime.stat(0, CPUTIME_SOFTIRQ)).toBe(0);
    expect(fx.cputime.stat(0, CPUTIME_IRQ)).toBe(10 * US);
    fx.cputime.account_process_tick(0, 1, false, TICK_KSOFTIRQD, 0);
    expect(fx.cputime.stat(0, CPUTIME_SOFTIRQ)).toBe(4_000_000 - 10 * US);
    expect(fx.cputime.stat(0, CPUTIME_SYSTEM)).toBe(0);
  });

  it('a timer interrupt charges its own top half to IRQ and counts on the riscv-timer line', () => {
    const fx = makeFixture(2);
    fx.clock[1] = 4_000_000;
    fx.irqs.handle_irq(1, 5, true);
    expect(fx.irqs.kstat_irqs_cpu(5, 1)).toBe(1);
    expect(fx.irqs.kstat_irqs_cpu(5, 0)).toBe(0);
    expect(fx.schedTicks).toEqual([0, 1]);
    expect(fx.cputime.stat(1, CPUTIME_USER)).toBe(4_000_000);
    expect(fx.tick.jiffies()).toBe(1);
  });
});
