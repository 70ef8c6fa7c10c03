// CFS at the module level: nice shares on one core, equal shares among ten tasks, the tunables'
// scaling, START_DEBIT and sleeper placement, wakeup preemption, SCHED_BATCH and SCHED_IDLE.
import { describe, expect, it } from 'vitest';
import {
  __setscheduler_params, F_VRUNTIME, RF_MIN_VRUNTIME, rq_lock, rq_unlock, SCHED_BATCH, SCHED_IDLE, SCHED_NORMAL,
  sched_fork, SCHED_DEADLINE, T_CPU, T_NR_MIGRATIONS, SCHED_FIFO, sysctlFactor, T_FLAGS, T_POLICY, T_PRIO, T_WEIGHT, TF_RESET_ON_FORK, T_NR_VOLUNTARY, T_ON_RQ, test_need_resched, makeSchedConfig, try_to_wake_up, update_curr,
} from '../../../src/kernel/sched/core.ts';
import { calc_delta_fair, sched_slice, sched_vslice, __sched_period } from '../../../src/kernel/sched/fair.ts';
import { __calc_delta, mul_u64_u32_shr, sched_prio_to_weight, sched_prio_to_wmult } from '../../../src/kernel/sched/prio.ts';
import { Sim } from './sim.ts';

const SEC = 1e9;
const MS = 1e6;

/** Linux's __calc_delta in 64/128-bit integers, for reference. */
function calcDeltaRef(delta: bigint, weight: bigint, inv: bigint): bigint {
  let shift = 32n;
  let fact = weight * inv;
  let hi = fact >> 32n;
  while (hi > 0n) {
    // fls(hi) bits
    const fs = BigInt(hi.toString(2).length);
    shift -= fs;
    fact >>= fs;
    hi = 0n;
  }
  return (delta * fact) >> shift;
}

describe('fair: arithmetic as Linux 6.1', () => {
  it('wmult is 2^32 / weight, nice 0 is 1024', () => {
    expect(sched_prio_to_weight[20]).toBe(1024);
    expect(sched_prio_to_wmult[20]).toBe(4194304);
    for (let i = 0; i < 40; i++) expect(Math.abs(sched_prio_to_wmult[i]! - 2 ** 32 / sched_prio_to_weight[i]!)).toBeLessThan(1);
  });

  it('__calc_delta equals the 128-bit reference', () => {
    let x = 12345;
    for (let n = 0; n < 2000; n++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const delta = (x % 1000) * 1e9 + (x % 997); // up to ~1000 s
      const i = x % 40;
      const got = __calc_delta(delta, 1024, sched_prio_to_wmult[i]!);
      expect(BigInt(got)).toBe(calcDeltaRef(BigInt(delta), 1024n, BigInt(sched_prio_to_wmult[i]!)));
    }
    expect(mul_u64_u32_shr(2 ** 52 + 7, 4294967295, 32)).toBe(Number(((2n ** 52n + 7n) * 4294967295n) >> 32n));
  });

  it('tunables scale by 1 + ilog2(min(cpus, 8))', () => {
    expect([1, 2, 3, 4, 8, 16].map(sysctlFactor)).toEqual([1, 2, 2, 3, 4, 4]);
    const c4 = makeSchedConfig({ cpus: 4 });
    expect([c4.latency, c4.minGranularity, c4.wakeupGranularity, c4.nrLatency]).toEqual([18 * MS, 2.25 * MS, 3 * MS, 8]);
    expect(makeSchedConfig({ cpus: 1 }).rrTimeslice).toBe(25); // 100 ms at HZ 250
  });
});

