// The remote-trap mailboxes of parallel `--boot linux` (one SharedArrayBuffer, the region map's
// `remote`): the kernel's state lives in the worker hosting core 0 (its home), so a core
// hosted by another worker enters the kernel by a remote procedure call. The caller writes
// its whole user context here, rings the home's doorbell and parks on its own; the home runs
// the real handler against a view of this context and writes the result back.
//
// Layout (Int32Array words; every block starts on its own 128-byte host line):
//   doorbells   worker w: word 32*w. A counter: Atomics.add + notify to ring, Atomics.wait to park.
//               The home parks on its own between requests and at the quantum barrier; a
//               caller parks on its own until the reply; the barrier's release rings them all.
//   core c      CORE_WORDS words from DOORBELLS_WORDS + c * CORE_WORDS:
//     line 0    STATE (FREE / REQUEST / REPLY / HELD / RELEASED), KIND, CAUSE, RESULT, QUANTUM,
//               WORKER, FCSR, LOAD, FETCH (the home wants the running core's context)
//     line 1    what the home publishes for the caller's cheap queries, written by the home only:
//               IDLE (the idle task is current), SD_SENT / SD_RECV (its TLB shootdowns),
//               KREADS / KWRITES (lines the kernel copied through this core's path),
//               NR_RUNNING (tasks queued on its run queue), NEXT_EVENT (f64: the cycle of its
//               next timer event)
//     line 2    the flush log's HEAD and OVERFLOW (home), ROOT_* (the last satp the home set)
//     line 3    the flush log's TAIL (the core's worker; Atomics.notify on it acks a shootdown)
//     128..     x registers (32 low words, 32 high), f registers (64 words)
//     f64       PC, CYCLE, INSTRET, TVAL, END (idle's limit), then LOG_ENTRIES flush ops of 4 f64
//   counters    core c: ctrLen f64 (shared/coherence/stats.ts) after the cores: the cache counts of
//               the home's view of core c (the kernel's copies for it), added to the core's own
//
// The flush log: a single-producer (home) single-consumer (the core's worker) ring of what
// the kernel asked of the core's MMU (satp writes, sfence.vma, the decode cache): the core
// applies it before it resumes from a call and at every run slice, so a shootdown posted by
// another core's kernel path reaches it within a slice (the sender waits for the ack).

export const MB_FREE = 0;
export const MB_REQUEST = 1;
export const MB_REPLY = 2;
/** The core stopped at the home's request (FETCH) and handed its context over; then released. */
export const MB_HELD = 3;
export const MB_RELEASED = 4;

/** What the call asks the home to run. */
export const K_TRAP = 1;
export const K_TICK = 2;
export const K_IDLE = 3;

/** Flush-log ops (the CpuMmu calls, src/kernel/mm/tlbflush.ts). */
export const OP_SET_ROOT = 1;
export const OP_FLUSH_PAGE = 2;
export const OP_FLUSH_ALL = 3;
export const OP_FLUSH_PAGE_ASID = 4;
export const OP_FLUSH_ASID = 5;
export const OP_FLUSH_ICACHE = 6;

const SLOT = 32;
const CORE_WORDS = 1024; // 4 KiB a core
export const LOG_ENTRIES = 64;

// line 0
const STATE = 0;
const KIND = 1;
const CAUSE = 2;
const RESULT = 3;
const QUANTUM = 4;
const WORKER = 5;
const FCSR = 6;
const LOAD = 7;
const FETCH = 8;
// line 1
const IDLE = 32;
const SD_SENT = 33;
const SD_RECV = 34;
const KREADS = 35;
const KWRITES = 36;
const NR_RUNNING = 37;
const OWNER_PID = 38; // the process running there (0: none), its image id and comm (16 bytes): c2c's owner
const OWNER_IMAGE = 39;
const OWNER_COMM = 44; // words 44..47
const NEXT_EVENT_D = 20; // f64 index: words 40..41
// line 2
const HEAD = 64;
const OVERFLOW = 65;
const ROOT_LEVELS = 66;
const ROOT_ASID = 67;
const ROOT_PGD_D = 34; // f64 index: words 68..69
// line 3
const TAIL = 96;
// registers
const XL = 128;
const XH = 160;
const F = 192;
// f64 indexes
const PC_D = 128; // words 256..
const CYCLE_D = 129;
const INSTRET_D = 130;
const TVAL_D = 131;
const END_D = 132;
const IDLE_CYCLES_D = 133; // cycles the core idled by itself since its last call (the caller's)
const LIVE_CYCLE_D = 134; // the core's cycle at its last run slice or call (its worker's)
const CATCH_UP_D = 135; // an idle core's clock jumps here at its next slice (the home's: a wakeup's cycle)
const LOG_D = 136; // LOG_ENTRIES * 4 f64 from word 272: ends at word 784

