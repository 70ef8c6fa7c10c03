// SMP placement and load balancing at the module level (sched/select_rq.ts, fair_balance.ts,
// cpumask.ts): where new and waking tasks go, how idle CPUs pull from a crowded one, and a
// randomized run (seed printed) checking that balancing keeps every run queue consistent,
// never moves a running task or one its mask forbids, and loses no task.
import { describe, expect, it } from 'vitest';
import {
  __schedule, __setscheduler_params, init_idle, R_CFS_NR_RUNNING, R_CURR, R_NR_RUNNING, R_PUSH_CPU, SCHED_FIFO, test_need_resched, sched_init, sched_task_init, set_load_weight, SM_PREEMPT, T_CPU,
  T_NR_MIGRATIONS, T_ON_RQ, T_STATIC_PRIO, update_rq_clock, wake_up_new_task, type Sched,
} from '../../../src/kernel/sched/core.ts';
import { cpumask_of, set_task_cpumask, task_allowed_on_cpu } from '../../../src/kernel/sched/cpumask.ts';
import { CACHE_NICE_TRIES, load_balance, CPU_IDLE, CPU_NOT_IDLE, newidle_balance, rebalance_domains } from '../../../src/kernel/sched/fair_balance.ts';
import { idle_cpu, select_task_rq_fork, select_task_rq_wake } from '../../../src/kernel/sched/select_rq.ts';
import { checkRq } from './rqcheck.ts';

function machine(cpus: number): { s: Sched; active: number[]; next: number } {
  const s = sched_init({ cpus, nrTasks: 128 });
  for (let c = 0; c < cpus; c++) init_idle(s, c, c);
  return { s, active: Array.from({ length: cpus }, (_, i) => i), next: cpus };
}

/** A new nice-0 task (optionally masked) queued on `cpu`. */
function spawn(m: { s: Sched; next: number }, cpu: number, mask?: number[]): number {
  const p = m.next++;
  sched_task_init(m.s, p);
  if (mask) set_task_cpumask(m.s, p, cpumask_of(mask));
  wake_up_new_task(m.s, cpu, p);
  return p;
}

const nr = (s: Sched, cpus: number[]) => cpus.map((c) => s.rget(c, R_NR_RUNNING));

describe('select_task_rq', () => {
  it('fork: the idlest allowed CPU, idle ones first, ties to the parent\'s CPU then the next ones', () => {
    const m = machine(4);
    const { s, active } = m;
    spawn(m, 0);
    spawn(m, 1);
    const p = m.next++;
    sched_task_init(s, p);
    expect(select_task_rq_fork(s, p, active, 0)).toBe(2); // 2 and 3 idle: the first after 0
    expect(select_task_rq_fork(s, p, active, 3)).toBe(3);
    set_task_cpumask(s, p, cpumask_of([0, 1]));
    expect(select_task_rq_fork(s, p, active, 0)).toBe(0); // both busy alike: the parent's
    set_task_cpumask(s, p, cpumask_of([1]));
    expect(select_task_rq_fork(s, p, active, 0)).toBe(1);
  });

  it('wakeup: the previous CPU if idle, else the next idle allowed one, else the previous one; a CPU out of the mask never', () => {
    const m = machine(4);
    const { s, active } = m;
    const p = m.next++;
    sched_task_init(s, p);
    s.tset(p, T_CPU, 1);
    expect(select_task_rq_wake(s, p, active)).toBe(1);
    spawn(m, 1);
    expect(idle_cpu(s, 1)).toBe(false);
    expect(select_task_rq_wake(s, p, active)).toBe(2);
    spawn(m, 2);
    spawn(m, 3);
    spawn(m, 0);
    expect(select_task_rq_wake(s, p, active)).toBe(1); // nothing idle: stay
    set_task_cpumask(s, p, cpumask_of([3]));
    expect(select_task_rq_wake(s, p, active)).toBe(3); // its CPU left its mask
  });
});

