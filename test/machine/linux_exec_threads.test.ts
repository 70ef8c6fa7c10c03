// execve from a process with threads under --boot linux (test/machine/linux/exec_threads.c,
// glibc pthreads, static): de_thread kills the other threads wherever they are — spinning on
// a core (of this worker or, with --threads 2, of another one), asleep in FUTEX_WAIT, in a
// condition variable, in nanosleep — and the new image runs alone with the process's pid,
// parent and fds; from a non-leader thread the caller takes the leader's pid; pid 1 doing it
// keeps the machine's pid 1. qemu-user cannot exec a guest binary: no qemu oracle here.

import { beforeAll, describe, expect, it } from 'vitest';
import type { MemoryModel } from '../../src/machine/config.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { guestTree, LINUX_SHAPES, runLinux, simulated } from '../helpers/guest_tree.ts';
import { qemuRequired } from '../helpers/qemu.ts';
import { PERCPU_PAGES } from '../../src/kernel/sched/rq_lock.ts';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;
let root: string;

const run = (o: { memory: MemoryModel; cores: number; threads: number }) => runLinux(bin, o, { execfn: '/exec_threads', root });

const EXPECTED =
  'new image (leader): pid kept 1, tid is the pid 1, parent kept 1, tasks 1, fd 5 kept 1\n' +
  'exec from the leader: exited 1 code 11\n' +
  'new image (thread): pid kept 1, tid is the pid 1, parent kept 1, tasks 1, fd 5 kept 1\n' +
  'exec from a thread: exited 1 code 12\n' +
  'new image (pid 1 from a thread): pid kept 1, tid is the pid 1, parent kept 1, tasks 1, fd 5 kept 1\n';

describe.skipIf(!have)('--boot linux: execve from a process with threads (de_thread)', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/exec_threads.c', import.meta.url));
    root = guestTree('exec-threads', { exec_threads: bin });
  }, 120_000);

  it.each(LINUX_SHAPES)('spinning and sleeping threads die, the new image runs alone with the pid (%o)', async (o) => {
    const { r, out, err } = await run(o);
    expect(r.error).toBeUndefined();
    expect(err).toBe('');
    expect(out).toBe(EXPECTED);
    expect(r.exitCode).toBe(0);
    const s = r.process!.sched!;
    expect(s.forks).toBe(2);
    expect(s.execs).toBe(3);
    // 2 spinners and 3 sleepers each time, and the exec'ing thread the last two times.
    expect(s.threads).toBe(17);
    expect(s.tasks).toBe(1);
    expect(r.process!.pid).toBe(1);
    expect(r.process!.comm).toBe('exec_threads');
    // The killed threads' slots, the old mms: nothing leaks.
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
  }, 120_000);

  it('the same simulated numbers on every run (one worker, 4 cores, caches)', async () => {
    const a = await run({ memory: 'caches', cores: 4, threads: 1 });
    const b = await run({ memory: 'caches', cores: 4, threads: 1 });
    expect(simulated(b.r)).toEqual(simulated(a.r));
    expect(a.out).toBe(EXPECTED);
  }, 120_000);
});