/** What a context copy needs of a hart (cores/hart.ts) or of the home's view of one. */
export interface UserContext {
  pc: number;
  cycle: number;
  readonly xl: Int32Array;
  readonly xh: Int32Array;
  readonly f?: { readonly w: Int32Array };
  frm?: number;
  fflags?: number;
}

/** What the flush log is applied to: a core's MMU as the kernel sees it. */
export interface FlushTarget {
  setRoot(pgd: number, levels: number, asid: number): void;
  flushTlbPage(va: number): void;
  flushTlbAll(): void;
  flushTlbPageAsid(va: number, asid: number): void;
  flushTlbAsid(asid: number): void;
  flushIcache(): void;
}

/** Rings every worker's doorbell of a mailbox region (the main thread, when it stops a crashed machine). */
export function ringAllDoorbells(buffer: SharedArrayBuffer, threads: number): void {
  const i32 = new Int32Array(buffer);
  for (let w = 0; w < threads; w++) {
    Atomics.add(i32, w * SLOT, 1);
    Atomics.notify(i32, w * SLOT);
  }
}

/** The region's size; ctrLen: cache counters per core (0 with --memory flat). */
export function remoteBytes(cores: number, threads: number, ctrLen: number): number {
  return (threads * SLOT + cores * CORE_WORDS) * 4 + cores * ctrLen * 8;
}

export function allocRemoteBuffer(cores: number, threads: number, ctrLen: number): SharedArrayBuffer {
  return new SharedArrayBuffer(remoteBytes(cores, threads, ctrLen));
}

export class Mailboxes {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly threads: number;
  readonly cores: number;

  constructor(readonly buffer: SharedArrayBuffer, cores: number, threads: number, readonly ctrLen: number) {
    if (buffer.byteLength !== remoteBytes(cores, threads, ctrLen)) throw new Error('BUG: remote mailbox region of the wrong size');
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.cores = cores;
    this.threads = threads;
  }

  /** The worker hosting core c (src/machine/boot.ts assignCores: round-robin). */
  workerOf(c: number): number {
    return c % this.threads;
  }

  private base(c: number): number {
    return this.threads * SLOT + c * CORE_WORDS;
  }
  private d(c: number, i: number): number {
    return (this.base(c) >> 1) + i;
  }

  /** The cache counters of the home's view of core c. */
  counters(c: number): Float64Array {
    return new Float64Array(this.buffer, (this.threads * SLOT + this.cores * CORE_WORDS) * 4 + c * this.ctrLen * 8, this.ctrLen);
  }

  // ---- doorbells ----

  doorbell(w: number): number {
    return Atomics.load(this.i32, w * SLOT);
  }
  ring(w: number): void {
    Atomics.add(this.i32, w * SLOT, 1);
    Atomics.notify(this.i32, w * SLOT);
  }
  ringAll(): void {
    for (let w = 0; w < this.threads; w++) this.ring(w);
  }
  /** Parks worker w until its doorbell moves from `seen` (or `ms` pass: a safety net, never relied on). */
  park(w: number, seen: number, ms: number): void {
    Atomics.wait(this.i32, w * SLOT, seen, ms);
  }

  // ---- the call ----

  state(c: number): number {
    return Atomics.load(this.i32, this.base(c) + STATE);
  }

