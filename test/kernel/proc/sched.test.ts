import { describe, expect, it } from 'vitest';
import { procSchedShowTask, taskSchedView, type TaskSchedView } from '../../../src/kernel/proc/sched.ts';
import { sched_init, sched_task_init, __setscheduler_params, SCHED_DEADLINE, SCHED_FIFO, F_RUNTIME, F_DEADLINE, F_VRUNTIME, F_SUM_EXEC } from '../../../src/kernel/sched/core.ts';

const base: TaskSchedView = {
  execStart: 20_231_561, vruntime: 20_227_462.7, sumExecRuntime: 1_285_315, nrMigrations: 2, nvcsw: 3, nivcsw: 4,
  weight: 1024, policy: 0, prio: 120, dlRuntime: 0, dlDeadline: 0,
};

describe('/proc/PID/sched (proc_sched_show_task)', () => {
  it('prints Linux 6.1\'s layout: header, 67 dashes, ms.ns times, %21Ld counters, scaled weight', () => {
    expect(procSchedShowTask('cat', 42, 2, base)).toBe(
      'cat (42, #threads: 2)\n' + '-'.repeat(67) + '\n' +
      'se.exec_start                                :            20.231561\n' +
      'se.vruntime                                  :            20.227462\n' +
      'se.sum_exec_runtime                          :             1.285315\n' +
      'se.nr_migrations                             :                    2\n' +
      'nr_switches                                  :                    7\n' +
      'nr_voluntary_switches                        :                    3\n' +
      'nr_involuntary_switches                      :                    4\n' +
      'se.load.weight                               :              1048576\n' +
      'policy                                       :                    0\n' +
      'prio                                         :                  120\n' +
      'clock-delta                                  :                    0\n');
  });

  it('SPLIT_NS puts the sign on the ms part; deadline tasks add dl.runtime and dl.deadline', () => {
    const s = procSchedShowTask('x', 1, 1, { ...base, vruntime: -1_500_000, policy: SCHED_DEADLINE, prio: -1, dlRuntime: 500, dlDeadline: 9000 });
    expect(s).toContain('se.vruntime                                  :            -1.500000\n');
    expect(s).toContain('prio                                         :                   -1\ndl.runtime                                   :                  500\ndl.deadline                                  :                 9000\nclock-delta');
  });

  it('reads the scheduler record: policy, prio and weight follow sched_setscheduler', () => {
    const s = sched_init({ cpus: 2, nrTasks: 4 });
    sched_task_init(s, 1, 5);
    s.fset(1, F_VRUNTIME, 77);
    s.fset(1, F_SUM_EXEC, 88);
    let v = taskSchedView(s, 1);
    expect([v.policy, v.prio, v.weight, v.vruntime, v.sumExecRuntime]).toEqual([0, 125, 335, 77, 88]);
    __setscheduler_params(s, 1, SCHED_FIFO, 10, 0);
    v = taskSchedView(s, 1);
    expect([v.policy, v.prio]).toEqual([SCHED_FIFO, 89]);
    s.fset(1, F_RUNTIME, 3);
    s.fset(1, F_DEADLINE, 4);
    expect([taskSchedView(s, 1).dlRuntime, taskSchedView(s, 1).dlDeadline]).toEqual([3, 4]);
  });
});
