// Processes under `--boot linux`: fork with copy-on-write (as /proc/self/smaps_rollup shows it),
// wait4's semantics and errno against qemu-riscv64, fork bombs that end with Linux's errno or
// the OOM killer's SIGKILL and never a host crash, context switches counted, and the same
// simulated numbers on every run. Programs: test/machine/linux/*.c, built with Debian's
// riscv64-linux-gnu-gcc -static -O2.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, beforeAll, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompile, crossInstalled } from '../helpers/cross.ts';
import { simulated } from '../helpers/guest_tree.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired, runQemu } from '../helpers/qemu.ts';
import { PERCPU_PAGES } from '../../src/kernel/sched/rq_lock.ts';

const have = crossInstalled || qemuRequired;
const src = (name: string) => new URL(`./linux/${name}.c`, import.meta.url);
const bins: Record<string, Uint8Array> = {};

async function run(name: string, args: string[] = [], o: { memory?: MemoryModel; cores?: number; threads?: number; ramBytes?: number; root?: string } = {}) {
  const out = sink();
  const err = sink();
  const config = makeConfig({ boot: 'linux', memory: o.memory ?? 'flat', cores: o.cores ?? 1, threads: o.threads ?? 1, ...(o.ramBytes ? { ramBytes: o.ramBytes } : {}) });
  const r = await runMachine(config, bins[name], { stdout: out.out, stderr: err.out, linux: { execfn: `/${name}`, args, ...(o.root ? { root: o.root } : {}) } });
  return { r, out: out.text(), err: err.text() };
}

