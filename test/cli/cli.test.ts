// The smpemu command as a user runs it: bad input gives one line on stderr and exit status 2,
// never a stack trace or a hang.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildElf, PF_R, PF_W, PF_X, sampleElf } from '../../src/loader/elf_writer.ts';
import { checkHostMemory } from '../../src/cli/stress.ts';

const bin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));
const hello = fileURLToPath(new URL('../../workloads/bin/hello.elf', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'smpemu-cli-'));

/** Runs the command asynchronously (a blocked test worker would miss vitest's RPC deadline). */
function smpemu(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** The error line: exactly one line on stderr, no stack trace. */
function expectOneLineError(r: Ran, pattern: RegExp): void {
  expect(r.status).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const code = new Uint8Array([0x13, 0, 0, 0, 0x73, 0, 0, 0]); // nop; ecall

describe('smpemu run: bad ELF files', () => {
  const hel = readFileSync(hello);
  const cases: [string, Uint8Array, RegExp][] = [
    ['not an ELF', new TextEncoder().encode('#!/bin/sh\necho hi\n'), /: not an ELF file/],
    ['ELF32', sampleElf({ eiClass: 1 }).bytes, /: ELF32 .*only ELF64 is supported/],
    ['big-endian', sampleElf({ eiData: 2 }).bytes, /: big-endian ELF/],
    ['x86-64', sampleElf({ machine: 62 }).bytes, /: machine 62 \(x86-64\), expected RISC-V/],
    ['truncated', hel.subarray(0, 100), /: truncated file/],
    ['segment outside RAM', buildElf({ segments: [{ vaddr: 0x40000000, data: code, flags: PF_R | PF_X }] }).bytes, /lies outside RAM|above the hart stacks/],
    [
      'overlapping segments',
      buildElf({
        segments: [
          { vaddr: 0x10000, data: code, memsz: 0x2000, flags: PF_R | PF_X },
          { vaddr: 0x11000, data: code, flags: PF_R | PF_W },
        ],
      }).bytes,
      /PT_LOAD segments overlap: 0x10000-0x12000 and 0x11000-0x11008/,
    ],
    [
      'entry outside executable segment',
      buildElf({ entry: 0x20000, segments: [{ vaddr: 0x10000, data: code, flags: PF_R | PF_X }, { vaddr: 0x20000, data: code, flags: PF_R | PF_W }] }).bytes,
      /entry point 0x20000 is not inside an executable/,
    ],
  ];
  it.each(cases)('%s: one line, exit 2', async (name, bytes, pattern) => {
    const p = file(name.replace(/\W+/g, '_'), bytes);
    const r = await smpemu('run', p, '--cores', '1');
    expectOneLineError(r, pattern);
    expect(r.stderr.startsWith(`smpemu: ${p}: `)).toBe(true);
  });

  it('a missing file', async () => {
    expectOneLineError(await smpemu('run', join(dir, 'nope.elf')), /^smpemu: cannot read .*nope\.elf: ENOENT$/);
  });
});

describe('smpemu run: options and guest errors', () => {
  it('bad options exit 2', async () => {
    expect((await smpemu('run', hello, '--cores', 'x')).status).toBe(2);
    expect((await smpemu('run', hello, '--bogus')).status).toBe(2);
    expectOneLineError(await smpemu('run', hello, '--cores', '2', '--threads', '3'), /^smpemu: threads \(3\) cannot exceed cores \(2\)$/);
    expectOneLineError(await smpemu('run', hello, '--ram', '12345'), /^smpemu: ram must be between/);
    expectOneLineError(await smpemu('run', hello, '--deterministic', '--threads', '2'), /--deterministic means --threads 1/);
    expectOneLineError(await smpemu('run', hello, '--engine', 'fast'), /^smpemu: option '--engine <engine>' argument 'fast' is invalid/);
    expectOneLineError(await smpemu('run', hello, '--config', file('engine.json', new TextEncoder().encode('{"engine":"fast"}'))), /^smpemu: engine must be 'interp' or 'jit' \(got 'fast'\)$/);
  });

  it('--engine jit runs the guest with the same output and counts as the interpreter', async () => {
    const stats = (engine: string) => join(dir, `engine-${engine}.json`);
    const runs = await Promise.all(['interp', 'jit'].map((e) => smpemu('run', hello, '--deterministic', '--engine', e, '-q', '--stats-json', stats(e))));
    for (const r of runs) expect(r.status).toBe(0);
    expect(runs[1].stdout).toBe(runs[0].stdout);
    const [a, b] = ['interp', 'jit'].map((e) => JSON.parse(readFileSync(stats(e), 'utf8')) as { config: { engine: string }; cores: { instructions: number; cycles: number; jit?: unknown }[] });
    expect(b.config.engine).toBe('jit');
    expect(a.config.engine).toBe('interp');
    // The translator's code-cache figures (cores[].jit) are the jit run's own; every count is the interpreter's.
    expect(b.cores.map(({ jit: _jit, ...c }) => c)).toEqual(a.cores);
  });

  it('--help lists the run options', async () => {
    const r = await smpemu('run', '--help');
    expect(r.status).toBe(0);
    for (const opt of ['--cores', '--threads', '--deterministic', '--quantum', '--memory', '--boot', '--max-insns', '--stats-json']) {
      expect(r.stdout).toContain(opt);
    }
  });

  it('a guest loop stops at --max-insns with exit 2 and a clear message', async () => {
    const spin = fileURLToPath(new URL('../../workloads/bin/spin.elf', import.meta.url));
    const r = await smpemu('run', spin, '--cores', '1', '--max-insns', '100000', '-q');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^smpemu: core 0: instruction limit reached \(--max-insns 100000\) at pc 0x[0-9a-f]+ \(main/m);
  });

  it('runs hello and writes the stats JSON', async () => {
    const stats = join(dir, 'stats.json');
    const r = await smpemu('run', hello, '--cores', '2', '--stats-json', stats);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').sort().filter(Boolean)).toEqual(['hello from hart 0 of 2', 'hello from hart 1 of 2']);
    expect(r.stderr).toContain('guest MIPS');
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    expect(s.exitCode).toBe(0);
    expect(s.stopReason).toBe('exit');
    expect(s.cores).toHaveLength(2);
    expect(s.guestMips).toBeGreaterThan(0);
    expect(s.hostSeconds).toBeGreaterThan(0);
    for (const c of s.cores) expect(c.instructions).toBeGreaterThan(0);
    expect(s.syscalls).toContainEqual({ nr: 64, name: 'write', count: 2 });
  });
});


describe('smpemu run: impossible cache configurations', () => {
  it.each([
    [['--l1d', '48K:8'], /l1d: 49152 bytes \/ \(8 ways x 64-byte lines\) = 96 sets, not a power of two/],
    [['--l2', '16K:8'], /L2 \(16384 bytes\) is smaller than an L1 under inclusion/],
    [['--line-size', '8192'], /line size 8192 is larger than a page \(4096\)/],
    [['--line-size', '48'], /line size must be a power of two/],
    [['--l3', '128K:16'], /L3 \(131072 bytes\) is smaller than an L2 under inclusion/],
    [['--cores', '33'], /at most 32 cores/],
    [['--latency', 'l9=3'], /is not one of l1=N/],
    [['--dtlb', '48:4'], /dtlb: 48 entries in 4 ways make 12 sets, not a power of two/],
    [['--itlb', '32'], /'32' is not ENTRIES:WAYS or ENTRIES:fully/],
    [['--stlb', '10:4'], /stlb: 10 entries do not divide into 4 ways/],
    [['--itlb', '128:fully'], /itlb ways must be at most 64/],
    [['--latency', 'stlb=-1'], /is not one of l1=N/],
  ])('%j is refused with a one-line reason', async (args, pattern) => {
    expectRefused(await smpemu('run', hello, ...args), pattern);
  });

  it('a config file is read and command-line options override it', async () => {
    const cfg = join(dir, 'machine.json');
    writeFileSync(cfg, JSON.stringify({ cores: 2, caches: { l1d: { sizeBytes: 16384, ways: 4, latency: 3 } } }));
    const stats = join(dir, 'cfg-stats.json');
    const r = await smpemu('run', hello, '--config', cfg, '--stats-json', stats, '-q');
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    expect(s.config.cores).toBe(2);
    expect(s.config.caches.l1d).toEqual({ sizeBytes: 16384, ways: 4, latency: 3 });
    const r2 = await smpemu('run', hello, '--config', cfg, '--cores', '3', '--stats-json', stats, '-q');
    expect(r2.status).toBe(0);
    expect(JSON.parse(readFileSync(stats, 'utf8')).config.cores).toBe(3);
  });

  it('TLB geometry from the command line and a config file (--dtlb over the file; the rest kept)', async () => {
    const cfg = join(dir, 'tlb.json');
    writeFileSync(cfg, JSON.stringify({ tlb: { dtlb: { entries: 64, ways: 4 }, stlb: { entries: 1024, ways: 8 } } }));
    const stats = join(dir, 'tlb-stats.json');
    const r = await smpemu('run', hello, '--config', cfg, '--itlb', '16:fully', '--latency', 'stlb=9', '--stats-json', stats, '-q');
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(stats, 'utf8')).config.tlb).toEqual({
      itlb: { entries: 16, ways: 16 }, dtlb: { entries: 64, ways: 4 }, stlb: { entries: 1024, ways: 8 }, stlbLatency: 9,
    });
  });
});

