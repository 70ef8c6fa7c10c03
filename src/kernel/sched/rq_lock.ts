// The run queues' raw_spinlock_t (rq->__lock) as a word in simulated kernel memory, taken and
// released through the acting core's memory path (its L1/L2 and the bus with --memory caches),
// so the lock line's coherence traffic — a waker on core 1 taking core 2's queue lock finds the
// line Modified in core 2's cache: a HITM — and its latency are the core's kernel cycles and
// show in the c2c tables.
//
// Layout, as Linux's per-CPU data: one per-CPU area allocated at boot (Linux's first chunk,
// pcpu_embed_first_chunk), a unit of PERCPU_UNIT_BYTES per CPU, __per_cpu_offset[cpu] = base +
// cpu * unit; `runqueues` (DEFINE_PER_CPU_SHARED_ALIGNED(struct rq, runqueues)) at offset 0 of
// each unit, and struct rq's first field is `raw_spinlock_t __lock` (Linux 6.1). So each CPU's
// lock is on a line of its own. The rest of struct rq stays in host memory (sched.ts). The area
// has a unit for each of NR_CPUS possible CPUs (the machine's limit, as CONFIG_NR_CPUS bounds
// Linux's), whatever --cores is: the block, and so every page allocated after it, is the same on
// 1 core and on 4 (a single-threaded program runs in the same cycles on either). It comes from
// pristine boot RAM, zero as Linux's per-CPU template is: every lock starts unlocked (owner ==
// next == 0) without a store.
//
// The lock word is Linux 6.1 riscv's: the generic ticket lock (asm-generic/spinlock.h), a u32
// with `owner` in bits 0-15 and `next` in bits 16-31. arch_spin_lock is atomic_fetch_add(1 << 16)
// (amoadd.w.aqrl: one read-for-ownership of the line), then a wait while owner != ticket;
// arch_spin_unlock reads the word and stores owner + 1 (a load and a store, both on the line the
// owner already holds).
//
// What is modelled, honestly: the kernel runs serialized (one worker runs every kernel entry;
// other workers' entries are remote calls served there), so a lock is always free when it is
// taken — no core ever spins. Found held, the acquire is a kernel bug (a recursive rq_lock),
// reported by throwing, never a hang. What the model gives is the line's traffic and latency:
// which core last held each queue's lock, and what moving the line to the next taker costs.

import type { KernelPhys } from '../mm/tlbflush.ts';

/** Bytes of one CPU's unit of the per-CPU area (a page; Linux's units are at least 32 KiB). */
export const PERCPU_UNIT_BYTES = 4096;
/** Offset of `runqueues` in a unit, and of `__lock` in struct rq. */
export const RUNQUEUES_OFFSET = 0;
export const RQ_LOCK_OFFSET = 0;
/** raw_spinlock_t without lock debugging: one u32. */
export const RQ_LOCK_BYTES = 4;
/** TICKET_NEXT: the `next` half's unit. */
export const TICKET_NEXT = 1 << 16;

/** Possible CPUs: the machine's core limit (src/machine/config.ts). */
export const NR_CPUS = 64;
/** The per-CPU area's block: 2^PERCPU_ORDER pages, a unit for each possible CPU. */
export const PERCPU_ORDER = 6;
/** Pages the per-CPU area takes from the page allocator (never freed, as Linux's first chunk). */
export const PERCPU_PAGES = 1 << PERCPU_ORDER;

/** A symbol naming kernel data by physical address (for c2c: `runqueues[2].__lock`). */
export interface KernelSymbol {
  name: string;
  value: number;
  size: number;
  type: 'object';
}

/** The memory operations a lock needs: one of the core's KernelPhys. */
export type LockPhys = Pick<KernelPhys, 'fetchAdd32' | 'read64' | 'write64' | 'hi' | 'cycles'>;

/** Per run queue: its lock word's physical address and counts; per acting core: cycles spent on the lock lines. */
export interface RqLockStats {
  /** Physical address of each CPU's rq->__lock. */
  pa: number[];
  /** Acquires and releases of each run queue's lock (by any core). */
  acquires: number[];
  releases: number[];
  /** Of the acquires, those by a core other than the queue's own (remote wakeups, migrations, balancing). */
  remoteAcquires: number[];
  /** Per acting core: cycles its acquires and releases cost (the lines' latency). */
  cycles: number[];
  /** Queues whose lock the kernel held when the stats were taken (none after a clean run). */
  held: number[];
  /** The lock words as read at the end of the run (through the caches; filled by the machine). */
  words?: number[];
}

