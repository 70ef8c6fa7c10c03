// RT balancing at the module level (sched/cpupri.ts, rt_push.ts): cpupri follows each CPU's best
// queued priority; select_task_rq_rt sends a waking rt task to a CPU running lower priority;
// push moves a task queued behind a higher one to such a CPU with an IPI; pull takes one when a
// CPU's priority drops; affinity holds and the running task never moves. A randomized run (seed
// printed) checks the bookkeeping (cpupri, rto mask, pushable lists) after every step.
import { describe, expect, it } from 'vitest';
import {
  __schedule, __setscheduler_params, CLASS_RT, R_DL_NR_RUNNING, init_idle, MAX_RT_PRIO, R_CURR, R_NR_RUNNING, R_RT_NR_RUNNING, R_RT_OVERLOADED,
  sched_change_task, sched_init, sched_rq_online, sched_task_init, SCHED_FIFO, SCHED_NORMAL, SM_PREEMPT, SM_SLEEP, T_CLASS, T_CPU,
  T_FLAGS, T_NR_MIGRATIONS, T_ON_RQ, T_PRIO, test_need_resched, TF_PUSHABLE, try_to_wake_up, update_rq_clock, wake_up_new_task,
  type Sched,
} from '../../../src/kernel/sched/core.ts';
import { cpumask_list, cpumask_of, set_task_cpumask, task_allowed_on_cpu } from '../../../src/kernel/sched/cpumask.ts';
import {
  convert_prio, cpupri_count, cpupri_find, cpupri_get, cpupri_mask, cpupri_set, CPUPRI_HIGHER, CPUPRI_INVALID, CPUPRI_NORMAL,
  rt_highest_prio_curr,
} from '../../../src/kernel/sched/cpupri.ts';
import { nr_cpus_allowed, pull_rt_task, push_rt_tasks, pushable_tasks, rto_cpus } from '../../../src/kernel/sched/rt_push.ts';
import { select_task_rq_fork, select_task_rq_wake } from '../../../src/kernel/sched/select_rq.ts';
import { checkRq } from './rqcheck.ts';

interface M {
  s: Sched;
  active: number[];
  next: number;
  ipis: number[];
  thisCpu: number;
}

function machine(cpus: number, online = cpus): M {
  const s = sched_init({ cpus, nrTasks: 128 });
  const m: M = { s, active: Array.from({ length: online }, (_, i) => i), next: cpus, ipis: [], thisCpu: 0 };
  for (let c = 0; c < cpus; c++) init_idle(s, c, c);
  for (const c of m.active) sched_rq_online(s, c);
  s.hooks = { this_cpu: () => m.thisCpu, update_rq_clock: () => {}, smp_send_reschedule: (c) => m.ipis.push(c) };
  return m;
}

/** A new task, FIFO at rt priority `rt` (0: SCHED_NORMAL), optionally masked; not queued. */
function task(m: M, rt: number, mask?: number[]): number {
  const p = m.next++;
  sched_task_init(m.s, p);
  if (rt > 0) __setscheduler_params(m.s, p, SCHED_FIFO, rt, 0);
  if (mask) set_task_cpumask(m.s, p, cpumask_of(mask));
  return p;
}

/** Queue p on cpu and let cpu run what it picks now. */
function runOn(m: M, cpu: number, p: number): void {
  wake_up_new_task(m.s, cpu, p);
  __schedule(m.s, cpu, SM_PREEMPT);
}