/** Refused before the machine runs: one line, exit 2, and the guest printed nothing. */
function expectRefused(r: Ran, pattern: RegExp): void {
  expectOneLineError(r, pattern);
  expect(r.stdout).toBe('');
}

describe('smpemu run: bad config files are refused up front', () => {
  const cfg = (name: string, text: string) => {
    const p = join(dir, `${name}.json`);
    writeFileSync(p, text);
    return p;
  };
  it.each([
    ['null', 'null', /config .*: expected a JSON object such as \{"cores": 4\} \(got null\)$/],
    ['number', '5', /expected a JSON object .*\(got number 5\)$/],
    ['string', '"x"', /expected a JSON object .*\(got the string "x"\)$/],
    ['boolean', 'true', /expected a JSON object .*\(got boolean true\)$/],
    ['array', '[1,2]', /expected a JSON object .*\(got an array \[1,2\]\)$/],
    ['not JSON', '{cores: 4', /not valid JSON/],
    ['misspelled key', '{"cors": 4}', /unknown key 'cors' \(did you mean 'cores'\?\)$/],
    ['misspelled nested key', '{"caches": {"l1d": {"latncy": 3}}}', /unknown key 'caches.l1d.latncy' \(did you mean 'caches.l1d.latency'\?\)$/],
    ['unknown key', '{"frobnicate": 1}', /unknown key 'frobnicate' \(known: cores, threads, /],
    ['string boolean', '{"checkInvariants": "yes"}', /checkInvariants must be a boolean \(got the string "yes"\)$/],
    ['string latency', '{"caches": {"hitmLatency": "x"}}', /caches.hitmLatency must be a number \(got the string "x"\)$/],
    ['negative latency', '{"caches": {"hitmLatency": -1}}', /caches.hitmLatency must be between 0 and/],
    ['negative level latency', '{"caches": {"l2": {"latency": -5}}}', /caches.l2.latency must be between 0 and/],
    ['ramBase 0', '{"ramBase": 0}', /ramBase must be at least 4096: page 0 stays unmapped/],
    ['string cores', '{"cores": "4"}', /cores must be a number \(got the string "4"\)$/],
    ['threads above cores', '{"cores": 2, "threads": 3}', /threads \(3\) cannot exceed cores \(2\)$/],
    ['misspelled TLB key', '{"tlb": {"dtlb": {"entires": 32}}}', /unknown key 'tlb.dtlb.entires' \(did you mean 'tlb.dtlb.entries'\?\)$/],
    ['impossible TLB', '{"tlb": {"stlb": {"entries": 512, "ways": 3}}}', /stlb: 512 entries do not divide into 3 ways$/],
  ])('%s', async (name, text, pattern) => {
    const r = await smpemu('run', hello, '--config', cfg(name.replace(/\W+/g, '_'), text));
    expectRefused(r, pattern);
  });

  it('a missing config file', async () => {
    expectRefused(await smpemu('run', hello, '--config', join(dir, 'none.json')), /^smpemu: cannot read config .*none\.json: ENOENT$/);
  });

  it("a run's saved config loads again, and command-line options override it with derived values derived again", async () => {
    const stats = join(dir, 'saved-stats.json');
    expect((await smpemu('run', hello, '--cores', '4', '--stats-json', stats, '-q')).status).toBe(0);
    const saved = join(dir, 'saved.json');
    writeFileSync(saved, JSON.stringify(JSON.parse(readFileSync(stats, 'utf8')).config));
    const out = join(dir, 'saved-out.json');
    const r = await smpemu('run', hello, '--config', saved, '--cores', '3', '--stats-json', out, '-q');
    expect(r.status).toBe(0);
    const c = JSON.parse(readFileSync(out, 'utf8')).config;
    expect(c.cores).toBe(3);
    expect(c.threads).toBeLessThanOrEqual(3);
    // --memory flat re-derives the interleave (2000 flat) instead of keeping the saved 50.
    expect((await smpemu('run', hello, '--config', saved, '--memory', 'flat', '--stats-json', out, '-q')).status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).config).toMatchObject({ memory: 'flat', interleave: 2000, cores: 4 });
    // The whole stats JSON is accepted as a config too (its `config` object is used).
    expect((await smpemu('run', hello, '--config', stats, '--cores', '1', '-q')).status).toBe(0);
  });
});

