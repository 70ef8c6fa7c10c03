// `--boot linux` end to end: Debian static glibc programs (test/machine/linux/*.c, built with
// riscv64-linux-gnu-gcc -static -O2) run as one process on core 0, their output byte-identical
// to qemu-riscv64's and their exit status passed through; bad memory accesses end with the
// signal's status and one report line; bad pointers to syscalls are EFAULT; demand paging
// allocates what Linux would. Flat memory and caches, one and two worker threads.

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { crossCompile, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired, runQemu } from '../helpers/qemu.ts';
import { PERCPU_PAGES } from '../../src/kernel/sched/rq_lock.ts';

const have = crossInstalled || qemuRequired;
const src = (name: string) => new URL(`./linux/${name}.c`, import.meta.url);
const bins: Record<string, Uint8Array> = {};

async function run(name: string, args: string[] = [], o: { memory?: MemoryModel; cores?: number; threads?: number; envp?: string[] } = {}): Promise<{ r: RunResult; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const config = makeConfig({ boot: 'linux', memory: o.memory ?? 'flat', cores: o.cores ?? 1, threads: o.threads ?? 1 });
  const r = await runMachine(config, bins[name], { stdout: out.out, stderr: err.out, linux: { execfn: `/${name}`, args, ...(o.envp ? { envp: o.envp } : {}) } });
  return { r, out: out.text(), err: err.text() };
}