  /** Caller: the context and the request, then STATE = REQUEST (the home's doorbell is the caller's to ring). */
  post(c: number, kind: number, worker: number, quantum: number, cpu: UserContext & { instret: number }, cause: number, tval: number, end: number): void {
    const b = this.base(c);
    this.putContext(c, cpu);
    this.f64[this.d(c, INSTRET_D)] = cpu.instret;
    this.f64[this.d(c, TVAL_D)] = tval;
    this.f64[this.d(c, END_D)] = end;
    this.i32[b + KIND] = kind;
    this.i32[b + CAUSE] = cause;
    this.i32[b + WORKER] = worker;
    this.i32[b + QUANTUM] = quantum;
    Atomics.store(this.i32, b + STATE, MB_REQUEST);
  }

  kind(c: number): number {
    return this.i32[this.base(c) + KIND];
  }
  cause(c: number): number {
    return this.i32[this.base(c) + CAUSE];
  }
  quantum(c: number): number {
    return this.i32[this.base(c) + QUANTUM];
  }
  requester(c: number): number {
    return this.i32[this.base(c) + WORKER];
  }
  tval(c: number): number {
    return this.f64[this.d(c, TVAL_D)];
  }
  end(c: number): number {
    return this.f64[this.d(c, END_D)];
  }
  instret(c: number): number {
    return this.f64[this.d(c, INSTRET_D)];
  }
  result(c: number): number {
    return this.i32[this.base(c) + RESULT];
  }

  /** Home: the context as the handler left it and its result, then STATE = REPLY. */
  reply(c: number, cpu: UserContext, result: number): void {
    this.putContext(c, cpu);
    this.i32[this.base(c) + RESULT] = result;
    Atomics.store(this.i32, this.base(c) + STATE, MB_REPLY);
  }

  /** Caller, after the reply: the slot is free again. */
  release(c: number): void {
    Atomics.store(this.i32, this.base(c) + STATE, MB_FREE);
  }

  putContext(c: number, cpu: UserContext): void {
    const b = this.base(c);
    this.i32.set(cpu.xl.subarray(0, 32), b + XL);
    this.i32.set(cpu.xh.subarray(0, 32), b + XH);
    if (cpu.f) {
      this.i32.set(cpu.f.w.subarray(0, 64), b + F);
      this.i32[b + FCSR] = ((cpu.frm ?? 0) << 5) | (cpu.fflags ?? 0);
    }
    this.f64[this.d(c, PC_D)] = cpu.pc;
    this.f64[this.d(c, CYCLE_D)] = cpu.cycle;
  }

  getContext(c: number, cpu: UserContext): void {
    const b = this.base(c);
    cpu.xl.set(this.i32.subarray(b + XL, b + XL + 32));
    cpu.xh.set(this.i32.subarray(b + XH, b + XH + 32));
    cpu.xl[0] = 0;
    cpu.xh[0] = 0;
    if (cpu.f) {
      cpu.f.w.set(this.i32.subarray(b + F, b + F + 64));
      const fcsr = this.i32[b + FCSR];
      cpu.frm = (fcsr >>> 5) & 7;
      cpu.fflags = fcsr & 0x1f;
    }
    cpu.pc = this.f64[this.d(c, PC_D)];
    cpu.cycle = this.f64[this.d(c, CYCLE_D)];
  }

  /**
   * Home: a context the core loads at its next run slice (the first process's at boot, or the
   * next task's when another core's kernel path switched this core's task away). LOAD goes
   * 0 -> 3 (writing) -> 1 (offered) -> 2 (being taken) -> 0: an offer is written only when
   * none is pending or being read (false: try again later).
   */
  offerContext(c: number, cpu: UserContext): boolean {
    if (Atomics.compareExchange(this.i32, this.base(c) + LOAD, 0, 3) !== 0) return false;
    this.putContext(c, cpu);
    Atomics.store(this.i32, this.base(c) + LOAD, 1);
    return true;
  }
  /**
   * Core's worker: takes an offered context (true) onto cpu. Its clock never goes back: the
   * offer's cycle is the core's as the home last saw it.
   */
  takeContext(c: number, cpu: UserContext): boolean {
    if (Atomics.compareExchange(this.i32, this.base(c) + LOAD, 1, 2) !== 1) return false;
    const cycle = cpu.cycle;
    this.getContext(c, cpu);
    if (cpu.cycle < cycle) cpu.cycle = cycle;
    Atomics.store(this.i32, this.base(c) + LOAD, 0);
    return true;
  }
  /** An offer the core has not taken yet. */
  offered(c: number): boolean {
    return Atomics.load(this.i32, this.base(c) + LOAD) !== 0;
  }
  /** Home, serving the core's call: the offer goes back (the reply carries the context instead). */
  withdraw(c: number): void {
    Atomics.store(this.i32, this.base(c) + LOAD, 0);
  }
  /** The caller's cycle as it posted the call. */
  callerCycle(c: number): number {
    return this.f64[this.d(c, CYCLE_D)];
  }

