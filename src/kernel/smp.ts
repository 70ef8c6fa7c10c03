// Cross-core function calls (Linux 6.1 kernel/smp.c): per-core mailboxes in shared memory that
// any worker posts to, the function-call IPI that makes the target drain its queue, and
// smp_call_function_single / _many / on_each_cpu_mask with the wait option.
//
// A call is (function id, four safe-integer arguments, waiter): function ids are registered per
// worker with smp_register (every worker registers the same ones, as every CPU runs the same
// code). With `wait`, the sender sets its completion counter to the number of targets and
// waits for each target to count it down after running the function (csd_lock_wait). While it
// waits it keeps taking its own IPIs — as a CPU spinning with interrupts enabled does, which is
// what keeps two cores calling each other from deadlocking — and calls hooks.relax, where a
// worker that hosts several cores must poll its other cores.
//
// Layout: one SharedArrayBuffer.
//   Per target core c, QUEUE_BYTES = 128 + SMP_QUEUE_CAP * 48 at c * QUEUE_BYTES:
//     i32 [0] lock (shared/sync/spinlock.ts), [1] head, [2] count            (under the lock)
//     f64 entry e at byte 128 + e*48: fn, a0, a1, a2, a3, waiter core (-1)  (under the lock)
//   Then per core c, 128 bytes at cpus * QUEUE_BYTES + c * 128:
//     i32 [0] csd: calls c still waits for (c sets, targets Atomics.sub)
//     i32 [1] calls run on c                                                 (c only)

import { spinLock, spinUnlock } from '../../shared/sync/spinlock.ts';
import { IPI_CALL_FUNC, type Ipi } from './irq/ipi.ts';

export const SMP_QUEUE_CAP = 64;
const ENTRY_F64 = 6;
const QUEUE_BYTES = 128 + SMP_QUEUE_CAP * ENTRY_F64 * 8;
const Q_LOCK = 0;
const Q_HEAD = 1;
const Q_COUNT = 2;
const C_CSD = 0;
const C_RUN = 1;
/** Polls of a waiting sender before it parks (1 ms at a time) between them. */
const CSD_SPINS = 200;

export type SmpCallFn = (cpu: number, a0: number, a1: number, a2: number, a3: number) => void;

export interface SmpHooks {
  /** cpu_relax in csd_lock_wait: a worker hosting several cores polls the others here. */
  relax?(cpu: number): void;
}

export function allocSmpBuffer(cpus: number): SharedArrayBuffer {
  return new SharedArrayBuffer(cpus * (QUEUE_BYTES + 128));
}