/** The rt bookkeeping against the queues: '' when it holds. */
function checkRt(s: Sched, active: number[]): string {
  for (const c of active) {
    const e = checkRq(s, c);
    if (e !== '') return `cpu ${c}: ${e}`;
    const want = s.rget(c, R_DL_NR_RUNNING) > 0 ? CPUPRI_HIGHER : convert_prio(rt_highest_prio_curr(s, c));
    if (cpupri_get(s, c) !== want) return `cpu ${c}: cpupri ${cpupri_get(s, c)}, queue says ${want}`;
    // pushable: the queued rt tasks not running here that may run elsewhere, by prio
    const expect: number[] = [];
    for (let p = 0; p < s.nrTasks; p++) {
      if (s.tget(p, T_ON_RQ) === 0 || s.tget(p, T_CPU) !== c || s.tget(p, T_CLASS) !== CLASS_RT) continue;
      if (s.rget(c, R_CURR) !== p && nr_cpus_allowed(s, p) > 1) expect.push(p);
    }
    const got = pushable_tasks(s, c);
    if (got.length !== expect.length || !expect.every((p) => got.includes(p))) return `cpu ${c}: pushable ${got}, expected ${expect}`;
    for (let i = 1; i < got.length; i++) if (s.tget(got[i]!, T_PRIO) < s.tget(got[i - 1]!, T_PRIO)) return `cpu ${c}: pushable out of order`;
    const rt = s.rget(c, R_RT_NR_RUNNING);
    const migratory = [...Array(s.nrTasks).keys()].some((p) => s.tget(p, T_ON_RQ) !== 0 && s.tget(p, T_CPU) === c && s.tget(p, T_CLASS) === CLASS_RT && nr_cpus_allowed(s, p) > 1);
    const over = rt > 1 && migratory;
    if ((s.rget(c, R_RT_OVERLOADED) !== 0) !== over) return `cpu ${c}: overloaded ${s.rget(c, R_RT_OVERLOADED)} with ${rt} rt tasks`;
    if (rto_cpus(s).includes(c) !== over) return `cpu ${c}: rto_mask disagrees`;
  }
  let n = 0;
  for (let pri = -1; pri <= CPUPRI_HIGHER; pri++) if (pri >= 0) n += cpupri_count(s, pri);
  if (n !== active.length) return `cpupri counts ${n} CPUs of ${active.length}`;
  return '';
}

describe('cpupri', () => {
  it("convert_prio is 6.1's table: no rt = NORMAL, rt_priority k = k, dl above every rt", () => {
    expect(convert_prio(CPUPRI_INVALID)).toBe(CPUPRI_INVALID);
    expect(convert_prio(MAX_RT_PRIO - 1)).toBe(CPUPRI_NORMAL);
    expect(convert_prio(98)).toBe(1); // rt_priority 1
    expect(convert_prio(0)).toBe(99); // rt_priority 99
    expect(convert_prio(MAX_RT_PRIO)).toBe(CPUPRI_HIGHER);
    expect(() => convert_prio(120)).toThrow(/no cpupri/);
  });

  it('set moves a CPU between vectors; find returns the lowest vector below the task within its mask; offline CPUs are never found', () => {
    const m = machine(4, 3); // cpu 3 offline
    const { s } = m;
    expect([0, 1, 2, 3].map((c) => cpupri_get(s, c))).toEqual([0, 0, 0, CPUPRI_INVALID]);
    expect(cpupri_count(s, CPUPRI_NORMAL)).toBe(3);
    cpupri_set(s, 0, 99 - 50); // rt 50
    cpupri_set(s, 1, 99 - 10); // rt 10
    expect(cpupri_count(s, CPUPRI_NORMAL)).toBe(1);
    expect(cpumask_list(cpupri_mask(s, 50), 4)).toEqual([0]);
    const p = task(m, 30);
    expect(cpumask_list(cpupri_find(s, p)!, 4)).toEqual([2]); // NORMAL first
    set_task_cpumask(s, p, cpumask_of([0, 1, 3]));
    expect(cpumask_list(cpupri_find(s, p)!, 4)).toEqual([1]); // rt 10 < 30; cpu 3 offline
    set_task_cpumask(s, p, cpumask_of([0, 3]));
    expect(cpupri_find(s, p)).toBeNull(); // rt 50 is not below 30
    const q = task(m, 10, [1, 2]);
    expect(cpumask_list(cpupri_find(s, q)!, 4)).toEqual([2]); // strictly below only: cpu 1 is at 10
  });

  it('follows the run queue: the best queued rt task, NORMAL when none', () => {
    const m = machine(1);
    const { s } = m;
    const a = task(m, 20);
    const b = task(m, 70);
    runOn(m, 0, a);
    expect(cpupri_get(s, 0)).toBe(20);
    wake_up_new_task(s, 0, b); // preempts a
    expect(cpupri_get(s, 0)).toBe(70);
    __schedule(s, 0, SM_PREEMPT);
    __schedule(s, 0, SM_SLEEP); // b blocks
    expect(cpupri_get(s, 0)).toBe(20);
    __schedule(s, 0, SM_SLEEP); // a blocks
    expect(cpupri_get(s, 0)).toBe(CPUPRI_NORMAL);
  });
});