  // ---- the home takes a running core's context (the kernel acts on its task from elsewhere) ----

  requestFetch(c: number): void {
    Atomics.store(this.i32, this.base(c) + FETCH, 1);
  }
  fetchRequested(c: number): boolean {
    return Atomics.load(this.i32, this.base(c) + FETCH) !== 0;
  }
  /** Core's worker: its context for the home, and it stops until released. */
  hold(c: number, cpu: UserContext & { instret: number }): void {
    this.putContext(c, cpu);
    this.f64[this.d(c, INSTRET_D)] = cpu.instret;
    Atomics.store(this.i32, this.base(c) + FETCH, 0);
    Atomics.store(this.i32, this.base(c) + STATE, MB_HELD);
  }
  /** Home: the held core goes on with this context (its own, or its core's next task's). */
  releaseHeld(c: number, cpu: UserContext): void {
    this.putContext(c, cpu);
    Atomics.store(this.i32, this.base(c) + STATE, MB_RELEASED);
  }

  // ---- what the home publishes ----

  publish(c: number, idle: boolean, nextEvent: number, nrRunning: number): void {
    const b = this.base(c);
    this.f64[this.d(c, NEXT_EVENT_D)] = nextEvent;
    Atomics.store(this.i32, b + NR_RUNNING, nrRunning);
    Atomics.store(this.i32, b + IDLE, idle ? 1 : 0);
  }
  /** Core's worker: where its clock is (each run slice). */
  setLiveCycle(c: number, cycle: number): void {
    this.f64[this.d(c, LIVE_CYCLE_D)] = cycle;
  }
  liveCycle(c: number): number {
    return this.f64[this.d(c, LIVE_CYCLE_D)];
  }
  /** Home: an idle core behind a wakeup catches up to its cycle (try_to_wake_up's catch-up). */
  catchUp(c: number, cycle: number): void {
    const i = this.d(c, CATCH_UP_D);
    if (cycle > this.f64[i]) this.f64[i] = cycle;
  }
  catchUpTo(c: number): number {
    return this.f64[this.d(c, CATCH_UP_D)];
  }
  publishOwner(c: number, o: { pid: number; comm: string; image: number } | undefined): void {
    const b = this.base(c);
    if (!o) {
      this.i32[b + OWNER_PID] = 0;
      return;
    }
    if (this.i32[b + OWNER_PID] === o.pid && this.i32[b + OWNER_IMAGE] === o.image) return;
    const bytes = new TextEncoder().encode(o.comm.slice(0, 15));
    const u8 = new Uint8Array(this.buffer, (b + OWNER_COMM) * 4, 16);
    u8.fill(0);
    u8.set(bytes.subarray(0, 15));
    this.i32[b + OWNER_IMAGE] = o.image;
    this.i32[b + OWNER_PID] = o.pid;
  }
  owner(c: number): { pid: number; comm: string; image: number } | undefined {
    const b = this.base(c);
    const pid = this.i32[b + OWNER_PID];
    if (pid === 0) return undefined;
    const u8 = new Uint8Array(this.buffer, (b + OWNER_COMM) * 4, 16);
    const end = u8.indexOf(0);
    return { pid, image: this.i32[b + OWNER_IMAGE], comm: new TextDecoder().decode(u8.subarray(0, end < 0 ? 16 : end)) };
  }
  nrRunning(c: number): number {
    return Atomics.load(this.i32, this.base(c) + NR_RUNNING);
  }
  /** Caller: cycles its core idled without a call, reported with the next call (the home's idle time). */
  setIdleCycles(c: number, cycles: number): void {
    this.f64[this.d(c, IDLE_CYCLES_D)] = cycles;
  }
  idleCycles(c: number): number {
    return this.f64[this.d(c, IDLE_CYCLES_D)];
  }
  publishCounts(c: number, sent: number, received: number, kreads: number, kwrites: number): void {
    const b = this.base(c);
    this.i32[b + SD_SENT] = sent;
    this.i32[b + SD_RECV] = received;
    this.i32[b + KREADS] = kreads;
    this.i32[b + KWRITES] = kwrites;
  }
  isIdle(c: number): boolean {
    return Atomics.load(this.i32, this.base(c) + IDLE) !== 0;
  }
  nextEvent(c: number): number {
    return this.f64[this.d(c, NEXT_EVENT_D)];
  }
  counts(c: number): { sent: number; received: number; kreads: number; kwrites: number } {
    const b = this.base(c);
    return { sent: this.i32[b + SD_SENT], received: this.i32[b + SD_RECV], kreads: this.i32[b + KREADS], kwrites: this.i32[b + KWRITES] };
  }

