// Host cost of the interrupt and time side, one thread, no cache model: the hart's IPI poll when
// nothing is pending (it runs at every block boundary), a timer interrupt with its tick, a
// reschedule IPI sent and taken, a function call sent and run, an interrupt that raises and runs
// one softirq, and the host time of 4 idle cores sleeping 10 simulated seconds.
//   npx tsx bench/irq.ts [N]
// Prints one JSON line (ns per operation; idle10sHostMs in ms).
import { allocIrqTimeBuffers, irq_time_init } from '../src/kernel/irq/init.ts';
import { NET_RX_SOFTIRQ } from '../src/kernel/softirq.ts';
import { TICK_IDLE, TICK_TASK } from '../src/kernel/time/cputime.ts';
import { HRTIMER_NANOSLEEP } from '../src/kernel/time/hrtimer.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const cpus = 4;
const clock = new Array<number>(cpus).fill(0);
const kind = new Array<number>(cpus).fill(TICK_TASK);
const resched = new Array<boolean>(cpus).fill(false);
const k = irq_time_init(allocIrqTimeBuffers({ cpus }), {
  softirq: {
    now: (c) => clock[c]!,
    need_resched: (c) => resched[c]!,
    wakeup_softirqd: () => {},
    ksoftirqd_task_running: () => false,
    current_is_ksoftirqd: () => false,
  },
  tick: { scheduler_tick: () => {}, curr_kind: (c) => kind[c]!, curr_nice: () => 0 },
});
k.softirq.open_softirq(NET_RX_SOFTIRQ, () => {});
k.smp.smp_register(9, () => {});
k.hrtimer.hrtimer_register(HRTIMER_NANOSLEEP, (c) => {
  resched[c] = true;
});

function time(n: number, fn: () => void): number {
  for (let i = 0; i < n / 10; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
}
const pollEmptyNs = time(N, () => void k.ipi.poll(1));
const timerIrqNs = time(N / 10, () => {
  clock[0] = k.tick.next_event(0);
  k.irqs.handle_irq(0, 5, true);
});
const reschedIpiNs = time(N / 10, () => {
  k.ipi.smp_send_reschedule(2);
  k.ipi.poll(2);
});
const callSingleNs = time(N / 10, () => {
  k.smp.smp_call_function_single(1, 3, 9);
  k.ipi.poll(3);
});
const irqSoftirqNs = time(N / 10, () => {
  k.softirq.irq_enter(1);
  k.softirq.__raise_softirq_irqoff(1, NET_RX_SOFTIRQ);
  k.softirq.irq_exit(1);
});
// 4 idle cores, each sleeping 10 s from its current clock: the nohz idle loop jumps
const t0 = process.hrtime.bigint();
for (let c = 0; c < cpus; c++) {
  kind[c] = TICK_IDLE;
  resched[c] = false;
  k.hrtimer.hrtimer_start(c, clock[c]! + 10e9, HRTIMER_NANOSLEEP, c);
  k.tick.tick_nohz_idle_enter(c, clock[c]!);
  while (!resched[c]) {
    k.tick.tick_nohz_idle_stop_tick(c);
    clock[c] = k.tick.next_event(c);
    k.irqs.handle_irq(c, 5, false);
  }
  k.tick.tick_nohz_idle_exit(c, clock[c]!);
}
const idle10sHostMs = Number(process.hrtime.bigint() - t0) / 1e6;
const f = (x: number): number => +x.toFixed(1);
console.log(JSON.stringify({ n: N, pollEmptyNs: f(pollEmptyNs), timerIrqNs: f(timerIrqNs), reschedIpiNs: f(reschedIpiNs), callSingleNs: f(callSingleNs), irqSoftirqNs: f(irqSoftirqNs), idle10sHostMs: +idle10sHostMs.toFixed(3) }));