describe.skipIf(!have)('--boot linux: fork, wait4, exit, the scheduler on core 0', () => {
  beforeAll(() => {
    for (const n of ['fork_cow', 'wait4', 'forkbomb', 'preempt', 'exec', 'sleep', 'pipe_block']) bins[n] = crossCompile(src(n));
  }, 120_000);

  it.each(['flat', 'caches'] as const)('fork shares every page until a write; each write copies one page (--memory %s)', async (memory) => {
    const { r, out } = await run('fork_cow', [], { memory });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    // 64 pages shared; 8 written by the child: Rss unchanged, 8 pages move from shared to
    // private (32 kB), Pss gains half of each (16 kB).
    expect(out).toBe(
      'child: block shared: Shared_Dirty >= 256 kB: 1\n' +
      'child: after 8 writes: Rss +0 kB, Pss +16 kB, Private_Dirty +32 kB, Shared_Dirty -32 kB\n' +
      'child: block[0] 100 block[8] 8\n' +
      'parent: block[0] 0, Pss back to private: 1, Rss +4 kB\n');
    expect(r.process?.sched?.forks).toBe(1);
  }, 60_000);

  it.each([
    { memory: 'flat' as const, cores: 1, threads: 1 },
    { memory: 'caches' as const, cores: 2, threads: 2 },
  ])('wait4: statuses, WNOHANG, ECHILD, EINVAL, EFAULT (reaped all the same), as qemu (%o)', async (o) => {
    const { r, out } = await run('wait4', [], o);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    const expected =
      'no children: -1 No child processes\n' +
      'WNOHANG while it runs: 0\n' +
      'not a child: -1 No child processes\n' +
      'bad options: -1 Invalid argument\n' +
      'reaped: 1 WIFEXITED 1 WEXITSTATUS 5; ru_minflt set\n' +
      'bad status pointer: -1 Bad address\n' +
      'the child was reaped all the same: -1 No child processes\n' +
      'three children: exit codes sum 21, SIGSEGV deaths 1\n' +
      'all reaped: -1 No child processes\n';
    expect(out).toBe(expected);
    if (qemuInstalled || qemuRequired) expect((await runQemu(bins.wait4)).stdout.toString('utf8')).toBe(expected);
    // The child's SIGSEGV is reported, and the machine kept running pid 1.
    expect(r.process?.sched?.forks).toBe(5);
    expect(r.process?.sched?.tasks).toBe(1);
  }, 60_000);

  it('zombies piling up: fork fails with ENOMEM once every address space is taken; nothing leaks', async () => {
    const { r, out, err } = await run('forkbomb');
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out).toMatch(/^fork failed: (Cannot allocate memory|Resource temporarily unavailable)\n$/);
    const n = Number(/children (\d+)/.exec(err)![1]);
    expect(n).toBeGreaterThan(50);
    expect(r.process!.sched!.forkFailed).toBe(1);
    // Every page back at the end but the zero page and the per-CPU area.
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
  }, 120_000);

  it.each([
    // The leaf fails to fork (status 100) or the OOM killer ends it at a page fault (100 + SIGKILL).
    { ramBytes: 10 << 20, how: /^(chain: fork failed: Cannot allocate memory\npid 1: the chain ended, status 100|pid 1: the chain ended, status 109)\n$/ },
    { ramBytes: 256 << 20, how: /^chain: fork failed: Cannot allocate memory\npid 1: the chain ended, status 100\n$/ },
  ])('a chain of live processes bounded by RAM ($ramBytes bytes) ends cleanly: ENOMEM or the OOM SIGKILL, never a host crash', async ({ ramBytes, how }) => {
    const { r, out } = await run('forkbomb', ['chain'], { ramBytes });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out).toMatch(how);
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
    // Every parent slept in wait4 once (a voluntary switch) and was woken once.
    expect(r.process!.sched!.switches).toBe(2 * r.process!.sched!.forks);
  }, 120_000);

  it.each(['flat', 'caches'] as const)('two CPU-bound processes on one core: the HZ tick preempts both; /proc shows the child and the switch counts (--memory %s)', async (memory) => {
    const { r, out, err } = await run('preempt', [], { memory });
    expect(r.error).toBeUndefined();
    const expected = 'child in /proc: PPid is the parent: 1\nchild was preempted: 1\nparent was preempted: 1\n';
    expect(out).toBe(expected);
    // qemu runs the two processes on the host's CPUs: whether the host preempted them depends on
    // the host (an idle 2-CPU machine may not), so only the /proc line is qemu's to confirm.
    if (qemuInstalled || qemuRequired) expect((await runQemu(bins.preempt)).stdout.toString('utf8').split('\n')[0]).toBe(expected.split('\n')[0]);
    // The parent slept once in wait4 (voluntary) and the tick took the core from it at least once.
    const m = /parent nonvoluntary (\d+) voluntary (\d+)/.exec(err)!;
    expect(Number(m[2])).toBe(1);
    expect(Number(m[1])).toBeGreaterThan(0);
    const s = r.process!.sched!;
    // 250 Hz at 1 GHz: one tick per 4,000,000 cycles.
    expect(s.ticks).toBe(Math.floor(r.cores[0].cycles / 4_000_000));
    expect(s.switchCycles).toBe(s.switches * 600);
    expect(s.switches).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it.each(['flat', 'caches'] as const)('execve: errno before the point of no return; a child exec\'s with new argv/envp, keeps pid and parent, loses O_CLOEXEC fds (--memory %s)', async (memory) => {
    const root = mkdtempSync(join(tmpdir(), 'smpemu-exec-'));
    writeFileSync(join(root, 'exec'), bins.exec);
    chmodSync(join(root, 'exec'), 0o755);
    writeFileSync(join(root, 'notelf.txt'), 'just text\n');
    chmodSync(join(root, 'notelf.txt'), 0o755);
    const { r, out } = await run('exec', [], { memory, root });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out).toBe(
      'missing: -1 No such file or directory\n' +
      'directory: -1 Permission denied\n' +
      'not an ELF: -1 Exec format error\n' +
      'bad path pointer: -1 Bad address\n' +
      'fds 3 4\n' +
      "exec'd: argc 5 argv[0] /exec argv[2] two EXECTEST=yes PATH unset\n" +
      "exec'd: pid kept 1, parent kept 1\n" +
      "exec'd: close-on-exec fd 3 closed 1, fd 4 open 1\n" +
      'parent: child status 42\n');
    expect(r.process!.sched!.execs).toBe(1);
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
  }, 60_000);

  it('nanosleep sleeps: the parent runs while its child sleeps; a 10 s sleep idles the core (its clock jumps), as qemu', async () => {
    const t0 = performance.now();
    const { r, out, err } = await run('sleep', [], { memory: 'flat' });
    const hostMs = performance.now() - t0;
    expect(r.error).toBeUndefined();
    const expected = 'parent: work done\nchild: slept 50 ms: 1\nslept 10 s: 1\n';
    expect(out).toBe(expected);
    // The parent ran while its child slept (under qemu that depends on the host's load: stderr).
    expect(err).toBe("child: the parent's work was done when it woke: 1\n");
    if (qemuInstalled || qemuRequired) expect((await runQemu(bins.sleep)).stdout.toString('utf8')).toBe(expected);
    const s = r.process!.sched!;
    // Over 10 s of the run's simulated time the core ran nothing: its clock jumped.
    expect(s.idleCycles).toBeGreaterThan(10_000_000_000);
    expect(r.cores[0].instructions).toBeLessThan(5_000_000);
    console.log(`sleep: ${(s.idleCycles / 1e9).toFixed(2)} s idle in ${hostMs.toFixed(0)} host ms (not asserted)`);
  }, 60_000);

  it('the same simulated numbers on every run (two runs, 2 cores, caches)', async () => {
    const a = await run('wait4', [], { memory: 'caches', cores: 2, threads: 1 });
    const b = await run('wait4', [], { memory: 'caches', cores: 2, threads: 1 });
    expect(simulated(b.r)).toEqual(simulated(a.r));
    expect(a.r.process!.sched!.switches).toBeGreaterThan(0);
  }, 120_000);
  it.each([
    { memory: 'flat' as const, cores: 1, threads: 1 },
    { memory: 'caches' as const, cores: 4, threads: 1 },
  ])('pipes block: a reader sleeps until its child writes, EOF at the last close, a writer sleeps on a full pipe, O_NONBLOCK EAGAIN, EINTR and SA_RESTART, as qemu (%o)', async (o) => {
    const { r, out } = await run('pipe_block', [], o);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    const expected =
      "read 1: 5 'hello'\n" +
      "read 2: 6 ' world'\n" +
      'read at EOF: 0\n' +
      'writer blocked on a full pipe: read 262144 bytes, 0 wrong, writer exit 0\n' +
      'one write larger than the pipe: read 101000 bytes, 0 wrong, writer exit 0\n' +
      'nonblock read, empty: -1 EAGAIN\n' +
      'nonblock write: 65536 bytes fit, then EAGAIN\n' +
      'read interrupted: -1 EINTR, handler ran 1\n' +
      "read with SA_RESTART: 5 'after', handler ran 2\n";
    expect(out).toBe(expected);
    if (qemuInstalled || qemuRequired) expect((await runQemu(bins.pipe_block)).stdout.toString('utf8')).toBe(expected);
    expect(r.process?.sched?.forks).toBe(5);
    expect(r.process?.sched?.tasks).toBe(1);
  }, 120_000);
});