  // ---- the flush log ----

  /** Home: append one MMU op for core c; returns the sequence number the core acks once it applied it. */
  postFlush(c: number, op: number, a: number, b: number, e: number): number {
    const base = this.base(c);
    if (op === OP_SET_ROOT) {
      this.f64[this.d(c, ROOT_PGD_D)] = a;
      this.i32[base + ROOT_LEVELS] = b;
      this.i32[base + ROOT_ASID] = e;
    }
    const head = this.i32[base + HEAD];
    if (head - Atomics.load(this.i32, base + TAIL) >= LOG_ENTRIES) {
      // Full: the core will flush everything and take the last root instead of replaying.
      Atomics.store(this.i32, base + OVERFLOW, 1);
      return head;
    }
    const at = this.d(c, LOG_D) + (head % LOG_ENTRIES) * 4;
    this.f64[at] = op;
    this.f64[at + 1] = a;
    this.f64[at + 2] = b;
    this.f64[at + 3] = e;
    Atomics.store(this.i32, base + HEAD, head + 1);
    return head + 1;
  }

  /** Has core c applied the log up to `seq`? */
  flushedTo(c: number, seq: number): boolean {
    return Atomics.load(this.i32, this.base(c) + TAIL) >= seq && Atomics.load(this.i32, this.base(c) + OVERFLOW) === 0;
  }

  /** Home: park up to `ms` until core c acks (its TAIL moves). */
  awaitFlush(c: number, ms: number): void {
    const t = this.base(c) + TAIL;
    Atomics.wait(this.i32, t, Atomics.load(this.i32, t), ms);
  }

  /** Core's worker: apply core c's pending ops to its MMU and ack them. Returns how many it applied. */
  drainFlushes(c: number, mmu: FlushTarget): number {
    const base = this.base(c);
    const tail = this.i32[base + TAIL];
    const head = Atomics.load(this.i32, base + HEAD);
    let n = 0;
    if (Atomics.exchange(this.i32, base + OVERFLOW, 0) !== 0) {
      mmu.flushTlbAll();
      mmu.flushIcache();
      if (this.i32[base + ROOT_LEVELS] !== 0) mmu.setRoot(this.f64[this.d(c, ROOT_PGD_D)], this.i32[base + ROOT_LEVELS], this.i32[base + ROOT_ASID]);
      n = 1;
    } else {
      for (let s = tail; s < head; s++, n++) {
        const at = this.d(c, LOG_D) + (s % LOG_ENTRIES) * 4;
        const op = this.f64[at], a = this.f64[at + 1], b = this.f64[at + 2], e = this.f64[at + 3];
        switch (op) {
          case OP_SET_ROOT: mmu.setRoot(a, b, e); break;
          case OP_FLUSH_PAGE: mmu.flushTlbPage(a); break;
          case OP_FLUSH_ALL: mmu.flushTlbAll(); break;
          case OP_FLUSH_PAGE_ASID: mmu.flushTlbPageAsid(a, b); break;
          case OP_FLUSH_ASID: mmu.flushTlbAsid(a); break;
          case OP_FLUSH_ICACHE: mmu.flushIcache(); break;
          default: throw new Error(`BUG: flush log op ${op} for core ${c}`);
        }
      }
    }
    if (n > 0) {
      Atomics.store(this.i32, base + TAIL, head);
      Atomics.notify(this.i32, base + TAIL);
    }
    return n;
  }
}