describe('fair: shares on one core', () => {
  it('nice 0 and nice 5 CPU hogs split 1024:335 within 2%', () => {
    const sim = new Sim(1);
    const a = sim.spawn(0, { kind: 'hog' }, 0);
    const b = sim.spawn(0, { kind: 'hog' }, 5);
    sim.run(10 * SEC);
    const ratio = sim.sumExec(a) / sim.sumExec(b);
    console.log(`nice 0 : nice 5 = ${sim.sumExec(a) / MS} ms : ${sim.sumExec(b) / MS} ms = ${ratio.toFixed(4)} (1024/335 = ${(1024 / 335).toFixed(4)})`);
    expect(Math.abs(ratio / (1024 / 335) - 1)).toBeLessThan(0.02);
    expect(sim.sumExec(a) + sim.sumExec(b)).toBe(10 * SEC);
    expect(sim.sumExec(a)).toBe(a.ran); // the scheduler's account agrees with the driver's clock
  });

  it('ten nice-0 hogs each get 10% ± 1%', () => {
    const sim = new Sim(1);
    const ts = Array.from({ length: 10 }, () => sim.spawn(0, { kind: 'hog' }));
    sim.run(10 * SEC);
    for (const t of ts) expect(Math.abs(sim.sumExec(t) / (10 * SEC) - 0.1)).toBeLessThan(0.01);
  });

  it('a SCHED_IDLE task (weight 3) gets about 3/1027 next to a nice-0 hog', () => {
    const sim = new Sim(1);
    const a = sim.spawn(0, { kind: 'hog' });
    const idle = sim.spawn(0, { kind: 'hog' }, 0, (p) => __setscheduler_params(sim.s, p, SCHED_IDLE, 0, 0));
    sim.run(20 * SEC);
    const share = sim.sumExec(idle) / (20 * SEC);
    console.log(`SCHED_IDLE share ${share.toFixed(5)} (3/1027 = ${(3 / 1027).toFixed(5)})`);
    expect(share).toBeGreaterThan(0.5 * (3 / 1027));
    expect(share).toBeLessThan(0.02); // min_granularity slices: more than 3/1027, far below a fair share
    expect(sim.sumExec(a)).toBeGreaterThan(0.98 * 20 * SEC);
  });

  it('sched_slice: period * weight / load in Linux fixed point, stretched past sched_nr_latency', () => {
    const sim = new Sim(1);
    const ts = Array.from({ length: 3 }, () => sim.spawn(0, { kind: 'hog' }));
    sim.run(1 * MS);
    // 6 ms * 1024 * (0xffffffff / 3072) >> 32 = 1999999 (Linux's __calc_delta rounds down)
    const ref = Number(calcDeltaRef(6000000n, 1024n, BigInt(Math.floor(0xffffffff / 3072))));
    expect(ref).toBe(1999999);
    expect(sched_slice(sim.s, 0, ts[0]!.p)).toBe(ref);
    expect(__sched_period(sim.s, 8)).toBe(6 * MS);
    expect(__sched_period(sim.s, 9)).toBe(9 * 0.75 * MS);
  });
});