export class Smp {
  readonly i: Int32Array;
  readonly f: Float64Array;
  readonly cpus: number;
  private readonly fns = new Map<number, SmpCallFn>();
  private readonly compBase: number; // i32 index of core 0's completion slot

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly ipi: Ipi,
    readonly hooks: SmpHooks = {},
  ) {
    this.i = new Int32Array(buffer);
    this.f = new Float64Array(buffer);
    this.cpus = buffer.byteLength / (QUEUE_BYTES + 128);
    this.compBase = (this.cpus * QUEUE_BYTES) >> 2;
    ipi.onCallFunc = (cpu) => this.generic_smp_call_function_interrupt(cpu);
  }

  /** The function `fn` names in every call (this worker). */
  smp_register(fn: number, call: SmpCallFn): void {
    this.fns.set(fn, call);
  }

  /** Calls run on `cpu` so far (from its queue). */
  calls_run(cpu: number): number {
    return Atomics.load(this.i, this.compBase + cpu * 32 + C_RUN);
  }

  /** Post one call to `cpu`'s queue and raise its IPI; while the queue is full, take our own. */
  private post(src: number, cpu: number, fn: number, a0: number, a1: number, a2: number, a3: number, waiter: number): void {
    const q = (cpu * QUEUE_BYTES) >> 2;
    for (let spins = 0; ; spins++) {
      spinLock(this.i, q + Q_LOCK);
      const count = this.i[q + Q_COUNT]!;
      if (count < SMP_QUEUE_CAP) {
        const e = (cpu * QUEUE_BYTES + 128) / 8 + ((this.i[q + Q_HEAD]! + count) % SMP_QUEUE_CAP) * ENTRY_F64;
        this.f[e] = fn;
        this.f[e + 1] = a0;
        this.f[e + 2] = a1;
        this.f[e + 3] = a2;
        this.f[e + 4] = a3;
        this.f[e + 5] = waiter;
        this.i[q + Q_COUNT] = count + 1;
        spinUnlock(this.i, q + Q_LOCK);
        this.ipi.send_ipi_single(cpu, IPI_CALL_FUNC);
        return;
      }
      spinUnlock(this.i, q + Q_LOCK);
      this.ipi.send_ipi_single(cpu, IPI_CALL_FUNC);
      this.relax(src, spins);
    }
  }

  private relax(src: number, spins: number): void {
    if (src >= 0) this.ipi.poll(src);
    this.hooks.relax?.(src);
    if (spins > CSD_SPINS && src >= 0) this.ipi.wait_for_ipi(src, 1);
  }

  private check(src: number, fn: number, wait: boolean): void {
    if (!this.fns.has(fn)) throw new RangeError(`smp: function ${fn} not registered (smp_register)`);
    if (wait && this.ipi.softirq.preempt.in_interrupt(src)) {
      throw new Error(`smp: cpu ${src}: smp_call_function with wait from interrupt context would deadlock`);
    }
  }

  /** csd_lock_wait: until every target ran the call. */
  private waitDone(src: number): void {
    const c = this.compBase + src * 32 + C_CSD;
    for (let spins = 0; Atomics.load(this.i, c) !== 0; spins++) this.relax(src, spins);
  }

  /**
   * smp_call_function_many: run `fn` on every cpu of `cpus` except `src` itself; with `wait`,
   * return once all have run it. `src` is the calling core.
   */
  smp_call_function_many(src: number, cpus: Iterable<number>, fn: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, wait = false): void {
    this.check(src, fn, wait);
    const targets: number[] = [];
    for (const c of cpus) {
      if (!(c >= 0 && c < this.cpus)) throw new RangeError(`smp: no cpu ${c}`);
      if (c !== src && !targets.includes(c)) targets.push(c);
    }
    if (targets.length === 0) return;
    if (wait) Atomics.store(this.i, this.compBase + src * 32 + C_CSD, targets.length);
    for (const c of targets) this.post(src, c, fn, a0, a1, a2, a3, wait ? src : -1);
    if (wait) this.waitDone(src);
  }

  /** smp_call_function_single: `fn` on `cpu` (run here directly when cpu is src). */
  smp_call_function_single(src: number, cpu: number, fn: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, wait = false): void {
    if (cpu === src) {
      this.check(src, fn, false);
      this.fns.get(fn)!(src, a0, a1, a2, a3);
      return;
    }
    this.smp_call_function_many(src, [cpu], fn, a0, a1, a2, a3, wait);
  }

  /** on_each_cpu_mask: like smp_call_function_many, and on src too when it is in `cpus`. */
  on_each_cpu_mask(src: number, cpus: Iterable<number>, fn: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, wait = false): void {
    const list = [...cpus];
    this.smp_call_function_many(src, list, fn, a0, a1, a2, a3, wait);
    if (list.includes(src)) this.fns.get(fn)!(src, a0, a1, a2, a3);
  }

  /**
   * generic_smp_call_function_interrupt (IPI_CALL_FUNC on `cpu`, hardirq context): run every
   * queued call, oldest first, counting down each waiter's completion.
   */
  generic_smp_call_function_interrupt(cpu: number): number {
    const q = (cpu * QUEUE_BYTES) >> 2;
    const ebase = (cpu * QUEUE_BYTES + 128) / 8;
    let n = 0;
    for (;;) {
      spinLock(this.i, q + Q_LOCK);
      const count = this.i[q + Q_COUNT]!;
      if (count === 0) {
        spinUnlock(this.i, q + Q_LOCK);
        break;
      }
      const head = this.i[q + Q_HEAD]!;
      const e = ebase + head * ENTRY_F64;
      const fn = this.f[e]!;
      const a0 = this.f[e + 1]!;
      const a1 = this.f[e + 2]!;
      const a2 = this.f[e + 3]!;
      const a3 = this.f[e + 4]!;
      const waiter = this.f[e + 5]!;
      this.i[q + Q_HEAD] = (head + 1) % SMP_QUEUE_CAP;
      this.i[q + Q_COUNT] = count - 1;
      spinUnlock(this.i, q + Q_LOCK);
      const call = this.fns.get(fn);
      if (call === undefined) throw new Error(`smp: cpu ${cpu}: queued function ${fn} not registered in this worker`);
      call(cpu, a0, a1, a2, a3);
      this.i[this.compBase + cpu * 32 + C_RUN]!++;
      n++;
      if (waiter >= 0) {
        Atomics.sub(this.i, this.compBase + waiter * 32 + C_CSD, 1);
        this.ipi.wake(waiter);
      }
    }
    return n;
  }
}
