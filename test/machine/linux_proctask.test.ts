// /proc/PID/task/TID/{stat,status,comm,sched} and /proc/PID/sched under --boot linux, read by
// a glibc pthreads program (test/machine/linux/proctask.c) with 3 threads pinned to CPUs 0, 1
// and 2 of 4. stdout holds checks any Linux passes (as qemu-riscv64, which shows the host's
// /proc); stderr the numbers, asserted here against what the pinning and the stats imply.

import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired, runQemu } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;

const EXPECTED = 'tids found 3\nfiles 3 stat pid 3 status pid 3 sched header 3 sums 3\nself sched header 1\n';

describe.skipIf(!have)('--boot linux: /proc/PID/task and /proc/PID/sched', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/proctask.c', import.meta.url));
  }, 120_000);

  it('3 pinned threads on 4 cores: the task list, each thread\'s processor, switches that add up', async () => {
    const out = sink();
    const err = sink();
    const r = await runMachine(makeConfig({ boot: 'linux', memory: 'flat', cores: 4, threads: 1 }), bin, {
      stdout: out.out, stderr: err.out, linux: { execfn: '/proctask', args: [], proc: ['/proc/1/sched'] },
    });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out.text()).toBe(EXPECTED);
    if (qemuInstalled || qemuRequired) expect((await runQemu(bin)).stdout.toString('utf8')).toBe(EXPECTED);

    const lines = err.text().split('\n');
    const listed = lines.find((l) => l.startsWith('task '))!.split(' ').slice(1).map(Number);
    expect(listed).toHaveLength(3);
    expect(listed[0]).toBe(r.process!.pid);
    expect(listed[1]).toBeGreaterThan(listed[0]!);
    expect(listed[2]).toBeGreaterThan(listed[1]!);
    const threads = lines.filter((l) => l.startsWith('T ')).map((l) => {
      const w = l.split(' ');
      const f: Record<string, number> = { tid: Number(w[1]) };
      for (let i = 2; i + 1 < w.length; i += 2) f[w[i]!] = Number(w[i + 1]);
      return f;
    });
    expect(threads.map((t) => t.tid)).toEqual(listed);
    // The pinning: main on CPU 0, worker i on CPU i, all running while read.
    expect(threads.map((t) => t.cpu)).toEqual([0, 1, 2]);
    for (const t of threads) {
      expect(t.threads).toBe(3);
      expect(t.nr_switches).toBe(t.vol! + t.invol!);
      expect(t.weight).toBe(1024 * 1024); // scale_load(NICE_0_LOAD)
      expect(t.policy).toBe(0);
      expect(t.prio).toBe(120);
    }
    // Each worker was forked onto CPU 0 with main's mask, then moved by its own sched_setaffinity.
    expect(threads[0]!.migrations).toBe(0);
    expect(threads[1]!.migrations).toBeGreaterThanOrEqual(1);
    expect(threads[2]!.migrations).toBeGreaterThanOrEqual(1);
    // status's voluntary/nonvoluntary_ctxt_switches are sched's nr_(in)voluntary_switches.
    expect(lines).toContain('agree 3');
    // /proc/self/stat's utime is the group's: at least the threads' (read earlier), in ticks.
    const [all, sum] = lines.find((l) => l.startsWith('utime all'))!.match(/\d+/g)!.map(Number);
    expect(all).toBeGreaterThanOrEqual(sum!);
    // At exit, the leader's sched file through the CLI's --proc (the workers joined: 1 thread).
    const sched = r.process!.proc!.find((p) => p.path === '/proc/1/sched')!.text.split('\n');
    expect(sched[0]).toBe(`proctask (${r.process!.pid}, #threads: 1)`);
    expect(sched[1]).toBe('-'.repeat(67));
    expect(sched.slice(2, -1).map((l) => l.slice(0, 45).trim())).toEqual([
      'se.exec_start', 'se.vruntime', 'se.sum_exec_runtime', 'se.nr_migrations', 'nr_switches', 'nr_voluntary_switches',
      'nr_involuntary_switches', 'se.load.weight', 'policy', 'prio', 'clock-delta',
    ]);
    for (const l of sched.slice(2, -1)) {
      expect(l).toHaveLength(45 + 1 + 21); // %-45s:%21Ld, or %14Ld.%06ld for times
      expect(l).toMatch(/^[\w.-]+ *: *-?\d+(\.\d{6})?$/);
    }
  }, 120_000);
});