describe('load_balance', () => {
  it('8 tasks on CPU 0: each idle CPU pulls once, and the queues end 2/2/2/2', () => {
    const m = machine(4);
    const { s, active } = m;
    for (let i = 0; i < 8; i++) spawn(m, 0);
    __schedule(s, 0, SM_PREEMPT);
    expect(load_balance(s, 1, active, CPU_IDLE)).toHaveLength(4); // half of the busiest's (migrate_task)
    expect(load_balance(s, 2, active, CPU_IDLE)).toHaveLength(2);
    expect(load_balance(s, 3, active, CPU_IDLE)).toHaveLength(2);
    expect(nr(s, active)).toEqual([2, 2, 2, 2]);
    for (const c of active) expect(checkRq(s, c)).toBe('');
    // Balanced: nothing more moves.
    for (const c of active) expect(load_balance(s, c, active, CPU_NOT_IDLE)).toEqual([]);
  });

  it('3 vs 2: a busy CPU fails once, then rotates one task (shr_bound by nr_balance_failed)', () => {
    const m = machine(2);
    const { s, active } = m;
    for (let i = 0; i < 3; i++) spawn(m, 0);
    for (let i = 0; i < 2; i++) spawn(m, 1);
    __schedule(s, 0, SM_PREEMPT);
    __schedule(s, 1, SM_PREEMPT);
    expect(load_balance(s, 1, active, CPU_NOT_IDLE)).toEqual([]);
    const moved = load_balance(s, 1, active, CPU_NOT_IDLE);
    expect(moved).toHaveLength(1);
    expect(s.tget(moved[0]!, T_NR_MIGRATIONS)).toBe(1);
    expect(nr(s, active)).toEqual([2, 3]);
  });

  it('pinned tasks stay: a CPU their mask excludes pulls none of them; newidle pulls what it may', () => {
    const m = machine(2);
    const { s, active } = m;
    const pinned = [spawn(m, 0, [0]), spawn(m, 0, [0]), spawn(m, 0, [0])];
    __schedule(s, 0, SM_PREEMPT);
    expect(newidle_balance(s, 1, active)).toEqual([]);
    const free = spawn(m, 0);
    expect(newidle_balance(s, 1, active)).toEqual([free]);
    for (const p of pinned) expect(s.tget(p, T_CPU)).toBe(0);
  });

  it('active balance: when the only task an idle CPU may take runs on the busy one, the idle CPU has it pushed after cache_nice_tries + 2 failures (an IPI), and the busy CPU\'s __schedule moves it', () => {
    const m = machine(2);
    const { s, active } = m;
    const ipis: number[] = [];
    s.hooks = { this_cpu: () => 1, update_rq_clock: () => {}, smp_send_reschedule: (c) => ipis.push(c) };
    const a = spawn(m, 0);
    const b = spawn(m, 0, [0]); // pinned
    expect(__schedule(s, 0, SM_PREEMPT)).toBe(a);
    for (let i = 0; i < CACHE_NICE_TRIES + 2; i++) {
      expect(load_balance(s, 1, active, CPU_IDLE)).toEqual([]); // b pinned, a running
      expect(s.rget(0, R_PUSH_CPU)).toBe(-1);
    }
    expect(newidle_balance(s, 1, active)).toEqual([]); // newidle failures do not count
    expect(s.rget(0, R_PUSH_CPU)).toBe(-1);
    expect(load_balance(s, 1, active, CPU_IDLE)).toEqual([]);
    expect(s.rget(0, R_PUSH_CPU)).toBe(1); // stop_one_cpu_nowait(0, active_load_balance_cpu_stop)
    expect(test_need_resched(s, 0)).toBe(true);
    expect(ipis).toEqual([0]);
    expect(__schedule(s, 0, SM_PREEMPT)).toBe(b);
    expect(s.tget(a, T_CPU)).toBe(1);
    expect(s.tget(a, T_NR_MIGRATIONS)).toBe(1);
    expect(s.rget(0, R_PUSH_CPU)).toBe(-1);
    expect(test_need_resched(s, 1)).toBe(true); // a preempts cpu 1's idle task
    expect(__schedule(s, 1, SM_PREEMPT)).toBe(a);
    for (const c of active) expect(checkRq(s, c)).toBe('');
  });

  it('active balance never pushes a task its mask keeps on the busy CPU', () => {
    const m = machine(2);
    const { s, active } = m;
    spawn(m, 0, [0]);
    spawn(m, 0, [0]);
    __schedule(s, 0, SM_PREEMPT);
    for (let i = 0; i < 10; i++) expect(load_balance(s, 1, active, CPU_IDLE)).toEqual([]);
    expect(s.rget(0, R_PUSH_CPU)).toBe(-1);
  });

  it('an idle CPU takes a lone fair task waiting behind an rt task on its CPU (nr_running > 1, not two fair tasks)', () => {
    const m = machine(2);
    const { s, active } = m;
    const a = spawn(m, 0);
    __schedule(s, 0, SM_PREEMPT);
    const f = m.next++;
    sched_task_init(s, f);
    __setscheduler_params(s, f, SCHED_FIFO, 10, 0);
    set_task_cpumask(s, f, cpumask_of([0]));
    wake_up_new_task(s, 0, f);
    expect(__schedule(s, 0, SM_PREEMPT)).toBe(f);
    expect(load_balance(s, 1, active, CPU_IDLE)).toEqual([a]);
    expect(s.tget(a, T_CPU)).toBe(1);
    // a CPU with a fair task of its own does not take it (no imbalance of fair tasks)
    const m2 = machine(2);
    const x = spawn(m2, 0);
    __schedule(m2.s, 0, SM_PREEMPT);
    const g = m2.next++;
    sched_task_init(m2.s, g);
    __setscheduler_params(m2.s, g, SCHED_FIFO, 10, 0);
    wake_up_new_task(m2.s, 0, g);
    __schedule(m2.s, 0, SM_PREEMPT);
    spawn(m2, 1);
    __schedule(m2.s, 1, SM_PREEMPT);
    expect(load_balance(m2.s, 1, m2.active, CPU_NOT_IDLE)).toEqual([]);
    expect(m2.s.tget(x, T_CPU)).toBe(0);
  });

  it('randomized: queues stay consistent, no task is lost, none moves while running or against its mask', () => {
    const seed = Number(process.env.SEED ?? (Date.now() % 100000) + 1);
    console.log(`balance randomized seed ${seed}`);
    let x = seed;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return Math.floor((x / 2147483648) * n);
    };
    for (let round = 0; round < 12; round++) {
      const cpus = 2 + rnd(7);
      const m = machine(cpus);
      const { s, active } = m;
      const tasks: number[] = [];
      const n = 1 + rnd(24);
      for (let i = 0; i < n; i++) {
        const allowed = active.filter(() => rnd(3) > 0);
        const mask = allowed.length > 0 && rnd(2) === 0 ? allowed : undefined;
        const p = m.next++;
        sched_task_init(s, p);
        s.tset(p, T_STATIC_PRIO, 100 + 20 + rnd(11) - 5);
        set_load_weight(s, p);
        if (mask) set_task_cpumask(s, p, cpumask_of(mask));
        const cpu = mask ? mask[rnd(mask.length)]! : rnd(cpus);
        wake_up_new_task(s, cpu, p);
        tasks.push(p);
      }
      for (const c of active) __schedule(s, c, SM_PREEMPT);
      let now = 0;
      for (let step = 0; step < 120; step++) {
        now += 1_000_000 * (1 + rnd(4));
        const c = rnd(cpus);
        update_rq_clock(s, c, now);
        const running = active.map((q) => s.rget(q, R_CURR));
        const moved = rebalance_domains(s, c, active, idle_cpu(s, c));
        for (const p of moved) {
          expect(running).not.toContain(p);
          expect(task_allowed_on_cpu(s, p, c)).toBe(true);
          expect(s.tget(p, T_CPU)).toBe(c);
        }
        if (rnd(3) === 0) __schedule(s, c, SM_PREEMPT);
        for (const q of active) expect(checkRq(s, q), `seed ${seed} cpu ${q}`).toBe('');
        expect(active.reduce((a, q) => a + s.rget(q, R_CFS_NR_RUNNING), 0)).toBe(n);
        for (const p of tasks) {
          expect(s.tget(p, T_ON_RQ)).toBe(1);
          expect(task_allowed_on_cpu(s, p, s.tget(p, T_CPU)) || s.tget(p, T_NR_MIGRATIONS) === 0).toBe(true);
        }
      }
    }
  });
});
