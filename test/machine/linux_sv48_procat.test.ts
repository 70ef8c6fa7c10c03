// `--mmu sv48` (the process's page tables 4 levels deep, TASK_SIZE Sv48's, satp mode Sv48)
// and `--proc-at CYCLES` (snapshots of the --proc files mid-run). Debian's static glibc
// programs in workloads/linux/bin give the stdout qemu gave (workloads/linux/expected) under
// Sv48 too; the walks read 4 PTEs instead of 3; a mapping at 1 TiB (above Sv39's 256 GiB user
// space) succeeds only under Sv48.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { parseConfigText } from '../../src/machine/config_file.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { crossCompile, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuRequired } from '../helpers/qemu.ts';

const workload = (name: string) => fileURLToPath(new URL(`../../workloads/linux/bin/${name}`, import.meta.url));
const expected = (file: string) => readFileSync(new URL(`../../workloads/linux/expected/${file}`, import.meta.url), 'utf8');

async function run(prog: Uint8Array, name: string, memory: MemoryModel, mmu: 'sv39' | 'sv48', extra: { proc?: string[]; procAt?: number[] } = {}) {
  const out = sink();
  const config = makeConfig({ boot: 'linux', memory, cores: 1, threads: 1, mmu });
  const r = await runMachine(config, prog, { stdout: out.out, stderr: sink().out, linux: { execfn: `/${name}`, ...extra } });
  return { r, out: out.text() };
}

const kb = (status: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)![1]);

describe.each(['flat', 'caches'] as const)('hello and malloc_story under --mmu sv48 (%s)', (memory) => {
  it.each(['hello', 'malloc_story'])('%s: qemu\'s stdout and status; every walk reads 4 PTEs where Sv39 reads 3; one more page-table level in VmPTE', async (name) => {
    const prog = readFileSync(workload(name));
    const runs: Record<string, { r: RunResult; out: string }> = {};
    for (const mmu of ['sv39', 'sv48'] as const) {
      runs[mmu] = await run(prog, name, memory, mmu, { proc: ['/proc/self/status'] });
      expect(runs[mmu].r.error).toBeUndefined();
      expect(runs[mmu].out).toBe(expected(`${name}.stdout`));
      expect(runs[mmu].r.exitCode).toBe(Number(expected(`${name}.status`).trim()));
    }
    const c39 = runs.sv39.r.cores[0], c48 = runs.sv48.r.cores[0];
    expect(c39.pageWalks).toBeGreaterThan(100);
    expect(c48.pageWalks).toBeGreaterThan(100);
    // A walk reads one PTE per level until a leaf or an invalid entry: at most 3 under Sv39.
    expect(c39.pteReads!).toBeLessThanOrEqual(3 * c39.pageWalks!);
    expect(c48.pteReads!).toBeLessThanOrEqual(4 * c48.pageWalks!);
    // Under Sv48 on average more than Sv39's maximum: the 4th level is walked.
    expect(c48.pteReads! / c48.pageWalks!).toBeGreaterThan(3.9);
    expect(c39.pteReads! / c39.pageWalks!).toBeGreaterThan(2.9);
    // The extra level costs page-table pages (VmPTE counts them).
    const pte = (r: RunResult) => kb(r.process!.proc![0].text, 'VmPTE');
    expect(pte(runs.sv48.r)).toBeGreaterThan(pte(runs.sv39.r));
    if (memory === 'caches') {
      const l1d = (r: RunResult) => r.caches!.cores[0].l1d.hits + r.caches!.cores[0].l1d.misses;
      expect(l1d(runs.sv48.r)).toBeGreaterThan(l1d(runs.sv39.r));
    }
  }, 180_000);
});

describe.skipIf(!(crossInstalled || qemuRequired))('a mapping above Sv39\'s 256 GiB user space (test/machine/linux/high_map.c)', () => {
  let prog: Uint8Array;
  beforeAll(() => {
    prog = crossCompile(new URL('./linux/high_map.c', import.meta.url));
  }, 120_000);

  it.each(['flat', 'caches'] as const)('mmap at 1 TiB with MAP_FIXED_NOREPLACE: ENOMEM under sv39, mapped and usable under sv48; /proc/cpuinfo says which (%s)', async (memory) => {
    const a = await run(prog, 'high_map', memory, 'sv39');
    expect(a.r.exitCode).toBe(0);
    expect(a.out).toBe('mmap 1 TiB: failed: Cannot allocate memory\nmmu\t\t: sv39\n');
    const b = await run(prog, 'high_map', memory, 'sv48');
    expect(b.r.exitCode).toBe(0);
    expect(b.out).toBe('mmap 1 TiB: ok at 0x10000000000: high\nmmu\t\t: sv48\n');
  }, 120_000);
});

