// The tick: CONFIG_HZ and TICK_NSEC, jiffies, periodic ticks accounting user/system time as
// /proc/stat counts it, TIMER softirq for due timer_list timers, next_event, and the nohz idle
// path: an idle core jumps its clock to its next event (a 10 s nanosleep is one jump, not
// 2500 ticks) and its sleep shows as idle or iowait.
import { describe, expect, it } from 'vitest';
import { TIMER_SOFTIRQ } from '../../../src/kernel/softirq.ts';
import { CPUTIME_IRQ, CPUTIME_SYSTEM, CPUTIME_USER, TICK_IDLE } from '../../../src/kernel/time/cputime.ts';
import { HRTIMER_NANOSLEEP } from '../../../src/kernel/time/hrtimer.ts';
import { checkHz, nsec_to_clock_t, tick_nsec } from '../../../src/kernel/time/tick.ts';
import { TIMER_PROCESS_TIMEOUT } from '../../../src/kernel/time/timer.ts';
import { show_stat, statSnapshot } from '../../../src/kernel/proc/stat.ts';
import { allocIrqTimeBuffers } from '../../../src/kernel/irq/init.ts';
import { riscvTimerLine } from '../../../src/kernel/irq/irqdesc.ts';
import { makeFixture, type Fixture } from '../irq/fixture.ts';

const SEC = 1_000_000_000;

/** Run core `cpu` busy (user mode) until `until`: take every timer interrupt on the way. */
function runBusy(fx: Fixture, cpu: number, until: number, user = true): number {
  let irqs = 0;
  for (;;) {
    const next = fx.tick.next_event(cpu);
    if (next > until) break;
    fx.clock[cpu] = next;
    fx.irqs.handle_irq(cpu, 5, user);
    irqs++;
  }
  fx.clock[cpu] = until;
  return irqs;
}

/** The idle loop of core `cpu` until it has something to run (needResched) or `until`. */
function runIdle(fx: Fixture, cpu: number, until: number): number {
  let jumps = 0;
  fx.currKind[cpu] = TICK_IDLE;
  fx.tick.tick_nohz_idle_enter(cpu, fx.clock[cpu]!);
  while (!fx.needResched[cpu]) {
    fx.tick.tick_nohz_idle_stop_tick(cpu);
    const next = fx.tick.next_event(cpu);
    if (next > until) {
      fx.clock[cpu] = until;
      break;
    }
    fx.clock[cpu] = next; // jump: no instructions, no spinning
    jumps++;
    fx.irqs.handle_irq(cpu, 5, false);
  }
  fx.tick.tick_nohz_idle_exit(cpu, fx.clock[cpu]!);
  return jumps;
}

describe('HZ', () => {
  it('TICK_NSEC per CONFIG_HZ choice; anything else is a clear error', () => {
    expect([100, 250, 300, 1000].map(tick_nsec)).toEqual([10_000_000, 4_000_000, 3_333_333, 1_000_000]);
    expect(() => checkHz(200)).toThrow('HZ must be one of 100, 250, 300, 1000, not 200');
    expect(() => makeFixture(1, 60)).toThrow(/HZ must be one of/);
  });

  it('bad boot configuration is a clear one-line error', () => {
    expect(() => allocIrqTimeBuffers({ cpus: 0 })).toThrow('irq: cpus must be a positive integer, not 0');
    const nic = { irq: 12, chip: 'SiFive PLIC', hwirq: 8, level: false, name: 'eth0' };
    expect(() => allocIrqTimeBuffers({ cpus: 1, lines: [nic] })).toThrow('irq: the lines must include the riscv-timer line');
    expect(() => allocIrqTimeBuffers({ cpus: 1, lines: [riscvTimerLine, nic, { ...nic, name: 'eth1' }] })).toThrow('irq: irq 12 given twice');
    expect(() => allocIrqTimeBuffers({ cpus: 1, lines: [riscvTimerLine, { ...nic, irq: 64 }] })).toThrow('outside 0..63');
  });

  it.each([
    [100, 100],
    [250, 100],
    [300, 99], // 300 ticks of 3333333 ns = 0.9999999 s: USER_HZ rounds it down, as Linux does
    [1000, 100],
  ])('HZ=%d: a busy user core takes HZ ticks a second and shows %d USER_HZ of user time', (hz, userHz) => {
    const fx = makeFixture(1, hz);
    expect(runBusy(fx, 0, SEC)).toBe(hz);
    expect(fx.schedTicks[0]).toBe(hz);
    expect(fx.tick.jiffies()).toBe(hz);
    expect(nsec_to_clock_t(fx.cputime.stat(0, CPUTIME_USER))).toBe(userHz);
  });
});

