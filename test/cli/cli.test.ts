// The smpemu command as a user runs it: bad input gives one line on stderr and exit status 2,
// never a stack trace or a hang.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildElf, PF_R, PF_W, PF_X, sampleElf } from '../../src/loader/elf_writer.ts';

const bin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));
const hello = fileURLToPath(new URL('../../workloads/bin/hello.elf', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'smpemu-cli-'));

function smpemu(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** The error line: exactly one line on stderr, no stack trace. */
function expectOneLineError(r: ReturnType<typeof smpemu>, pattern: RegExp): void {
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
  it.each(cases)('%s: one line, exit 2', (name, bytes, pattern) => {
    const p = file(name.replace(/\W+/g, '_'), bytes);
    const r = smpemu('run', p, '--cores', '1');
    expectOneLineError(r, pattern);
    expect(r.stderr.startsWith(`smpemu: ${p}: `)).toBe(true);
  });

  it('a missing file', () => {
    expectOneLineError(smpemu('run', join(dir, 'nope.elf')), /^smpemu: cannot read .*nope\.elf: ENOENT$/);
  });
});

describe('smpemu run: options and guest errors', () => {
  it('bad options exit 2', () => {
    expect(smpemu('run', hello, '--cores', 'x').status).toBe(2);
    expect(smpemu('run', hello, '--bogus').status).toBe(2);
    expectOneLineError(smpemu('run', hello, '--cores', '2', '--threads', '3'), /^smpemu: threads \(3\) cannot exceed cores \(2\)$/);
    expectOneLineError(smpemu('run', hello, '--ram', '12345'), /^smpemu: ram must be between/);
    expectOneLineError(smpemu('run', hello, '--deterministic', '--threads', '2'), /--deterministic means --threads 1/);
  });

  it('--help lists the run options', () => {
    const r = smpemu('run', '--help');
    expect(r.status).toBe(0);
    for (const opt of ['--cores', '--threads', '--deterministic', '--quantum', '--memory', '--boot', '--max-insns', '--stats-json']) {
      expect(r.stdout).toContain(opt);
    }
  });

  it('a guest loop stops at --max-insns with exit 2 and a clear message', () => {
    const spin = fileURLToPath(new URL('../../workloads/bin/spin.elf', import.meta.url));
    const r = smpemu('run', spin, '--cores', '1', '--max-insns', '100000', '-q');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^smpemu: core 0: instruction limit reached \(--max-insns 100000\) at pc 0x[0-9a-f]+ \(main/m);
  });

  it('runs hello and writes the stats JSON', () => {
    const stats = join(dir, 'stats.json');
    const r = smpemu('run', hello, '--cores', '2', '--stats-json', stats);
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
  ])('%j is refused with a one-line reason', (args, pattern) => {
    const r = smpemu('run', hello, ...args);
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(2); // commander adds a usage hint line for argument errors
    expect(lines[0]).toMatch(pattern);
  });

  it('a config file is read and command-line options override it', () => {
    const cfg = join(dir, 'machine.json');
    writeFileSync(cfg, JSON.stringify({ cores: 2, caches: { l1d: { sizeBytes: 16384, ways: 4, latency: 3 } } }));
    const stats = join(dir, 'cfg-stats.json');
    const r = smpemu('run', hello, '--config', cfg, '--stats-json', stats, '-q');
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    expect(s.config.cores).toBe(2);
    expect(s.config.caches.l1d).toEqual({ sizeBytes: 16384, ways: 4, latency: 3 });
    const r2 = smpemu('run', hello, '--config', cfg, '--cores', '3', '--stats-json', stats, '-q');
    expect(r2.status).toBe(0);
    expect(JSON.parse(readFileSync(stats, 'utf8')).config.cores).toBe(3);
  });
});
