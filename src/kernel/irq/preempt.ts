// preempt_count per core (include/linux/preempt.h, Linux 6.1): which context a core is in —
// task, softirq (serving or bh-disabled), hardirq, NMI — as Linux's bit fields in one word:
//   PREEMPT_MASK 0x000000ff   SOFTIRQ_MASK 0x0000ff00   HARDIRQ_MASK 0x000f0000   NMI_MASK 0x00f00000
// Serving a softirq adds SOFTIRQ_OFFSET (0x100); local_bh_disable adds SOFTIRQ_DISABLE_OFFSET (0x200).
//
// Layout: one SharedArrayBuffer, 128 bytes (32 i32 words) per core so no two cores' words share a
// host cache line: word c*32 = preempt_count of core c. Written only by core c's worker (its own
// context changes); read by anyone (a /proc reader, a sanity check) with Atomics.load.

export const PREEMPT_BITS = 8;
export const SOFTIRQ_BITS = 8;
export const HARDIRQ_BITS = 4;
export const NMI_BITS = 4;
export const PREEMPT_SHIFT = 0;
export const SOFTIRQ_SHIFT = PREEMPT_SHIFT + PREEMPT_BITS;
export const HARDIRQ_SHIFT = SOFTIRQ_SHIFT + SOFTIRQ_BITS;
export const NMI_SHIFT = HARDIRQ_SHIFT + HARDIRQ_BITS;
export const PREEMPT_MASK = ((1 << PREEMPT_BITS) - 1) << PREEMPT_SHIFT;
export const SOFTIRQ_MASK = ((1 << SOFTIRQ_BITS) - 1) << SOFTIRQ_SHIFT;
export const HARDIRQ_MASK = ((1 << HARDIRQ_BITS) - 1) << HARDIRQ_SHIFT;
export const NMI_MASK = ((1 << NMI_BITS) - 1) << NMI_SHIFT;
export const PREEMPT_OFFSET = 1 << PREEMPT_SHIFT;
export const SOFTIRQ_OFFSET = 1 << SOFTIRQ_SHIFT;
export const HARDIRQ_OFFSET = 1 << HARDIRQ_SHIFT;
export const NMI_OFFSET = 1 << NMI_SHIFT;
export const SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET;

const SLOT = 32;

export function allocPreemptBuffer(cpus: number): SharedArrayBuffer {
  return new SharedArrayBuffer(cpus * SLOT * 4);
}

/** Per-worker view of every core's preempt_count. */
export class PreemptCount {
  readonly w: Int32Array;
  constructor(readonly buffer: SharedArrayBuffer) {
    this.w = new Int32Array(buffer);
  }
  get(cpu: number): number {
    return Atomics.load(this.w, cpu * SLOT);
  }
  /** preempt_count_add / _sub: only core `cpu`'s own worker changes its count. */
  add(cpu: number, v: number): void {
    Atomics.add(this.w, cpu * SLOT, v);
  }
  sub(cpu: number, v: number): void {
    Atomics.sub(this.w, cpu * SLOT, v);
  }
  hardirq_count(cpu: number): number {
    return this.get(cpu) & HARDIRQ_MASK;
  }
  softirq_count(cpu: number): number {
    return this.get(cpu) & SOFTIRQ_MASK;
  }
  /** irq_count(): hardirq | softirq | nmi bits. */
  irq_count(cpu: number): number {
    return this.get(cpu) & (HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK);
  }
  /** in_interrupt(): in hardirq, NMI, serving a softirq, or with bottom halves disabled. */
  in_interrupt(cpu: number): boolean {
    return this.irq_count(cpu) !== 0;
  }
  in_hardirq(cpu: number): boolean {
    return this.hardirq_count(cpu) !== 0;
  }
  in_serving_softirq(cpu: number): boolean {
    return (this.get(cpu) & SOFTIRQ_OFFSET) !== 0;
  }
}