describe('select_task_rq_rt', () => {
  it('a waking rt task whose CPU runs a higher rt task goes to a CPU running CFS; it stays when it preempts, or its mask allows nothing lower', () => {
    const m = machine(4);
    const { s, active } = m;
    runOn(m, 0, task(m, 50));
    runOn(m, 1, task(m, 60));
    runOn(m, 2, task(m, 0)); // CFS
    runOn(m, 3, task(m, 40));
    const p = task(m, 10);
    s.tset(p, T_CPU, 0);
    expect(select_task_rq_wake(s, p, active)).toBe(2); // the only CPU below rt 10
    const hi = task(m, 55);
    s.tset(hi, T_CPU, 0);
    expect(select_task_rq_wake(s, hi, active)).toBe(0); // preempts rt 50 where it last ran
    set_task_cpumask(s, p, cpumask_of([0, 1, 3]));
    expect(select_task_rq_wake(s, p, active)).toBe(0); // nothing lower allowed: its own CPU, to wait
    // at fork, from the parent's CPU
    const c = task(m, 50);
    s.tset(c, T_CPU, 0);
    expect(select_task_rq_fork(s, c, active, 0)).toBe(2); // rt 50 cannot preempt rt 50
  });

  it("among the lowest CPUs: the task's last CPU (cache-hot), else this CPU, else the first", () => {
    const m = machine(4);
    const { s, active } = m;
    runOn(m, 0, task(m, 50));
    runOn(m, 1, task(m, 60)); // cpus 2 and 3 idle
    const q = task(m, 10);
    s.tset(q, T_CPU, 0);
    m.thisCpu = 3;
    expect(select_task_rq_wake(s, q, active)).toBe(3);
    m.thisCpu = 1;
    expect(select_task_rq_wake(s, q, active)).toBe(2);
    s.tset(q, T_CPU, 1);
    runOn(m, 1, task(m, 70));
    s.tset(q, T_CPU, 3);
    expect(select_task_rq_wake(s, q, active)).toBe(3); // idle, its own: stays (curr is not rt)
  });
});

