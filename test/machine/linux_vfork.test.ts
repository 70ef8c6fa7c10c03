// vfork, posix_spawn, system and popen under --boot linux (test/machine/linux/vfork.c, glibc
// 2.36 static): clone with CLONE_VM|CLONE_VFORK|SIGCHLD makes a new process on the parent's
// mm, and the parent sleeps until the child execs or exits — what the child stored is there
// when vfork returns; a child that faults wakes it with the signal status; posix_spawn's exec
// errno comes back through the shared memory; system() and popen() run /bin/sh -c (a minimal
// shell, linux/mini_sh.c) that execs the program; a fatal signal ends the parent's wait
// (TASK_KILLABLE) while the child runs on. qemu-user makes vfork a fork and cannot exec a
// guest binary, so it checks only the part that reads the same under fork ("fork-semantics").

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MemoryModel } from '../../src/machine/config.ts';
import { crossCompile, crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { guestTree, LINUX_SHAPES, runLinux, simulated } from '../helpers/guest_tree.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';
import { PERCPU_PAGES } from '../../src/kernel/sched/rq_lock.ts';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;
let root: string;

const run = (o: { memory: MemoryModel; cores: number; threads: number }, args: string[] = []) => runLinux(bin, o, { execfn: '/vfork', args, root });

const FORK_SEMANTICS =
  'vfork+_exit: reaped 1, exited 7\n' +
  'vfork+SIGSEGV: reaped 1, killed by signal 11\n';

const EXPECTED =
  'vfork+_exit: reaped 1, exited 7\n' +
  "vfork+_exit: the child's store seen 1, its pid 1, its ppid is us 1, our state meanwhile D\n" +
  'vfork+SIGSEGV: reaped 1, killed by signal 11\n' +
  'vfork+SIGSEGV: the parent ran after the child died 1\n' +
  'child: vfork+execve, ppid 1\n' +
  'vfork+execve: reaped 1, exited 3\n' +
  "vfork+execve: the parent resumed after the child's store 1\n" +
  'vfork+failed execve: reaped 1, exited 127\n' +
  "vfork+failed execve: the child's errno No such file or directory\n" +
  'child: posix_spawn, ppid 1\n' +
  'posix_spawn: 0\n' +
  'posix_spawn: reaped 1, exited 5\n' +
  'posix_spawn of a missing file: No such file or directory\n' +
  "posix_spawn with dup2: 0, read 'child: through-a-pipe, ppid 1'\n" +
  'posix_spawn with dup2: reaped 1, exited 0\n' +
  'child: system, ppid 1\n' +
  'system: status 1 exited 1 code 6\n' +
  'system of a missing program: code 127\n' +
  'popen read: child: popen, ppid 1\n' +
  'pclose: exited 1 code 9\n' +
  'clone(CLONE_VM): reaped 1, exited 4\n' +
  "clone(CLONE_VM): the child's store seen 1\n" +
  'SIGTERM in vfork: reaped 1, killed by signal 15\n' +
  'SIGTERM in vfork: the vfork child still asleep in nanosleep 1\n' +
  'SIGTERM in vfork: the orphan: reaped 1, exited 0\n' +
  'no children left: 1\n';

describe.skipIf(!have)('--boot linux: vfork, posix_spawn, system, popen', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/vfork.c', import.meta.url));
    root = guestTree('vfork', { vfork: bin, 'bin/sh': crossCompile(new URL('./linux/mini_sh.c', import.meta.url)) });
  }, 120_000);

  it.each(LINUX_SHAPES)('the parent sleeps until the child execs or exits, sees its stores, its status, its signal; spawn, system, popen (%o)', async (o) => {
    const { r, out, err } = await run(o);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out).toBe(EXPECTED);
    // The mini shell's "not found" for system() of a missing program.
    expect(err).toBe('sh: nosuchprogram: not found\n');
    const s = r.process!.sched!;
    // Clones of a new process: 4 vforks, 3 posix_spawns, 2 system()s, 1 popen, 1 clone(CLONE_VM), 1 fork and its vfork.
    expect(s.forks).toBe(13);
    // execs that succeeded: vfork's, 2 spawns', system's sh and program, the missing one's sh, popen's sh and program.
    expect(s.execs).toBe(8);
    expect(s.tasks).toBe(1);
    // Every mm freed once, by its last user: nothing leaks, nothing is freed twice.
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
    expect(r.unimplementedSyscalls.filter((x) => x.name !== 'rseq' && x.name !== 'clone3')).toEqual([]);
  }, 120_000);

  it('what does not depend on sharing the memory (vfork as a fork), as qemu', async () => {
    const { r, out } = await run({ memory: 'flat', cores: 1, threads: 1 }, ['fork-semantics']);
    expect(r.exitCode).toBe(0);
    expect(out).toBe(FORK_SEMANTICS);
    if (qemuInstalled || qemuRequired) {
      const file = join(guestTree('qemu', { vfork: bin }), 'vfork');
      const q = spawnSync('qemu-riscv64', [file, 'fork-semantics'], { encoding: 'utf8', timeout: 30_000 });
      expect(q.status).toBe(0);
      expect(q.stdout).toBe(out);
    }
  }, 60_000);

  it('the same simulated numbers on every run (one worker, 2 cores, caches)', async () => {
    const a = await run({ memory: 'caches', cores: 2, threads: 1 });
    const b = await run({ memory: 'caches', cores: 2, threads: 1 });
    expect(simulated(b.r)).toEqual(simulated(a.r));
  }, 120_000);
});
