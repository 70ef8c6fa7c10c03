// The idle class (kernel/sched/idle.c): one idle task per core (swapper/N), picked when no other
// class has a task. It is never queued; anything that wakes preempts it. Its "running" is the core
// jumping its clock to the next event (the caller's business).

import { F_EXEC_START, R_IDLE, resched_curr, Sched, type SchedClass } from './sched.ts';

function pick_next_task_idle(s: Sched, cpu: number): number {
  const p = s.rget(cpu, R_IDLE);
  if (p < 0) throw new Error(`sched: cpu ${cpu} has no idle task (init_idle was not called)`);
  s.fset(p, F_EXEC_START, s.clock(cpu));
  return p;
}

function dequeue_task_idle(_s: Sched, cpu: number, p: number): void {
  throw new Error(`sched: cpu ${cpu} dequeued its idle task ${p}`);
}

export const idle_sched_class: SchedClass = {
  name: 'idle',
  enqueue_task: () => {},
  dequeue_task: dequeue_task_idle,
  yield_task: () => {},
  check_preempt_curr: (s, cpu) => resched_curr(s, cpu),
  pick_next_task: pick_next_task_idle,
  put_prev_task: () => {},
  set_next_task: (s, cpu, p) => s.fset(p, F_EXEC_START, s.clock(cpu)),
  task_tick: () => {},
  get_rr_interval: () => 0,
  update_curr: () => {},
};