describe('fair: placement and wakeup preemption', () => {
  it('a forked task starts one vslice after min_vruntime (START_DEBIT)', () => {
    const sim = new Sim(1);
    const a = sim.spawn(0, { kind: 'hog' });
    sim.spawn(0, { kind: 'hog' });
    sim.run(100 * MS);
    const s = sim.s;
    const child = 40;
    rq_lock(s, 0);
    expect(sched_fork(s, 0, a.p, child)).toBe(0);
    const min = s.rfget(0, RF_MIN_VRUNTIME);
    // relative to min_vruntime after sched_fork: max(parent, min + vslice) - min
    const vslice = sched_vslice(s, 0, child);
    const expected = Math.max(s.fget(a.p, F_VRUNTIME), min + vslice) - min;
    expect(s.fget(child, F_VRUNTIME)).toBe(expected);
    expect(vslice).toBe(1999999); // 6 ms over 3 tasks at nice 0, rounded down as Linux does
    rq_unlock(s, 0);
  });

  it('sched_fork: children inherit policy and nice; SCHED_RESET_ON_FORK resets; deadline parents get EAGAIN', () => {
    const sim = new Sim(1);
    const s = sim.s;
    const nice3 = sim.spawn(0, { kind: 'hog' }, 3);
    const neg = sim.spawn(0, { kind: 'hog' }, -5);
    const rt = sim.spawn(0, { kind: 'hog' }, 4, (p) => __setscheduler_params(s, p, SCHED_FIFO, 30, 0));
    rq_lock(s, 0);
    expect(sched_fork(s, 0, nice3.p, 40)).toBe(0);
    expect([s.tget(40, T_POLICY), s.tget(40, T_PRIO), s.tget(40, T_WEIGHT)]).toEqual([SCHED_NORMAL, 123, 526]);
    expect(sched_fork(s, 0, rt.p, 41)).toBe(0);
    expect([s.tget(41, T_POLICY), s.tget(41, T_PRIO)]).toEqual([SCHED_FIFO, 69]);
    s.tset(rt.p, T_FLAGS, s.tget(rt.p, T_FLAGS) | TF_RESET_ON_FORK);
    s.tset(neg.p, T_FLAGS, s.tget(neg.p, T_FLAGS) | TF_RESET_ON_FORK);
    expect(sched_fork(s, 0, rt.p, 42)).toBe(0);
    expect([s.tget(42, T_POLICY), s.tget(42, T_PRIO), s.tget(42, T_FLAGS) & TF_RESET_ON_FORK]).toEqual([SCHED_NORMAL, 120, 0]);
    expect(sched_fork(s, 0, neg.p, 43)).toBe(0);
    expect(s.tget(43, T_PRIO)).toBe(120);
    __setscheduler_params(s, 44, SCHED_DEADLINE, 0, 0);
    expect(sched_fork(s, 0, 44, 45)).toBe(-11);
    rq_unlock(s, 0);
  });

  it('a long sleeper preempts the hog the moment it wakes', () => {
    const sim = new Sim(1);
    const hog = sim.spawn(0, { kind: 'hog' });
    const sleeper = sim.spawn(0, { kind: 'cycle', run: 1 * MS, sleep: 500 * MS });
    const picks: number[] = [];
    sim.onPick = (_cpu, next) => {
      if (next === sleeper.p) picks.push(sim.now - sleeper.lastWake);
    };
    sim.run(1200 * MS);
    // picked at spawn, then twice, each time at its wakeup instant
    expect(picks.length).toBe(3);
    expect(picks.slice(1)).toEqual([0, 0]);
    expect(hog.ran + sleeper.ran).toBe(1200 * MS);
    expect(sim.s.tget(sleeper.p, T_NR_VOLUNTARY)).toBe(3); // slept after each of its 3 bursts
  });

  it('wakeup placement: max(own vruntime, min_vruntime - latency/2), then wakeup preemption', () => {
    for (const policy of [SCHED_NORMAL, SCHED_BATCH]) {
      const sim = new Sim(1);
      sim.spawn(0, { kind: 'hog' });
      const sl = sim.spawn(0, { kind: 'cycle', run: 1 * MS, sleep: 10 * SEC }, 0, (p) => __setscheduler_params(sim.s, p, policy, 0, 0));
      sim.run(150 * MS);
      const s = sim.s;
      expect(s.tget(sl.p, T_ON_RQ)).toBe(0);
      const own = s.fget(sl.p, F_VRUNTIME);
      rq_lock(s, 0);
      update_curr(s, 0);
      const min = s.rfget(0, RF_MIN_VRUNTIME);
      expect(min - 3 * MS).toBeGreaterThan(own);
      try_to_wake_up(s, 0, sl.p);
      expect(s.fget(sl.p, F_VRUNTIME)).toBe(Math.max(own, min - 3 * MS));
      // 3 ms ahead of the hog > wakeup_granularity (1 ms): a SCHED_NORMAL waker preempts, a batch one not
      expect(test_need_resched(s, 0)).toBe(policy === SCHED_NORMAL);
      rq_unlock(s, 0);
    }
  });

  it('a task woken on another core carries its lag over (vruntime - old min + new min, then placed)', () => {
    const sim = new Sim(2);
    sim.spawn(0, { kind: 'hog' });
    sim.spawn(0, { kind: 'hog' });
    const t = sim.spawn(0, { kind: 'cycle', run: 1 * MS, sleep: 10 * SEC });
    sim.spawn(1, { kind: 'hog' });
    sim.run(500 * MS);
    const s = sim.s;
    expect(s.tget(t.p, T_ON_RQ)).toBe(0);
    rq_lock(s, 0);
    update_curr(s, 0);
    const rel = s.fget(t.p, F_VRUNTIME) - s.rfget(0, RF_MIN_VRUNTIME);
    rq_unlock(s, 0);
    rq_lock(s, 1);
    update_curr(s, 1);
    const min1 = s.rfget(1, RF_MIN_VRUNTIME);
    expect(min1).toBeGreaterThan(s.rfget(0, RF_MIN_VRUNTIME)); // one hog there ran twice as fast in vruntime
    try_to_wake_up(s, 1, t.p);
    expect(s.config.latency).toBe(12 * MS); // 6 ms x (1 + ilog2(2))
    expect(s.fget(t.p, F_VRUNTIME)).toBe(Math.max(min1 + rel, min1 - 6 * MS));
    expect(s.tget(t.p, T_NR_MIGRATIONS)).toBe(1);
    expect(s.tget(t.p, T_CPU)).toBe(1);
    rq_unlock(s, 1);
  });

  it('calc_delta_fair scales by NICE_0_LOAD / weight', () => {
    const sim = new Sim(1);
    const t = sim.spawn(0, { kind: 'hog' }, 5);
    const v = calc_delta_fair(sim.s, 1 * MS, t.p);
    expect(v).toBe(Number(calcDeltaRef(1000000n, 1024n, 12820798n)));
    expect(Math.abs(v - (1e6 * 1024) / 335)).toBeLessThan(2);
  });
});
