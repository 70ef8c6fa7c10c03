// Scheduler throughput on one core's run queue with 16 queued tasks: how many pick_next_task +
// put_prev_task pairs (through __schedule, as a preemption at every call) per host second, with
// the rq lock taken and the clock advanced 1 ms each time, for 16 nice-0 fair tasks, 16 fair
// tasks of mixed nice, and 16 SCHED_RR tasks over 4 priorities (sched_yield each time, so the
// top priority's four take turns; a plain preemption would keep picking the same RR task).
//   npx tsx bench/sched.ts [SWITCHES]
// Prints one JSON line per case: {case, tasks, switches, seconds, picksPerSec, nsPerPick}.
import {
  __schedule, __setscheduler_params, init_idle, rq_lock, rq_unlock, sched_init, sched_task_init, SCHED_RR, SM_PREEMPT, SM_YIELD,
  update_rq_clock, wake_up_new_task,
} from '../src/kernel/sched/core.ts';

function bench(name: string, setup: (s: ReturnType<typeof sched_init>, p: number, i: number) => void, n: number, mode = SM_PREEMPT): void {
  const TASKS = 16;
  const s = sched_init({ cpus: 1, nrTasks: TASKS + 1, rtRuntimeUs: -1 }); // no rt throttling: no period timer here
  init_idle(s, 0, 0);
  for (let i = 0; i < TASKS; i++) {
    sched_task_init(s, i + 1);
    setup(s, i + 1, i);
    rq_lock(s, 0);
    wake_up_new_task(s, 0, i + 1);
    rq_unlock(s, 0);
  }
  let now = 0;
  let switches = 0;
  const run = (k: number): void => {
    for (let i = 0; i < k; i++) {
      rq_lock(s, 0);
      now += 1_000_000; // the task ran 1 ms
      update_rq_clock(s, 0, now);
      const prev = s.curr(0);
      if (__schedule(s, 0, mode) !== prev) switches++;
      rq_unlock(s, 0);
    }
  };
  run(Math.min(n, 200_000)); // warm up
  switches = 0;
  const t0 = performance.now();
  run(n);
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ case: name, tasks: TASKS, picks: n, switches, seconds: +seconds.toFixed(3), picksPerSec: Math.round(n / seconds), nsPerPick: +((seconds * 1e9) / n).toFixed(1) }));
}

const n = Number(process.argv[2] ?? 2_000_000);
bench('fair nice 0', () => {}, n);
bench('fair nice -10..5', (s, p, i) => __setscheduler_params(s, p, 0, 0, (i % 16) - 10), n);
bench('rr 4 priorities, sched_yield', (s, p, i) => __setscheduler_params(s, p, SCHED_RR, 1 + (i % 4), 0), n, SM_YIELD);
