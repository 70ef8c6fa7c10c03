// Consistency of one run queue (call with its lock held): the cfs tree's invariants, the counts
// and load against the tasks that name this queue, the rt lists against their bitmap.
import {
  CLASS_FAIR, CLASS_RT, R_CFS_CURR, R_CFS_LOAD, R_CFS_NR_RUNNING, R_CURR, R_NR_RUNNING, R_RT_BITMAP, R_RT_HEAD,
  R_RT_NR_RUNNING, T_CLASS, T_CPU, T_ON_RQ, T_WEIGHT, TF_IN_USE, T_FLAGS, type Sched,
} from '../../../src/kernel/sched/core.ts';
import { cfsTree } from '../../../src/kernel/sched/fair.ts';
import { rt_list } from '../../../src/kernel/sched/rt.ts';

export function checkRq(s: Sched, cpu: number): string {
  const t = cfsTree(s, cpu);
  const err = t.check();
  if (err !== '') return `cfs tree: ${err}`;
  let queued = 0;
  let fair = 0;
  let load = 0;
  let rt = 0;
  for (let p = 0; p < s.nrTasks; p++) {
    if ((s.tget(p, T_FLAGS) & TF_IN_USE) === 0 || s.tget(p, T_ON_RQ) === 0 || s.tget(p, T_CPU) !== cpu) continue;
    queued++;
    const cls = s.tget(p, T_CLASS);
    if (cls === CLASS_FAIR) {
      fair++;
      load += s.tget(p, T_WEIGHT);
      const inTree = t.linked(p);
      const isCurr = s.rget(cpu, R_CFS_CURR) === p;
      if (inTree === isCurr) return `fair task ${p}: in tree ${inTree}, cfs curr ${isCurr}`;
    } else if (cls === CLASS_RT) rt++;
  }
  if (s.rget(cpu, R_NR_RUNNING) !== queued) return `nr_running ${s.rget(cpu, R_NR_RUNNING)}, ${queued} tasks queued`;
  if (s.rget(cpu, R_CFS_NR_RUNNING) !== fair) return `cfs nr_running ${s.rget(cpu, R_CFS_NR_RUNNING)}, ${fair} fair tasks`;
  if (s.rget(cpu, R_CFS_LOAD) !== load) return `cfs load ${s.rget(cpu, R_CFS_LOAD)}, tasks weigh ${load}`;
  if (t.toArray().length + (s.rget(cpu, R_CFS_CURR) >= 0 && s.tget(s.rget(cpu, R_CFS_CURR), T_ON_RQ) !== 0 ? 1 : 0) !== fair) {
    return `cfs tree holds ${t.toArray().length} for ${fair} fair tasks`;
  }
  let listed = 0;
  for (let prio = 0; prio < 100; prio++) {
    const l = rt_list(s, cpu, prio);
    listed += l.length;
    const bit = (s.rget(cpu, R_RT_BITMAP + (prio >> 5)) >>> (prio & 31)) & 1;
    if (bit !== (l.length > 0 ? 1 : 0)) return `rt bitmap bit ${prio} is ${bit} with ${l.length} tasks listed`;
    if (l.length === 0 && s.rget(cpu, R_RT_HEAD + prio) !== -1) return `rt list ${prio} head dangling`;
  }
  if (listed !== rt || s.rget(cpu, R_RT_NR_RUNNING) !== rt) return `rt: ${listed} listed, nr ${s.rget(cpu, R_RT_NR_RUNNING)}, ${rt} rt tasks`;
  const curr = s.rget(cpu, R_CURR);
  if (curr < 0) return 'no curr';
  return '';
}
