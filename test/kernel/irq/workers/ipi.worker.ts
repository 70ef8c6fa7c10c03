// One worker thread as one core: sends reschedule IPIs, function calls (single and many, with
// and without wait, bursts that fill the target's queue) and TLB shootdowns to the other
// cores, polling its own mailbox between actions and while it waits, as a hart does at block
// boundaries; then all but core 0 flood core 0 at once. Tallies what it sent and received. workerData: IpiJob; posts IpiResult.
import { parentPort, workerData } from 'node:worker_threads';
import { Ipi } from '../../../../src/kernel/irq/ipi.ts';
import { PreemptCount } from '../../../../src/kernel/irq/preempt.ts';
import { TlbFlush } from '../../../../src/kernel/mm/tlb_shootdown.ts';
import { Smp } from '../../../../src/kernel/smp.ts';
import { Softirq } from '../../../../src/kernel/softirq.ts';
import { Cputime } from '../../../../src/kernel/time/cputime.ts';
import { Rng } from '../../../../src/stress/prng.ts';
import { startGate } from '../../../helpers/gate.ts';

export interface IpiJob {
  preempt: SharedArrayBuffer;
  cputime: SharedArrayBuffer;
  softirq: SharedArrayBuffer;
  ipi: SharedArrayBuffer;
  smp: SharedArrayBuffer;
  /** i32 [0] start gate, [32] workers done sending, [64] flood gate (512 bytes) */
  ctl: SharedArrayBuffer;
  cpus: number;
  core: number;
  seed: number;
  ops: number;
}
export interface IpiResult {
  /** sum of FN_ADD values this core sent to each target / received from each sender */
  sentTo: number[];
  recvFrom: number[];
  /** FN_ADD calls sent to each target */
  callsTo: number[];
  reschedTo: number[];
  /** remote TLB flush requests sent to each target; flushes this core applied for others */
  flushTo: number[];
  flushedFor: number[];
  waits: number;
  errors: string[];
}

const FN_ADD = 2;
const job = workerData as IpiJob;
const me = job.core;
const n = job.cpus;
const preempt = new PreemptCount(job.preempt);
let clock = 0;
const cputime = new Cputime(job.cputime, preempt, 4_000_000);
const softirq = new Softirq(job.softirq, preempt, cputime, {
  now: () => clock,
  need_resched: () => false,
  wakeup_softirqd: () => {},
  ksoftirqd_task_running: () => false,
  current_is_ksoftirqd: () => false,
});
const ipi = new Ipi(job.ipi, softirq);
const smp = new Smp(job.smp, ipi);
const r: IpiResult = {
  sentTo: new Array<number>(n).fill(0),
  recvFrom: new Array<number>(n).fill(0),
  callsTo: new Array<number>(n).fill(0),
  reschedTo: new Array<number>(n).fill(0),
  flushTo: new Array<number>(n).fill(0),
  flushedFor: new Array<number>(n).fill(0),
  waits: 0,
  errors: [],
};
smp.smp_register(FN_ADD, (cpu, value, sender) => {
  if (cpu !== me) r.errors.push(`FN_ADD ran for cpu ${cpu} on worker ${me}`);
  if (!preempt.in_hardirq(cpu)) r.errors.push('FN_ADD outside hardirq context');
  r.recvFrom[sender]! += value;
});
// mm id = the sender; the range must arrive intact (safe integers beyond 2^32)
const tlb = new TlbFlush(smp, ipi, (cpu, mm, start, end) => {
  if (cpu !== me) return;
  if (mm === me) return; // our own local flush
  if (end - start !== 0x1000 || start < 2 ** 40) r.errors.push(`bad flush range ${start}..${end}`);
  r.flushedFor[mm]!++;
});

const rng = new Rng(job.seed, me);
const others = [...Array(n).keys()].filter((c) => c !== me);
const ctl = new Int32Array(job.ctl);
startGate(ctl, 0, n);
for (let i = 0; i < job.ops; i++) {
  ipi.poll(me);
  clock += 1000;
  const t = others[rng.below(others.length)]!;
  const a = rng.below(100);
  if (a < 30) {
    ipi.smp_send_reschedule(t);
    r.reschedTo[t]!++;
  } else if (a < 60) {
    const wait = rng.chance(0.5);
    const v = 1 + rng.below(1000);
    smp.smp_call_function_single(me, t, FN_ADD, v, me, 0, 0, wait);
    r.sentTo[t]! += v;
    r.callsTo[t]!++;
    if (wait) r.waits++;
  } else if (a < 75) {
    const v = 1 + rng.below(1000);
    smp.smp_call_function_many(me, [...Array(n).keys()], FN_ADD, v, me, 0, 0, true);
    for (const o of others) {
      r.sentTo[o]! += v;
      r.callsTo[o]!++;
    }
    r.waits++;
  } else if (a < 90) {
    const start = 2 ** 40 + rng.below(1 << 20) * 0x1000;
    tlb.flush_tlb_range(me, [...Array(n).keys()], me, start, start + 0x1000);
    for (const o of others) r.flushTo[o]!++;
  } else if (a < 92) {
    // a burst that overflows the target's queue: the sender must keep taking its own IPIs
    for (let k = 0; k < 100; k++) {
      smp.smp_call_function_single(me, t, FN_ADD, 1, me);
      r.sentTo[t]!++;
      r.callsTo[t]!++;
    }
  }
}
/** Wait for all cores at ctl[index], serving our mailbox meanwhile (a core that blocked without
 *  taking IPIs would deadlock a peer waiting for its call to complete). */
function servingGate(index: number): void {
  Atomics.add(ctl, index, 1);
  while (Atomics.load(ctl, index) < n) {
    if (ipi.poll(me) === 0) ipi.wait_for_ipi(me, 1);
  }
}

// Flood: every other core floods core 0 with calls at once (the enqueue races in earnest).
servingGate(64);
if (me !== 0) {
  for (let k = 0; k < job.ops; k++) {
    smp.smp_call_function_single(me, 0, FN_ADD, 1 + (k % 7), me);
    r.sentTo[0]! += 1 + (k % 7);
    r.callsTo[0]!++;
    if ((k & 15) === 0) ipi.poll(me);
  }
}
// Done sending; keep serving until everyone is, then drain what is left.
servingGate(32);
ipi.poll(me);
if (preempt.get(me) !== 0) r.errors.push(`preempt_count ${preempt.get(me)} at the end`);
parentPort!.postMessage(r);