describe.skipIf(!have)('--boot linux runs static glibc programs', () => {
  beforeAll(() => {
    for (const n of ['hello', 'args', 'segv', 'efault', 'touch', 'malloc_story', 'misalign', 'shm', 'mmfuzz', 'procself']) bins[n] = crossCompile(src(n));
  }, 120_000);

  describe.each([
    { memory: 'flat' as const, cores: 1, threads: 1 },
    { memory: 'flat' as const, cores: 2, threads: 2 },
    { memory: 'caches' as const, cores: 1, threads: 1 },
    { memory: 'caches' as const, cores: 2, threads: 2 },
  ])('hello with %o', (o) => {
    it('prints what qemu prints and exits with the program status', async () => {
      const { r, out } = await run('hello', [], o);
      expect(r.stopReason).toBe('exit_group');
      expect(r.exitCode).toBe(3);
      expect(r.error).toBeUndefined();
      if (qemuInstalled || qemuRequired) {
        const q = await runQemu(bins.hello);
        expect(q.status).toBe(3);
        expect(out).toBe(q.stdout.toString('utf8'));
      }
      expect(out).toContain('int 42, neg -1234567890123, hex 0xbeef, str abc, double 3.142 1e-05 6.022141e+23\n');
      // Only core 0 runs; the others stay idle.
      expect(r.cores[0].instructions).toBeGreaterThan(5000);
      for (const c of r.cores.slice(1)) expect(c.instructions).toBe(0);
      // Demand paging happened: file pages were read (major), anonymous ones allocated (minor).
      expect(r.process?.majFlt).toBeGreaterThan(0);
      expect(r.process?.minFlt).toBeGreaterThan(0);
      expect(r.process?.pgfault).toBe(r.process!.minFlt + r.process!.majFlt);
      expect(r.cores[0].pageWalks).toBeGreaterThan(0);
      expect(r.cores[0].tlbMisses).toBe(r.cores[0].pageWalks);
      expect(r.unimplementedSyscalls).toEqual([]);
    }, 60_000);
  });

  it.each(['flat', 'caches'] as const)('malloc story (brk, mmap, munmap, mremap, trim) prints what qemu prints, --memory %s', async (memory) => {
    const { r, out } = await run('malloc_story', [], { memory });
    expect(r.exitCode).toBe(0);
    expect(out).toContain('small blocks intact: 1\n');
    expect(out).toContain('realloc kept the bytes: 1 2\n');
    expect(out).toContain('calloc nonzero: 0\n');
    for (const name of ['brk', 'mmap', 'munmap', 'mremap', 'mprotect']) expect(r.syscalls.some((x) => x.name === name || x.nr === { mremap: 216, mprotect: 226 }[name])).toBe(true);
    if (qemuInstalled || qemuRequired) expect(out).toBe((await runQemu(bins.malloc_story)).stdout.toString('utf8'));
  }, 60_000);

  it.each(['flat', 'caches'] as const)('misaligned accesses across pages are emulated, values exact (--memory %s)', async (memory) => {
    const { r, out } = await run('misalign', [], { memory });
    expect(r.exitCode).toBe(0);
    expect(r.process!.misalignedEmulated).toBeGreaterThan(0);
    expect(out.split('\n')[0]).toBe('off 1: 8877665544332211 -123404588 -300 2768163840');
    if (qemuInstalled || qemuRequired) expect(out).toBe((await runQemu(bins.misalign)).stdout.toString('utf8'));
  }, 60_000);

  it('shared anonymous memory keeps its pages across mremap; past the object\'s end is SIGBUS (135), as qemu', async () => {
    const ok = await run('shm');
    expect(ok.r.exitCode).toBe(0);
    expect(ok.out).toBe('fresh 0 0\nafter mremap 42 7\nmunmap 0\n');
    expect(ok.r.process!.pgalloc - ok.r.process!.pgfree).toBe(1 + PERCPU_PAGES);
    const bus = await run('shm', ['past']);
    expect(bus.r.exitCode).toBe(135);
    expect(bus.out).toBe('fresh 0 0\nafter mremap 42 7\n');
    expect(bus.r.error).toMatch(/SIGBUS at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): load from 0x[0-9a-f]+: beyond the end of the mapped file$/);
    if (qemuInstalled || qemuRequired) expect(ok.out).toBe((await runQemu(bins.shm)).stdout.toString('utf8'));
  }, 60_000);

  it.each([1, 2])('random mm syscalls with wild arguments (seed %i): answered, no crash, no page leaked', async (seed) => {
    for (const memory of ['flat', 'caches'] as const) {
      const { r, out } = await run('mmfuzz', ['2000', String(seed)], { memory });
      expect(r.stopReason).toBe('exit_group');
      expect(r.exitCode).toBe(0);
      expect(out).toMatch(/done \d+\n$/);
      expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
    }
  }, 120_000);

  it('the guest reads its own /proc/self/status and /proc/self/maps', async () => {
    const { r, out } = await run('procself', [], { memory: 'caches' });
    expect(r.exitCode).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe('Name:\tprocself');
    expect(lines[1]).toMatch(/^VmRSS:\s+\d+ kB$/);
    expect(lines[2]).toMatch(/^00010000-[0-9a-f]{8} r-xp 00000000 00:01 2 +\/procself$/);
    expect(out).toMatch(/^3ffff[0-9a-f]{5}-4000000000 rw-p 00000000 00:00 0 +\[stack\]\n$/m);
  }, 60_000);

  it('only core 0 runs: the same instructions and cycles with 1 or 2 worker threads and 1 or 4 cores', async () => {
    const a = await run('hello', [], { memory: 'caches', cores: 1, threads: 1 });
    const b = await run('hello', [], { memory: 'caches', cores: 4, threads: 2 });
    expect(b.out).toBe(a.out);
    expect(b.r.cores[0].instructions).toBe(a.r.cores[0].instructions);
    expect(b.r.cores[0].cycles).toBe(a.r.cores[0].cycles);
    expect(b.r.cores[0].tlbMisses).toBe(a.r.cores[0].tlbMisses);
  }, 60_000);

  it('arguments that exec refuses (E2BIG, a NUL byte) are one ConfigError before anything runs', async () => {
    const cfg = makeConfig({ boot: 'linux', memory: 'flat', cores: 1, threads: 1 });
    await expect(runMachine(cfg, bins.hello, { linux: { envp: Array.from({ length: 30 }, (_, i) => `X${i}=${'a'.repeat(100000)}`) } }))
      .rejects.toThrow(/^cannot exec \/prog: arguments and environment take \d+ bytes, more than 2097152$/);
    await expect(runMachine(cfg, bins.hello, { linux: { args: ['a\0b'] } })).rejects.toThrow(/cannot exec .*NUL/);
  }, 60_000);

  it('the guest sees argv, envp and the auxiliary vector', async () => {
    const { r, out } = await run('args', ['a b', '-v', ''], { envp: ['A=1', 'EMPTY='] });
    expect(r.exitCode).toBe(4);
    expect(out).toBe(
      'argc=4\nargv[0]=/args\nargv[1]=a b\nargv[2]=-v\nargv[3]=\nargv[argc]=NULL\n' +
        'env A=1\nenv EMPTY=\n' +
        'AT_PAGESZ=4096\nAT_ENTRY is _start: 1\nAT_PHENT=56 AT_PHNUM>0: 1\n' +
        'AT_UID=0 AT_EUID=0 AT_GID=0 AT_EGID=0 AT_SECURE=0\nAT_CLKTCK=100\nAT_HWCAP has I,M,A,F,D,C: 1\n' +
        'AT_RANDOM readable, not all zero: 1\nAT_EXECFN=/args\n',
    );
  }, 60_000);

  it.each([
    { how: 'null', status: 139, line: /^core 0: pid 1 \(segv\) SIGSEGV at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): store to 0x0 outside any mapping$/ },
    { how: 'text', status: 139, line: /^core 0: pid 1 \(segv\) SIGSEGV at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): store to 0x[0-9a-f]+ in VMA 0x10000-0x[0-9a-f]+ r-xp \/segv$/ },
    { how: 'jump', status: 139, line: /^core 0: pid 1 \(segv\) SIGSEGV at pc 0x12345670: instruction fetch from 0x12345670 outside any mapping$/ },
    { how: 'ebreak', status: 133, line: /^core 0: pid 1 \(segv\) SIGTRAP at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): breakpoint \(ebreak\)$/ },
    { how: 'illegal', status: 132, line: /^core 0: pid 1 \(segv\) SIGILL at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): illegal instruction 0x0000$/ },
  ])('$how ends the process with status $status and one report line', async ({ how, status, line }) => {
    for (const memory of ['flat', 'caches'] as const) {
      const { r, out } = await run('segv', [how], { memory });
      expect(out).toBe('before\n');
      expect(r.stopReason).toBe('signal');
      expect(r.exitCode).toBe(status);
      expect(r.error).toMatch(line);
      expect(r.fault?.signal).toBe(status - 128);
    }
  }, 60_000);

  it('bad pointers to write() return EFAULT; the process runs on', async () => {
    const { r, out } = await run('efault');
    expect(r.exitCode).toBe(0);
    const expected =
      'ok\nwrite(NULL+8): -1 Bad address\nwrite across a hole: -1 Bad address\nwrite before the hole: 3\n' +
      'mprotect to none then write: 0\nwrite from PROT_NONE: -1 Bad address\n';
    expect(out).toBe(expected);
    if (qemuInstalled || qemuRequired) expect((await runQemu(bins.efault)).stdout.toString('utf8')).toBe(expected);
  }, 60_000);

  describe.each(['flat', 'caches'] as const)('demand paging with --memory %s', (memory) => {
    // touch.c maps 8 MiB and touches N pages one byte each; the base it prints says how many
    // page-table pages (one per 2 MiB) the touched range needs.
    const N = 600;
    const tables = (base: number) => new Set(Array.from({ length: N }, (_, i) => Math.floor((base + i * 4096) / 2 ** 21))).size;
    const baseOf = (out: string) => Number.parseInt(/^base 0x([0-9a-f]+)/.exec(out)![1], 16);

    it('first reads map the zero page (no page allocated), first writes allocate one page each', async () => {
      const none = await run('touch', ['0'], { memory });
      const reads = await run('touch', [String(N), 'r'], { memory });
      const writes = await run('touch', [String(N), 'w'], { memory });
      for (const x of [none, reads, writes]) expect(x.r.exitCode).toBe(0);
      const base = baseOf(reads.out);
      expect(baseOf(writes.out)).toBe(base);
      const alloc = (x: { r: RunResult }) => x.r.process!.pgalloc;
      // Reads: only the page tables the range needs; writes: those plus exactly one page per page.
      expect(alloc(reads) - alloc(none)).toBe(tables(base));
      expect(alloc(writes) - alloc(none)).toBe(tables(base) + N);
      // One minor fault per touched page, whether it maps the zero page or a new page.
      expect(reads.r.process!.minFlt - none.r.process!.minFlt).toBe(N);
      expect(writes.r.process!.minFlt - none.r.process!.minFlt).toBe(N);
      expect(writes.r.process!.majFlt).toBe(none.r.process!.majFlt);
    }, 120_000);
  });

  it('at exit every page goes back to the allocator but the zero page and the per-CPU area (no leak of pages or page tables)', async () => {
    for (const [name, args] of [['hello', []], ['malloc_story', []], ['touch', ['300', 'w']], ['segv', ['null']]] as const) {
      const { r } = await run(name, [...args]);
      expect(r.process!.pgalloc - r.process!.pgfree, name).toBe(1 + PERCPU_PAGES);
    }
  }, 60_000);

  it('a process that runs out of RAM is killed (SIGKILL, 137) with one line', async () => {
    const out = sink();
    const r = await runMachine(makeConfig({ boot: 'linux', memory: 'flat', cores: 1, threads: 1, ramBytes: 8 << 20 }), bins.touch, {
      stdout: out.out, stderr: () => {}, linux: { execfn: '/touch', args: ['2048', 'w'] },
    });
    expect(r.exitCode).toBe(137);
    expect(r.error).toMatch(/^core 0: pid 1 \(touch\) SIGKILL at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): out of memory at store to 0x[0-9a-f]+/);
    expect(() => makeConfig({ boot: 'linux', ramBytes: 4 << 20 })).toThrow(/--boot linux needs at least 8M of RAM/);
  }, 60_000);

  it('--proc files read at exit: status, maps, smaps_rollup of the process', async () => {
    const out = sink();
    const r = await runMachine(makeConfig({ boot: 'linux', memory: 'caches', cores: 1, threads: 1 }), bins.touch, {
      stdout: out.out, stderr: () => {}, linux: { execfn: '/touch', args: ['100', 'w'], proc: ['/proc/self/status', '/proc/1/maps', '/proc/self/smaps_rollup', '/proc/nope'] },
    });
    expect(r.exitCode).toBe(0);
    const [status, maps, rollup, nope] = r.process!.proc!.map((p) => p.text);
    expect(status).toMatch(/^Name:\ttouch\n/);
    // 100 written pages of the 8 MiB mapping are resident, anonymous.
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)![1]);
    expect(kb('RssAnon')).toBeGreaterThanOrEqual(400);
    expect(kb('VmSize')).toBeGreaterThan(8192);
    expect(maps).toMatch(/^00010000-[0-9a-f]+ r-xp 00000000 00:01 2 +\/touch$/m);
    expect(maps).toMatch(/ \[stack\]\n$/);
    expect(rollup).toMatch(/^Rss: +\d+ kB$/m);
    expect(nope).toMatch(/no such file/);
  }, 60_000);

  it('the CLI exits 139 and prints the one-line report for a SIGSEGV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smpemu-linux-'));
    const file = join(dir, 'segv');
    writeFileSync(file, bins.segv);
    const bin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));
    const ran = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'run', file, '--boot', 'linux', '-q', '--', 'null'], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      });
    });
    expect(ran.stdout).toBe('before\n');
    expect(ran.status).toBe(139);
    expect(ran.stderr).toMatch(/^smpemu: core 0: pid 1 \(segv\) SIGSEGV at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): store to 0x0 outside any mapping\n$/);
  }, 120_000);
});