describe('smpemu run: other bad input is refused up front', () => {
  it('--stats-json into a missing directory or onto a directory', async () => {
    expectRefused(await smpemu('run', hello, '--stats-json', '/nonexistent/x.json'), /^smpemu: --stats-json \/nonexistent\/x\.json: no directory \/nonexistent$/);
    expectRefused(await smpemu('run', hello, '--stats-json', dir), /^smpemu: --stats-json .*: is a directory$/);
  });

  it('--report c2c with flat memory', async () => {
    expectRefused(await smpemu('run', hello, '--report', 'c2c', '--memory', 'flat'), /^smpemu: --report c2c needs --memory caches/);
  });

  it('--inspect of an address outside RAM', async () => {
    expectRefused(await smpemu('run', hello, '--inspect', '0x7fffffff0'), /^smpemu: --inspect 0x7fffffff0 is outside RAM \(0x1000-0xfffffff\)$/);
    expectRefused(await smpemu('run', hello, '--inspect', '0x10'), /^smpemu: --inspect 0x10 is outside RAM/);
  });

  it('an entry point that is not 2-byte aligned', async () => {
    const p = file('misaligned.elf', buildElf({ entry: 0x10001, segments: [{ vaddr: 0x10000, data: code, flags: PF_R | PF_X }] }).bytes);
    expectRefused(await smpemu('run', p), /: entry point 0x10001 is not 2-byte aligned \(IALIGN=16\)$/);
  });

  it('option errors are one smpemu: line', async () => {
    expectRefused(await smpemu('run', hello, '--cores', 'x'), /^smpemu: option '-c, --cores <n>' argument 'x' is invalid\. --cores must be an integer >= 1$/);
    expectRefused(await smpemu('run', hello, '--bogus'), /^smpemu: unknown option '--bogus'$/);
    expectRefused(await smpemu('bogus'), /^smpemu: unknown command 'bogus'$/);
    expectRefused(await smpemu('run'), /^smpemu: missing required argument 'program'$/);
    expectRefused(await smpemu('stress', '--ops', '0'), /^smpemu: option '--ops <n>' argument '0' is invalid/);
  });

  it('smpemu --version', async () => {
    const r = await smpemu('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });

  it('stress --ops beyond what fits in guest RAM or half the host memory', async () => {
    // Which bound bites first depends on the host's memory (24 GiB here: the host one).
    const r = await smpemu('stress', '--cores', '1', '--ops', '60000000', '--seed', '1');
    expectRefused(r, /^smpemu: --ops 60000000 (is too many: .* must fit in 2 GiB of guest RAM; at most \d+ ops with 1 core|needs about [\d.]+ GiB of host memory .*: at most \d+ ops per run; run several seeds instead)$/);
  });

  it('stress: the host-memory bound', () => {
    const gib = 2 ** 30;
    expect(() => checkHostMemory(1_000_000, 24 * gib)).not.toThrow();
    expect(() => checkHostMemory(50_000_000, 24 * gib)).toThrow(/--ops 50000000 needs about 15\.1 GiB of host memory \(320 bytes an op\) and this host has 24\.0 GiB: at most 39609958 ops per run/);
    expect(() => checkHostMemory(39_609_958, 24 * gib)).not.toThrow();
    expect(() => checkHostMemory(39_609_959, 24 * gib)).toThrow();
  });
});

describe('smpemu run: the documented limits work', () => {
  it('--ram 2G (the maximum) runs, with caches and flat', async () => {
    for (const memory of ['caches', 'flat']) {
      const r = await smpemu('run', hello, '--ram', '2G', '--cores', '2', '--memory', memory, '-q');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['hello from hart 0 of 2', 'hello from hart 1 of 2']);
    }
    expectRefused(await smpemu('run', hello, '--ram', '3G'), /^smpemu: ram must be between \d+ and 2147483648/);
  });

  it('a stats file that fails at the end keeps the guest status and says why in one line', async () => {
    // /dev/full passes the check before the run (writable, not a directory); the write fails (ENOSPC).
    const spin = fileURLToPath(new URL('../../workloads/bin/spin.elf', import.meta.url));
    const r = await smpemu('run', spin, '--cores', '1', '--max-insns', '100000', '-q', '--stats-json', '/dev/full');
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^smpemu: core 0: instruction limit reached \(--max-insns 100000\)/),
      'smpemu: cannot write --stats-json /dev/full: ENOSPC',
    ]);
    const ok = await smpemu('run', hello, '--cores', '1', '-q', '--stats-json', '/dev/full');
    expect(ok.stdout).toBe('hello from hart 0 of 1\n');
    expect(ok.status).toBe(2);
    expect(ok.stderr).toBe('smpemu: cannot write --stats-json /dev/full: ENOSPC\n');
  });
});
