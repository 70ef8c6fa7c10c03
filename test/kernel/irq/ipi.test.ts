// IPI mailboxes under real contention: worker threads, one per simulated core, send each other
// reschedule IPIs, function calls (waiting and not, bursts past the queue's capacity) and TLB
// shootdowns. Every call runs exactly once on its target with its arguments intact, every
// waiter returns, and /proc/interrupts' counts are exact: each IPI row equals the sends that
// raised an interrupt (found the pending bit clear), the TLB row equals the shootdowns sent.
// Seed: IPI_SEED (printed).
import { describe, expect, it } from 'vitest';
import { allocIpiBuffer, Ipi, IPI_CALL_FUNC, IPI_RESCHEDULE } from '../../../src/kernel/irq/ipi.ts';
import { allocPreemptBuffer, PreemptCount } from '../../../src/kernel/irq/preempt.ts';
import { allocIrqStatBuffer, IrqDescs, riscvTimerLine } from '../../../src/kernel/irq/irqdesc.ts';
import { interrupts } from '../../../src/kernel/proc/interrupts.ts';
import { allocSmpBuffer, Smp, SMP_QUEUE_CAP } from '../../../src/kernel/smp.ts';
import { allocSoftirqBuffer, Softirq } from '../../../src/kernel/softirq.ts';
import { allocCputimeBuffer, Cputime } from '../../../src/kernel/time/cputime.ts';
import { runWorkers } from '../../helpers/spawn.ts';
import { makeFixture } from './fixture.ts';
import type { IpiJob, IpiResult } from './workers/ipi.worker.ts';

const WORKER = new URL('./workers/ipi.worker.ts', import.meta.url);

async function contention(cpus: number, ops: number): Promise<void> {
  const seed = Number(process.env.IPI_SEED ?? 4242);
  console.log(`ipi contention: ${cpus} workers, ${ops} ops each, seed ${seed} (IPI_SEED to change)`);
  const bufs = {
    preempt: allocPreemptBuffer(cpus),
    cputime: allocCputimeBuffer(cpus),
    softirq: allocSoftirqBuffer(cpus),
    ipi: allocIpiBuffer(cpus),
    smp: allocSmpBuffer(cpus),
    ctl: new SharedArrayBuffer(512),
  };
  const jobs: IpiJob[] = [...Array(cpus).keys()].map((core) => ({ ...bufs, cpus, core, seed, ops }));
  const res = (await runWorkers(WORKER, jobs, 110_000)) as IpiResult[];
  const preempt = new PreemptCount(bufs.preempt);
  const sq = new Softirq(bufs.softirq, preempt, new Cputime(bufs.cputime, preempt, 4_000_000), {
    now: () => 0, need_resched: () => false, wakeup_softirqd: () => {}, ksoftirqd_task_running: () => false, current_is_ksoftirqd: () => false,
  });
  const ipi = new Ipi(bufs.ipi, sq);
  const smp = new Smp(bufs.smp, ipi);
  let totalCalls = 0;
  for (let t = 0; t < cpus; t++) {
    expect(res[t]!.errors).toEqual([]);
    let calls = 0;
    let flushes = 0;
    let resched = 0;
    for (let s = 0; s < cpus; s++) {
      expect(res[t]!.recvFrom[s], `sum sent by ${s} to ${t}`).toBe(res[s]!.sentTo[t]);
      expect(res[t]!.flushedFor[s], `flushes sent by ${s} to ${t}`).toBe(res[s]!.flushTo[t]);
      calls += res[s]!.callsTo[t]! + res[s]!.flushTo[t]!;
      flushes += res[s]!.flushTo[t]!;
      resched += res[s]!.reschedTo[t]!;
    }
    totalCalls += calls;
    expect(smp.calls_run(t)).toBe(calls);
    expect(ipi.tlb_count(t)).toBe(flushes);
    expect(ipi.ipi_pending(t)).toBe(false);
    for (const op of [IPI_RESCHEDULE, IPI_CALL_FUNC]) expect(ipi.stats(t, op)).toBe(ipi.raises(t, op));
    // an interrupt per send at most; coalescing makes fewer
    expect(ipi.stats(t, IPI_RESCHEDULE)).toBeLessThanOrEqual(resched);
    expect(ipi.stats(t, IPI_RESCHEDULE)).toBeGreaterThan(0);
    expect(ipi.stats(t, IPI_CALL_FUNC)).toBeGreaterThan(0);
    expect(preempt.get(t)).toBe(0);
  }
  expect(totalCalls).toBeGreaterThan(cpus * ops * 0.3);
  const waits = res.reduce((a, r) => a + r.waits, 0);
  expect(waits).toBeGreaterThan(0);
  const view = interrupts(new IrqDescs(allocIrqStatBuffer(cpus), [riscvTimerLine], sq), ipi).split('\n');
  const row = (label: string): number[] => view.find((l) => l.startsWith(label))!.slice(label.length).trim().split(/\s+/).slice(0, cpus).map(Number);
  expect(row('RES:')).toEqual([...Array(cpus).keys()].map((c) => ipi.raises(c, IPI_RESCHEDULE)));
  expect(row('TLB:')).toEqual([...Array(cpus).keys()].map((c) => ipi.tlb_count(c)));
}