describe('--proc-at: /proc snapshots mid-run', () => {
  it('malloc_story\'s VmRSS and VmSize grow between two snapshots; each is taken at the first boundary at or after its cycle; the exit one stays', async () => {
    const prog = readFileSync(workload('malloc_story'));
    const { r, out } = await run(prog, 'malloc_story', 'flat', 'sv39', { proc: ['/proc/self/status'], procAt: [3_000_000, 200_000] });
    expect(out).toBe(expected('malloc_story.stdout'));
    const texts = r.process!.proc!;
    expect(texts.map((p) => p.at)).toEqual([200_000, 3_000_000, undefined]);
    for (const p of texts.slice(0, 2)) {
      expect(p.path).toBe('/proc/self/status');
      expect(p.cycle!).toBeGreaterThanOrEqual(p.at!);
      expect(p.cycle! - p.at!).toBeLessThan(1000);
    }
    const [early, late, exit] = texts.map((p) => p.text);
    expect(kb(late, 'VmRSS')).toBeGreaterThan(kb(early, 'VmRSS'));
    expect(kb(late, 'VmSize')).toBeGreaterThan(kb(early, 'VmSize'));
    expect(exit).toMatch(/^Name:\tmalloc_story\n/m);
  }, 120_000);

  it('--mmu in the config file; a bad value is refused', () => {
    expect(parseConfigText('{"mmu": "sv48"}').mmu).toBe('sv48');
    expect(makeConfig({ mmu: 'sv48' }).mmu).toBe('sv48');
    expect(makeConfig().mmu).toBe('sv39');
    expect(() => makeConfig({ mmu: 'sv57' as 'sv48' })).toThrow(ConfigError);
    expect(() => makeConfig({ mmu: 'sv57' as 'sv48' })).toThrow(/mmu must be 'sv39' or 'sv48'/);
  });
});

const bin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));

function smpemu(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

function expectOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.status).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('smpemu run --proc-at and --mmu from the command line', () => {
  it('headers name the cycle the snapshot was taken at, then the exit one; a cycle never reached gets a note', async () => {
    const r = await smpemu('run', workload('malloc_story'), '--memory', 'flat', '-q', '--proc', '/proc/self/status', '--proc-at', '200000,3000000', '--proc-at', '900000000');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected('malloc_story.stdout'));
    const headers = [...r.stderr.matchAll(/^==> (\S+) \((.*)\) <==$/gm)].map((m) => [m[1], m[2]]);
    expect(headers).toHaveLength(3);
    expect(headers[0][0]).toBe('/proc/self/status');
    const c0 = Number(/^at cycle (\d+)$/.exec(headers[0][1])![1]);
    const c1 = Number(/^at cycle (\d+)$/.exec(headers[1][1])![1]);
    expect(c0).toBeGreaterThanOrEqual(200_000);
    expect(c0).toBeLessThan(201_000);
    expect(c1).toBeGreaterThanOrEqual(3_000_000);
    expect(c1).toBeLessThan(3_001_000);
    expect(headers[2][1]).toBe('at exit');
    expect(r.stderr).toContain('smpemu: note: --proc-at 900000000: not reached (the process ended first)\n');
  }, 120_000);

  it('--mmu sv48 on the command line: hello prints what qemu printed', async () => {
    const r = await smpemu('run', workload('hello'), '--memory', 'flat', '-q', '--mmu', 'sv48');
    expect(r.status).toBe(Number(expected('hello.status').trim()));
    expect(r.stdout).toBe(expected('hello.stdout'));
  }, 120_000);

  it.each([
    [['--proc-at', '1000'], /^smpemu: --proc-at needs --proc PATH/],
    [['--proc', '/proc/self/status', '--proc-at', '0'], /^smpemu: .*'0' is not a positive integer/],
    [['--proc', '/proc/self/status', '--proc-at', '12x'], /^smpemu: .*'12x' is not a positive integer/],
    [['--proc', '/proc/self/status', '--proc-at', '100,-5'], /^smpemu: .*'-5' is not a positive integer/],
    [['--proc', '/proc/self/status', '--proc-at', '1.5'], /^smpemu: .*'1.5' is not a positive integer/],
    [['--boot', 'spmd', '--proc', '/proc/self/status', '--proc-at', '1000'], /^smpemu: .*--proc-at.* need --boot linux/],
    [['--mmu', 'sv57'], /^smpemu: .*--mmu.*sv57/],
  ])('%j: one line, exit 2', async (args, pattern) => {
    expectOneLineError(await smpemu('run', workload('hello'), '-q', ...args), pattern);
  }, 60_000);
});