describe('periodic tick', () => {
  it('a core held up past several periods accounts them all at its next tick and re-aligns', () => {
    const fx = makeFixture(2);
    fx.clock[1] = 3.5 * 4_000_000; // a long syscall ran through ticks 1..3
    fx.irqs.handle_irq(1, 5, false);
    expect(fx.tick.ticks(1)).toBe(3);
    expect(fx.schedTicks[1]).toBe(1);
    expect(fx.cputime.stat(1, CPUTIME_SYSTEM)).toBe(12_000_000);
    expect(fx.tick.next_tick(1)).toBe(16_000_000);
    expect(fx.tick.jiffies()).toBe(3);
    // core 0 is behind: its tick does not move jiffies back
    fx.clock[0] = 4_000_000;
    fx.irqs.handle_irq(0, 5, true);
    expect(fx.tick.jiffies()).toBe(3);
  });

  it('raises TIMER_SOFTIRQ when a timer_list timer is due and runs it at irq exit', () => {
    const fx = makeFixture(1);
    const ran: number[] = [];
    fx.timers.timer_register(TIMER_PROCESS_TIMEOUT, (_c, arg) => ran.push(arg));
    fx.timers.add_timer_on(0, 3, TIMER_PROCESS_TIMEOUT, 42);
    const h = fx.timers.add_timer_on(0, 3, TIMER_PROCESS_TIMEOUT, 43);
    expect(fx.timers.del_timer(0, h)).toBe(true);
    runBusy(fx, 0, 2 * 4_000_000);
    expect(ran).toEqual([]);
    expect(fx.softirq.kstat_softirqs_cpu(TIMER_SOFTIRQ, 0)).toBe(0);
    runBusy(fx, 0, 3 * 4_000_000);
    expect(ran).toEqual([42]);
    expect(fx.softirq.kstat_softirqs_cpu(TIMER_SOFTIRQ, 0)).toBe(1);
  });

  it('next_event is the earliest of the tick, hrtimers, timer_list timers and the scheduler\'s timers', () => {
    const fx = makeFixture(1);
    fx.hrtimer.hrtimer_register(HRTIMER_NANOSLEEP, () => {});
    expect(fx.tick.next_event(0)).toBe(4_000_000);
    fx.hrtimer.hrtimer_start(0, 2_500_000, HRTIMER_NANOSLEEP, 1);
    expect(fx.tick.next_event(0)).toBe(2_500_000);
    fx.timers.timer_register(TIMER_PROCESS_TIMEOUT, () => {});
    fx.timers.add_timer_on(0, 0, TIMER_PROCESS_TIMEOUT, 1); // jiffy 0: now
    expect(fx.tick.next_event(0)).toBe(0);
  });
});

describe('nohz idle', () => {
  it('a 10 s nanosleep on 4 idle cores costs one clock jump each, and shows as idle time', () => {
    const fx = makeFixture(4);
    const woke: number[] = [];
    fx.hrtimer.hrtimer_register(HRTIMER_NANOSLEEP, (c, task) => {
      woke.push(task);
      fx.needResched[c] = true; // try_to_wake_up of the sleeper
    });
    for (let c = 0; c < 4; c++) {
      fx.hrtimer.hrtimer_start(c, 10 * SEC, HRTIMER_NANOSLEEP, 100 + c);
      expect(runIdle(fx, c, 20 * SEC)).toBe(1);
      expect(fx.clock[c]).toBe(10 * SEC);
    }
    expect(woke).toEqual([100, 101, 102, 103]);
    const stat = show_stat(statSnapshot(fx.cputime, fx.tick, fx.irqs, fx.softirq, { ctxt: 0, btime: 0, processes: 4, procs_running: 4, procs_blocked: 0 }));
    expect(stat.split('\n').slice(0, 2)).toEqual(['cpu  0 0 0 4000 0 0 0 0 0 0', 'cpu0 0 0 0 1000 0 0 0 0 0 0']);
    // the tick restarted on the period grid, jiffies caught up
    expect(fx.tick.tick_stopped(0)).toBe(false);
    expect(fx.tick.next_tick(0)).toBe(10 * SEC + 4_000_000);
    expect(fx.tick.jiffies()).toBe(2500);
    expect(fx.irqs.kstat_irqs_cpu(5, 2)).toBe(1);
  });

  it('keeps the tick when a timer is due within the next tick; sleeps with tasks in I/O wait are iowait', () => {
    const fx = makeFixture(1);
    fx.hrtimer.hrtimer_register(HRTIMER_NANOSLEEP, (c) => {
      fx.needResched[c] = true;
    });
    fx.hrtimer.hrtimer_start(0, 3_000_000, HRTIMER_NANOSLEEP, 1);
    fx.tick.tick_nohz_idle_enter(0, 0);
    expect(fx.tick.tick_nohz_idle_stop_tick(0)).toBe(false);
    fx.tick.tick_nohz_idle_exit(0, 0);
    fx.cputime.nr_iowait_add(0, 1);
    expect(runIdle(fx, 0, SEC)).toBe(1);
    expect(fx.tick.get_iowait_time(0)).toBe(3_000_000);
    expect(fx.tick.get_idle_time(0)).toBe(0);
  });

  it('an interrupt into idle stops idle time for its top half and softirqs, then idle resumes', () => {
    const fx = makeFixture(1);
    fx.hrtimer.hrtimer_register(HRTIMER_NANOSLEEP, (c) => {
      fx.clock[c]! += 1_000_000; // 1 ms of hardirq work
    });
    fx.hrtimer.hrtimer_start(0, 100_000_000, HRTIMER_NANOSLEEP, 1);
    expect(runIdle(fx, 0, 200_000_000)).toBe(1);
    expect(fx.tick.get_idle_time(0)).toBe(199_000_000);
    expect(fx.cputime.stat(0, CPUTIME_IRQ)).toBe(1_000_000);
  });
});
