// irq/entry.ts over a real scheduler and two cores in one worker, without the rest of the
// kernel: reschedule IPIs counted as RES on the target at its next run-loop stop (and only a
// pending word read until then), TLB shootdowns through MmTlbFlush's IPI path counted as CAL
// and TLB on exactly the cores of mm_cpumask, and ksoftirqd/N woken by a raise outside
// interrupt context, running the work as a task and sleeping again.
import { describe, expect, it } from 'vitest';
import type { Cpu } from '../../../src/kernel/cpu.ts';
import { allocLinuxIrq, IrqEntry, type IrqKernelOps } from '../../../src/kernel/irq/entry.ts';
import { AsidAllocator, allocAsidBuffer } from '../../../src/kernel/mm/context.ts';
import { MmTlbFlush } from '../../../src/kernel/mm/tlb_shootdown.ts';
import type { CpuMmu } from '../../../src/kernel/mm/tlbflush.ts';
import { __schedule, init_idle, sched_init, sched_task_init, update_rq_clock, wake_up_new_task, SM_PREEMPT } from '../../../src/kernel/sched/core.ts';
import { NET_RX_SOFTIRQ } from '../../../src/kernel/softirq.ts';

function hart(id: number): Cpu {
  return { hartId: id, pc: 0, cycle: 0, instret: 0, xl: new Int32Array(32), xh: new Int32Array(32), readGuest: () => new Uint8Array(0), writeGuest: () => {} };
}

function fakeMmu(log: string[], id: number): CpuMmu {
  return {
    setRoot: () => {},
    flushTlbPage: (va: number) => log.push(`${id}: page ${va}`),
    flushTlbAll: () => log.push(`${id}: all`),
    flushTlbPageAsid: (va: number, asid: number) => log.push(`${id}: page ${va.toString(16)} asid ${asid}`),
    flushTlbAsid: (asid: number) => log.push(`${id}: asid ${asid}`),
  } as unknown as CpuMmu;
}

function setup(cpus = 2) {
  const sched = sched_init({ cpus, nrTasks: 16 });
  for (let c = 0; c < cpus; c++) init_idle(sched, c, c);
  // one user task, current on core 0
  const user = cpus;
  sched_task_init(sched, user);
  wake_up_new_task(sched, 0, user);
  __schedule(sched, 0, SM_PREEMPT);
  const harts = Array.from({ length: cpus }, (_, c) => hart(c));
  const log: string[] = [];
  const mmus = new Map(harts.map((h) => [h.hartId, fakeMmu(log, h.hartId)]));
  const asids = new AsidAllocator(allocAsidBuffer(cpus, 8));
  const tlbFlush = new MmTlbFlush(asids, (c) => mmus.get(c));
  let nextSlot = cpus + 1;
  let nextPid = 2;
  const switches: number[] = [];
  let entry!: IrqEntry;
  const ops: IrqKernelOps = {
    clockHz: 1e9, cores: cpus, sched, hosted: () => true,
    allocKthread: () => ({ pid: nextPid++, task: nextSlot++ }),
    schedule: (cpu, mode) => {
      update_rq_clock(sched, cpu.hartId, cpu.cycle);
      const next = __schedule(sched, cpu.hartId, mode);
      switches.push(next);
    },
    expireTimers: () => {},
    kernelTimerNext: () => Infinity,
    nextEvent: (c) => entry.nextEvent(c),
    tick: (cpu) => entry.handle(cpu),
    countTicks: () => {},
    userTasks: () => [],
    processes: () => 1 + cpus,
    write: () => {},
    tlbFlush,
  };
  entry = new IrqEntry(allocLinuxIrq({ cpus }), ops);
  for (const h of harts) entry.attach(h);
  return { sched, harts, entry, log, asids, tlbFlush, mmus, switches, user };
}

describe('irq/entry.ts: IPIs and ksoftirqd over the scheduler', () => {
  it('a reschedule IPI: the target stops at once (nextEvent 0), takes it at its next handle(), counted as RES there', () => {
    const { entry, harts } = setup();
    const before = entry.nextEvent(1);
    expect(before).toBe(4_000_000); // the first tick
    entry.smp_send_reschedule(1);
    entry.smp_send_reschedule(1); // still pending: one interrupt
    expect(entry.nextEvent(1)).toBe(0);
    expect(entry.nextEvent(0)).toBe(4_000_000);
    entry.handle(harts[1]!);
    expect(entry.nextEvent(1)).toBe(before);
    const s = entry.stats();
    expect(s.res).toEqual([0, 1]);
    expect(s.loc).toEqual([0, 0]); // no timer was due
    expect(entry.procText('/proc/interrupts')!.split('\n')[2]).toBe('RES:          0          1   Rescheduling interrupts');
  });

  it('a TLB shootdown reaches exactly the other cores of mm_cpumask: CAL and TLB counted there, the flush done there', () => {
    const { entry, asids, tlbFlush, mmus, log } = setup(3);
    const m = 1;
    asids.init_new_context(m);
    for (const c of [0, 2]) asids.switch_mm(c, m, mmus.get(c)!, 0x80000000, 3);
    log.length = 0;
    tlbFlush.flush_tlb_page(0, m, 0x12345678);
    const asid = asids.asid(m);
    expect(log).toEqual([`0: page 12345000 asid ${asid}`, `2: page 12345000 asid ${asid}`]);
    const s = entry.stats();
    expect(s.cal).toEqual([0, 0, 1]);
    expect(s.tlb).toEqual([0, 0, 1]);
    expect(asids.shootdowns(2).received).toBe(1);
    // /proc/stat's intr counts them: LOC + RES + CAL + TLB + device lines
    expect(entry.procText('/proc/stat')!.split('\n').find((l) => l.startsWith('intr '))!.split(' ')[1]).toBe('2');
  });

  it('ksoftirqd/N: a raise outside interrupt context wakes it; it runs the work as a task, then sleeps', () => {
    const { entry, harts, sched, switches, user } = setup();
    const k0 = entry.kthreadPids()[0]!;
    expect(entry.kthreadView(k0)!.comm).toBe('ksoftirqd/0');
    let ran = 0;
    entry.it.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
      ran++;
      harts[c]!.cycle += 5000;
    });
    entry.it.softirq.raise_softirq(0, NET_RX_SOFTIRQ); // task context: nobody runs it at irq exit
    expect(entry.stats().ksoftirqdWakeups).toEqual([1, 0]);
    expect(entry.kthreadView(k0)!.state).toBe('R');
    // the user task yields the core; ksoftirqd/0 is picked and runs
    __schedule(sched, 0, SM_PREEMPT);
    const kt = sched.curr(0);
    expect(kt).not.toBe(user);
    expect(entry.runKsoftirqd(harts[0]!, 1_000_000)).toBe(true);
    expect(ran).toBe(1);
    expect(harts[0]!.cycle).toBe(5000);
    // nothing left: it slept and the user task is back
    expect(switches.at(-1)).toBe(user);
    expect(entry.kthreadView(k0)!.state).toBe('S');
    expect(entry.runKsoftirqd(harts[0]!, 1_000_000)).toBe(false); // not current any more
    // its time is its own (not softirq time): ksoftirqd's runtime
    expect(entry.stats().ksoftirqdNs[0]).toBe(5000);
  });
});
