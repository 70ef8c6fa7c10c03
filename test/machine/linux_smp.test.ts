// The SMP scheduler under `--boot linux --threads 1` (one worker runs every core): glibc pthreads
// programs (test/machine/linux/sched_smp.c, Debian's riscv64-linux-gnu-gcc -static -pthread)
// placed, balanced and pinned across 4 cores; sched_getcpu is the getcpu syscall. Times are
// the guest's CLOCK_MONOTONIC and CLOCK_THREAD_CPUTIME_ID (simulated); a lower clock keeps the
// simulated second cheap to run.

import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, type MachineConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { cpulist_parse } from '../../src/kernel/sched/cpumask.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatedSched } from '../helpers/guest_tree.ts';

/** qemu-riscv64 on the program with arguments: its stdout. */
function qemuOut(elf: Uint8Array, args: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'smpemu-qemu-')), 'sched_smp');
  writeFileSync(file, elf);
  chmodSync(file, 0o755);
  return spawnSync('qemu-riscv64', [file, ...args], { encoding: 'utf8', timeout: 30_000 }).stdout;
}

const have = crossInstalled || qemuRequired;
const cliBin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));
let bin: Uint8Array;

async function run(args: string[], given: Partial<MachineConfig> = {}, affinity?: number[]) {
  const out = sink();
  const err = sink();
  const config = makeConfig({ boot: 'linux', memory: 'flat', cores: 4, threads: 1, clockHz: 100_000_000, ...given });
  const r = await runMachine(config, bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/sched_smp', args, ...(affinity ? { affinity } : {}) } });
  return { r, out: out.text(), err: err.text() };
}

/** The stderr records of spread/pinned: per thread, (cpu, µs) after each round. */
function records(err: string): { cpu: number; us: number }[][] {
  return err.trim().split('\n').filter((l) => l.startsWith('thread ')).map((l) => l.split(' ').slice(2).map((x) => {
    const [cpu, us] = x.split('@').map(Number);
    return { cpu: cpu!, us: us! };
  }));
}

describe.skipIf(!have)('--boot linux on 4 cores (--threads 1): placement, load balancing, affinity', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/sched_smp.c', import.meta.url));
  }, 120_000);

  it.each(['flat', 'caches'] as const)('8 CPU-bound threads started on core 0 spread to 2 per core within 150 simulated ms (--memory %s)', async (memory) => {
    const { r, out, err } = await run(['spread', '20000', '60'], { memory });
    expect(r.error).toBeUndefined();
    expect(out).toBe('spread: 8 threads done\n');
    const recs = records(err);
    expect(recs).toHaveLength(8);
    // Replay the records in time order: the first moment each core holds exactly 2 threads.
    const events = recs.flatMap((t, i) => t.map((e) => ({ ...e, i }))).sort((a, b) => a.us - b.us);
    const where = new Array<number>(8).fill(0);
    let spreadAt = -1;
    for (const e of events) {
      where[e.i] = e.cpu;
      const hist = [0, 1, 2, 3].map((c) => where.filter((w) => w === c).length);
      if (hist.every((n) => n === 2)) {
        spreadAt = e.us;
        break;
      }
    }
    console.log(`2 threads per core from ${(spreadAt / 1000).toFixed(1)} simulated ms`);
    expect(spreadAt).toBeGreaterThan(0);
    expect(spreadAt).toBeLessThanOrEqual(150_000);
    // Nothing ran on cores 1-3 but what the balancer moved there: every core did work.
    for (const c of r.cores) expect(c.instructions).toBeGreaterThan(1_000_000);
  }, 120_000);

  it('pinned threads never move while the unpinned ones are balanced around them', async () => {
    const { r, err } = await run(['pinned', '20000', '40']);
    expect(r.error).toBeUndefined();
    const recs = records(err);
    for (let i = 0; i < 4; i++) expect(new Set(recs[i]!.map((e) => e.cpu))).toEqual(new Set([i]));
    // The unpinned ones did leave core 0.
    expect(recs.slice(4).some((t) => t.some((e) => e.cpu !== 0))).toBe(true);
  }, 120_000);

  it.each(['flat', 'caches'] as const)('ten nice-0 threads on 4 cores each get 40%% ± 3%% of a CPU over one simulated second (--memory %s)', async (memory) => {
    const { r, out, err } = await run(['fair'], { clockHz: 20_000_000, memory });
    expect(r.error).toBeUndefined();
    expect(out).toBe('fair: 10 threads done\n');
    const ms = [...err.matchAll(/^fair (\d+) cpu_ms ([\d.]+)$/gm)].map((m) => Number(m[2]));
    expect(ms).toHaveLength(10);
    console.log(`CPU ms per thread over 1 s: ${ms.join(' ')}`);
    for (const x of ms) {
      expect(x).toBeGreaterThanOrEqual(370);
      expect(x).toBeLessThanOrEqual(430);
    }
  }, 120_000);

  it('sched_setaffinity / sched_getaffinity bad input: Linux\'s errno, and the machine keeps running (as qemu)', async () => {
    const { r, out } = await run(['errors']);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    const expected = [
      'empty mask: -1 Invalid argument', 'only cpu 63: -1 Invalid argument', 'bad pointer: -1 Bad address', 'no such pid: -1 No such process',
      'getaffinity len 4: -1 Invalid argument', 'getaffinity bad pointer: -1 Bad address', 'pin to 0: 0', 'running on: 0', 'getaffinity: 0 count 1 has0 1', '',
    ].join('\n');
    expect(out).toBe(expected);
    if (qemuInstalled || qemuRequired) expect(qemuOut(bin, ['errors'])).toBe(expected);
  }, 60_000);

  it('sched_setaffinity of threads running on other cores moves them at once (as qemu)', async () => {
    const { r, out, err } = await run(['move']);
    expect(r.error).toBeUndefined();
    const expected = 'setaffinity 0: 0\nsetaffinity 1: 0\nsetaffinity 2: 0\nafter: 0 0 0\n';
    expect(out).toBe(expected);
    // They were placed on the idle cores 1-3 and ran there when their mask changed.
    expect(err).toBe('before 1\nbefore 2\nbefore 3\n');
    if (qemuInstalled || qemuRequired) expect(qemuOut(bin, ['move'])).toBe(expected);
  }, 60_000);

  it('--affinity 2-3: the first task leaves core 0 for an allowed core before it runs', async () => {
    const { r, out } = await run(['where'], {}, [2, 3]);
    expect(r.error).toBeUndefined();
    expect(out).toBe('cpu 2 count 2\nCpus_allowed_list:\t2-3\nstat processor 2\n');
    expect(r.cores[0].instructions).toBe(0);
  }, 60_000);

  it('--affinity naming a core the machine lacks is refused before the run', async () => {
    await expect(run(['where'], {}, [7])).rejects.toThrow(/--affinity: CPU 7 does not exist/);
    expect(cpulist_parse('0-1,3', 4)).toEqual([0, 1, 3]);
    expect(cpulist_parse('3,1-2,1', 4)).toEqual([1, 2, 3]);
    expect(cpulist_parse('4', 4)).toMatch(/CPU 4 does not exist/);
    expect(cpulist_parse('2-1', 4)).toMatch(/backwards/);
    expect(cpulist_parse('a', 4)).toMatch(/not a CPU/);
  }, 60_000);

  it.each([
    [['--affinity', '7'], /^smpemu: --affinity 7: CPU 7 does not exist \(the machine has 4\)$/],
    [['--affinity', '1-'], /^smpemu: --affinity 1-: '1-' is not a CPU or a range of CPUs$/],
  ])('smpemu run %j: one line, exit 2', async (args, pattern) => {
    const file = join(mkdtempSync(join(tmpdir(), 'smpemu-aff-')), 'sched_smp');
    writeFileSync(file, bin);
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [cliBin, 'run', file, '--cores', '4', '-q', ...args, '--', 'where'], { encoding: 'utf8', timeout: 120_000 }, (err, _out, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
      });
    });
    expect(r.status).toBe(2);
    // (A host with one CPU adds the oversubscription warning for --threads 2.)
    const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('smpemu: warning:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  }, 120_000);

  it('the same simulated numbers on two runs', async () => {
    const a = await run(['spread', '20000', '20']);
    const b = await run(['spread', '20000', '20']);
    expect(b.err).toBe(a.err);
    const strip = (x: typeof a) => ({ cores: x.r.cores.map((c) => [c.instructions, c.cycles, c.tlb]), sched: simulatedSched(x.r) });
    expect(strip(b)).toEqual(strip(a));
  }, 120_000);
});