export class RqLocks {
  readonly acquires: number[];
  readonly releases: number[];
  readonly remoteAcquires: number[];
  readonly cycles: number[];
  /** The core holding each queue's lock (-1: free): the host's mirror, for the BUG checks' messages. */
  private readonly holder: number[];

  /** `base`: physical address of the per-CPU area (unit 0), `cpus` units from there. */
  constructor(
    readonly base: number,
    readonly cpus: number,
  ) {
    if (base % PERCPU_UNIT_BYTES !== 0) throw new RangeError(`rq locks: per-CPU area at 0x${base.toString(16)} is not page-aligned`);
    if (!(cpus >= 1 && cpus <= NR_CPUS)) throw new RangeError(`rq locks: ${cpus} CPUs (NR_CPUS is ${NR_CPUS})`);
    this.acquires = new Array<number>(cpus).fill(0);
    this.releases = new Array<number>(cpus).fill(0);
    this.remoteAcquires = new Array<number>(cpus).fill(0);
    this.cycles = new Array<number>(cpus).fill(0);
    this.holder = new Array<number>(cpus).fill(-1);
  }

  /** per_cpu_ptr(&runqueues, cpu)->__lock */
  lockPa(cpu: number): number {
    return this.base + cpu * PERCPU_UNIT_BYTES + RUNQUEUES_OFFSET + RQ_LOCK_OFFSET;
  }

  /**
   * raw_spin_rq_lock(cpu_rq(cpu)) by core `actor` through its `phys`: the ticket fetch-add.
   * Returns the cycles it cost (left in phys.cycles too, for the caller to move onto the core).
   */
  lock(phys: LockPhys, actor: number, cpu: number): number {
    const c0 = phys.cycles;
    const old = phys.fetchAdd32(this.lockPa(cpu), TICKET_NEXT);
    const ticket = old >>> 16;
    const owner = old & 0xffff;
    if (ticket !== owner) {
      throw new Error(`BUG: core ${actor} takes run queue ${cpu}'s lock held by core ${this.holder[cpu]} (owner ${owner}, ticket ${ticket}): the kernel is serialized, nothing can hold it`);
    }
    this.holder[cpu] = actor;
    this.acquires[cpu]++;
    if (actor !== cpu) this.remoteAcquires[cpu]++;
    const cost = phys.cycles - c0;
    this.cycles[actor] += cost;
    return cost;
  }

  /** raw_spin_rq_unlock: read the word, store owner + 1. Returns the cycles it cost. */
  unlock(phys: LockPhys, actor: number, cpu: number): number {
    const c0 = phys.cycles;
    const pa = this.lockPa(cpu);
    const v = phys.read64(pa);
    const hi = phys.hi;
    const owner = v & 0xffff;
    const next = (v >>> 16) & 0xffff;
    if (next !== ((owner + 1) & 0xffff)) {
      throw new Error(`BUG: core ${actor} releases run queue ${cpu}'s lock, which is not held (owner ${owner}, next ${next})`);
    }
    phys.write64(pa, (v & 0xffff0000) | ((owner + 1) & 0xffff), hi);
    this.holder[cpu] = -1;
    this.releases[cpu]++;
    const cost = phys.cycles - c0;
    this.cycles[actor] += cost;
    return cost;
  }

  isHeld(cpu: number): boolean {
    return this.holder[cpu]! >= 0;
  }

  /** The queues whose lock the kernel holds now (none between kernel entries). */
  held(): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.cpus; c++) if (this.holder[c] >= 0) out.push(c);
    return out;
  }

  /** The names c2c gives the lock words: `runqueues[N].__lock`. */
  symbols(): KernelSymbol[] {
    return Array.from({ length: this.cpus }, (_, c) => ({ name: `runqueues[${c}].__lock`, value: this.lockPa(c), size: RQ_LOCK_BYTES, type: 'object' as const }));
  }

  stats(): RqLockStats {
    return {
      pa: Array.from({ length: this.cpus }, (_, c) => this.lockPa(c)),
      acquires: [...this.acquires],
      releases: [...this.releases],
      remoteAcquires: [...this.remoteAcquires],
      cycles: [...this.cycles],
      held: this.held(),
    };
  }
}

/** A ticket word's state: free when owner == next; `taken` tickets so far (mod 2^16). */
export function ticketState(word: number): { owner: number; next: number; free: boolean } {
  const owner = word & 0xffff;
  const next = (word >>> 16) & 0xffff;
  return { owner, next, free: owner === next };
}