describe('push / pull', () => {
  it('push: an rt task woken behind a higher one on its CPU moves to a CPU running CFS, which gets a reschedule IPI', () => {
    const m = machine(3);
    const { s, active } = m;
    const hi = task(m, 50);
    runOn(m, 0, hi);
    const cfs = task(m, 0);
    runOn(m, 1, cfs);
    const busy = task(m, 80);
    runOn(m, 2, busy);
    const p = task(m, 10);
    m.thisCpu = 0;
    wake_up_new_task(s, 0, p); // queued on cpu 0 directly (as a wake-up on its last CPU would)
    expect(s.tget(p, T_CPU)).toBe(1);
    expect(s.tget(p, T_NR_MIGRATIONS)).toBe(1);
    expect(test_need_resched(s, 1)).toBe(true);
    expect(m.ipis).toEqual([1]);
    expect(s.rget(0, R_CURR)).toBe(hi); // the running task stays
    expect(__schedule(s, 1, SM_PREEMPT)).toBe(p);
    expect(checkRt(s, active)).toBe('');
  });

  it('push respects affinity: a task pinned to its CPU waits there, no IPI', () => {
    const m = machine(2);
    const { s, active } = m;
    runOn(m, 0, task(m, 50));
    runOn(m, 1, task(m, 0));
    const p = task(m, 10, [0]);
    wake_up_new_task(s, 0, p);
    expect(s.tget(p, T_CPU)).toBe(0);
    expect(s.tget(p, T_ON_RQ)).toBe(1);
    expect(m.ipis).toEqual([]);
    expect(s.rget(0, R_RT_OVERLOADED)).toBe(1); // two rt tasks, the running one migratory (as Linux counts)
    expect(pushable_tasks(s, 0)).toEqual([]); // but nothing to push
    expect(checkRt(s, active)).toBe('');
  });

  it('pull: when a CPU\'s rt task blocks, it takes the best waiting rt task of an overloaded CPU', () => {
    const m = machine(3);
    const { s, active } = m;
    const a = task(m, 50);
    runOn(m, 0, a);
    const b = task(m, 60);
    runOn(m, 1, b);
    const c = task(m, 70);
    runOn(m, 2, c);
    const w1 = task(m, 10);
    const w2 = task(m, 20);
    wake_up_new_task(s, 0, w1); // nowhere lower: they wait on cpu 0
    wake_up_new_task(s, 0, w2);
    expect([s.tget(w1, T_CPU), s.tget(w2, T_CPU)]).toEqual([0, 0]);
    expect(rto_cpus(s)).toEqual([0]);
    expect(pushable_tasks(s, 0)).toEqual([w2, w1]);
    m.thisCpu = 1;
    expect(__schedule(s, 1, SM_SLEEP)).toBe(w2); // b blocks: cpu 1 pulls rt 20, the best waiting
    expect(s.tget(w2, T_CPU)).toBe(1);
    expect(rto_cpus(s)).toEqual([0]); // w1 still waits behind a
    m.thisCpu = 2;
    expect(__schedule(s, 2, SM_SLEEP)).toBe(w1);
    expect(rto_cpus(s)).toEqual([]);
    expect(s.rget(0, R_CURR)).toBe(a);
    expect(m.ipis).toEqual([]); // pulls reschedule their own CPU
    expect(checkRt(s, active)).toBe('');
  });

  it('pull skips a task pinned elsewhere and one its own CPU is about to run; a CPU never pulls from itself', () => {
    const m = machine(2);
    const { s } = m;
    runOn(m, 0, task(m, 50));
    const b = task(m, 60);
    runOn(m, 1, b);
    const pinned = task(m, 10, [0]);
    const free = task(m, 5);
    wake_up_new_task(s, 0, pinned);
    wake_up_new_task(s, 0, free);
    expect(pull_rt_task(s, 0)).toEqual([]);
    __schedule(s, 1, SM_SLEEP);
    expect(s.tget(free, T_CPU)).toBe(1);
    expect(s.tget(pinned, T_CPU)).toBe(0);
  });

  it('a policy change: a queued CFS task made rt on an overloaded CPU is pushed; the last rt task turned CFS pulls', () => {
    const m = machine(2);
    const { s, active } = m;
    const hi = task(m, 50);
    runOn(m, 0, hi);
    const low = task(m, 0);
    runOn(m, 1, low);
    const x = task(m, 0);
    wake_up_new_task(s, 0, x); // CFS behind rt 50
    const w = task(m, 30);
    s.tset(w, T_CPU, 0);
    wake_up_new_task(s, 0, w); // pushed to cpu 1 at once
    expect(s.tget(w, T_CPU)).toBe(1);
    __schedule(s, 1, SM_PREEMPT);
    update_rq_clock(s, 0, 1);
    sched_change_task(s, 0, x, () => __setscheduler_params(s, x, SCHED_FIFO, 20, 0)); // rt 20: cpu 1 runs 30
    expect(s.tget(x, T_CPU)).toBe(0);
    m.ipis.length = 0;
    sched_change_task(s, 1, w, () => __setscheduler_params(s, w, SCHED_NORMAL, 0, 0)); // cpu 1 drops to CFS: pull
    expect(s.tget(x, T_CPU)).toBe(1);
    expect(test_need_resched(s, 1)).toBe(true);
    expect(checkRt(s, active)).toBe('');
  });

  it('a queued CFS task made rt behind a higher rt task is pushed to a CPU running CFS (switched_to_rt)', () => {
    const m = machine(2);
    const { s, active } = m;
    runOn(m, 0, task(m, 50));
    runOn(m, 1, task(m, 0));
    const z = task(m, 0);
    wake_up_new_task(s, 0, z);
    m.thisCpu = 0;
    update_rq_clock(s, 0, 1);
    sched_change_task(s, 0, z, () => __setscheduler_params(s, z, SCHED_FIFO, 10, 0));
    expect(s.tget(z, T_CPU)).toBe(1);
    expect(m.ipis).toEqual([1]);
    expect(__schedule(s, 1, SM_PREEMPT)).toBe(z);
    expect(checkRt(s, active)).toBe('');
  });

  it('randomized: cpupri, rto mask and pushable lists stay exact; nothing moves while running or against its mask; no task is lost', () => {
    const seed = Number(process.env.SEED ?? (Date.now() % 100000) + 1);
    console.log(`rt_push randomized seed ${seed}`);
    let x = seed;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return Math.floor((x / 2147483648) * n);
    };
    let moves = 0;
    for (let round = 0; round < 10; round++) {
      const cpus = 2 + rnd(5);
      const m = machine(cpus);
      const { s, active } = m;
      const tasks: number[] = [];
      const asleep = new Set<number>();
      for (let i = 0; i < 4 + rnd(16); i++) {
        const mask = rnd(3) === 0 ? active.filter(() => rnd(2) === 0) : [];
        const p = task(m, rnd(3) === 0 ? 0 : 1 + rnd(99), mask.length > 0 ? mask : undefined);
        s.tset(p, T_CPU, mask.length > 0 ? mask[0]! : rnd(cpus));
        tasks.push(p);
        asleep.add(p);
      }
      let now = 0;
      for (let step = 0; step < 300; step++) {
        now += 100_000;
        const c = rnd(cpus);
        m.thisCpu = c;
        for (const q of active) update_rq_clock(s, q, now);
        const running = active.map((q) => s.rget(q, R_CURR));
        const where = new Map(tasks.map((p) => [p, s.tget(p, T_CPU)]));
        const op = rnd(4);
        if (op === 0 && asleep.size > 0) {
          const p = [...asleep][rnd(asleep.size)]!;
          asleep.delete(p);
          const target = select_task_rq_wake(s, p, active);
          try_to_wake_up(s, target, p);
        } else if (op === 1 && s.rget(c, R_CURR) >= cpus) {
          asleep.add(s.rget(c, R_CURR));
          __schedule(s, c, SM_SLEEP);
        } else if (op === 2) {
          __schedule(s, c, SM_PREEMPT);
        } else {
          push_rt_tasks(s, c);
        }
        const e = checkRt(s, active);
        expect(e, `seed ${seed} round ${round} step ${step}`).toBe('');
        for (const p of tasks) {
          const was = where.get(p)!;
          const now_ = s.tget(p, T_CPU);
          if (now_ !== was) {
            if (op !== 0) moves++; // a push or a pull (op 0 is a wake-up's placement)
            // (a task this step's __schedule preempted on c may be pushed: it no longer runs)
            expect(running[was] === p && !(op === 2 && was === c), `seed ${seed}: task ${p} moved while running`).toBe(false);
            expect(task_allowed_on_cpu(s, p, now_), `seed ${seed}: task ${p} moved out of its mask`).toBe(true);
          }
        }
        const queued = tasks.filter((p) => s.tget(p, T_ON_RQ) !== 0).length;
        expect(queued + asleep.size).toBe(tasks.length);
        expect(active.reduce((a, q) => a + s.rget(q, R_NR_RUNNING), 0)).toBe(queued);
        for (const q of active) {
          const f = pushable_tasks(s, q);
          for (const p of f) expect((s.tget(p, T_FLAGS) & TF_PUSHABLE) !== 0).toBe(true);
        }
      }
    }
    console.log(`rt_push randomized: ${moves} tasks pushed or pulled`);
    expect(moves).toBeGreaterThan(10);
  });
});