describe('IPI mailboxes across worker threads', () => {
  it('3 cores', { timeout: 120_000 }, () => contention(3, 3000));
  it('4 cores on 2 host CPUs (waiters park between polls)', { timeout: 120_000 }, () => contention(4, 1500));
});

describe('smp call semantics in one thread', () => {
  it('a call to self runs at once; smp_call_function_many skips self, on_each_cpu_mask does not', () => {
    const fx = makeFixture(3);
    const log: string[] = [];
    fx.smp.smp_register(5, (cpu, a) => log.push(`${cpu}:${a}`));
    fx.smp.smp_call_function_single(1, 1, 5, 7);
    expect(log).toEqual(['1:7']);
    fx.smp.smp_call_function_many(1, [0, 1, 2], 5, 8);
    expect(log).toEqual(['1:7']); // queued on 0 and 2, not run yet
    fx.smp.on_each_cpu_mask(1, [1, 2], 5, 9);
    expect(log).toEqual(['1:7', '1:9']);
    fx.ipi.poll(2);
    fx.ipi.poll(0);
    expect(log).toEqual(['1:7', '1:9', '2:8', '2:9', '0:8']);
    expect(fx.ipi.stats(2, IPI_CALL_FUNC)).toBe(1); // two calls, one interrupt
    expect(fx.smp.calls_run(2)).toBe(2);
  });

  it('a full queue makes the sender relax (a worker hosting both cores polls the target there)', () => {
    const cpus = 2;
    const fx = makeFixture(cpus);
    let relaxes = 0;
    const smp = new Smp(allocSmpBuffer(cpus), fx.ipi, {
      relax: () => {
        relaxes++;
        fx.ipi.poll(1);
      },
    });
    let got = 0;
    smp.smp_register(3, (_c, v) => {
      got += v;
    });
    for (let k = 0; k < SMP_QUEUE_CAP + 10; k++) smp.smp_call_function_single(0, 1, 3, 1);
    expect(relaxes).toBeGreaterThan(0);
    fx.ipi.poll(1);
    expect(got).toBe(SMP_QUEUE_CAP + 10);
  });

  it('waiting from interrupt context and unknown functions are clear errors', () => {
    const fx = makeFixture(2);
    fx.smp.smp_register(3, () => {});
    fx.softirq.irq_enter(0);
    expect(() => fx.smp.smp_call_function_single(0, 1, 3, 0, 0, 0, 0, true)).toThrow(/from interrupt context would deadlock/);
    fx.softirq.irq_exit(0);
    expect(() => fx.smp.smp_call_function_single(0, 1, 99)).toThrow(/function 99 not registered/);
    expect(() => fx.ipi.send_ipi_single(5, 0)).toThrow(/no cpu 5/);
  });
});
