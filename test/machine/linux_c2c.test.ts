// The Must-show false-sharing programs of workloads/linux under --boot linux on 4 cores (one
// worker thread: deterministic, so simulated cycles compare exactly): glibc pthreads, output
// as qemu recorded it, and --report c2c naming the contended data by virtual address, symbol
// and pid/comm (records at physical addresses, src/report/c2c.ts).
//   fs_packed: the line of `counters` is false sharing, with the verdict the SPMD counters get
//   fs_padded: no HITM on `counters`, and fewer simulated cycles
//   lr_packed: the per-thread args array `tid_args` is blamed; lr_padded: its HITMs are gone
// The cycle gains are printed on stderr (the closing note's numbers; bench/c2c_linux.ts too).

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/loader/elf.ts';
import { SymbolTable } from '../../src/loader/symbols.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { analyzeC2c, formatC2c, type C2cLine } from '../../src/report/c2c.ts';
import { linuxBin, linuxCases, linuxDataDir } from '../helpers/linux_cases.ts';
import { sink } from '../helpers/program.ts';

const CORES = 4;

interface Run {
  r: RunResult;
  out: string;
  lines: C2cLine[];
  symbols: SymbolTable;
  /** Simulated cycles of the run: the busiest core's. */
  cycles: number;
}

const runs = new Map<string, Promise<Run>>();

/** The cases.txt run `id` on 4 cores, one worker thread, caches (each run once per file). */
function run(id: string): Promise<Run> {
  let p = runs.get(id);
  if (!p) {
    p = (async () => {
      const c = linuxCases().find((x) => x.id === id)!;
      const elf = readFileSync(linuxBin(c.program));
      const out = sink();
      const r = await runMachine(makeConfig({ boot: 'linux', memory: 'caches', cores: CORES, threads: 1 }), elf, {
        stdout: out.out,
        stderr: () => {},
        linux: { execfn: `/${c.program}`, args: c.args, root: linuxDataDir },
      });
      expect(r.error).toBeUndefined();
      expect(out.text()).toBe(c.expectedStdout.toString('utf8'));
      const symbols = new SymbolTable(parseElf(elf).symbols);
      const lines = analyzeC2c(r.c2cEntries ?? [], symbols, r.config.caches.lineBytes, { physical: true });
      return { r, out: out.text(), lines, symbols, cycles: Math.max(...r.cores.map((x) => x.cycles)) };
    })();
    runs.set(id, p);
  }
  return p;
}

/** The lines whose symbol is `name` or inside it. */
const named = (lines: C2cLine[], name: string) => lines.filter((l) => l.symbol === name || l.symbol.startsWith(name + '+'));

describe('--report c2c on glibc pthreads programs (4 cores, --threads 1)', () => {
  it('fs_packed: the struct `counters` is false sharing, named by virtual address, symbol and pid/comm', async () => {
    const { r, lines, symbols } = await run('fs_packed');
    expect(new Set(r.cores.filter((c) => c.instructions > 0).map((c) => c.id)).size).toBeGreaterThan(1); // the threads ran on several cores
    const [l, ...more] = named(lines, 'counters');
    expect(more).toEqual([]);
    const counters = symbols.find('counters')!;
    expect(l!.vaddr).toBe(counters.value);
    expect(l!.address).not.toBe(counters.value); // the caches' address is physical
    expect(l!.pid).toBe(1);
    expect(l!.comm).toBe('fs_packed');
    expect(l!.verdict).toBe('false sharing');
    expect(l!.hitm).toBeGreaterThan(0);
    const written = l!.offsets.filter((o) => o.writers.length > 0);
    expect(written.map((o) => o.field)).toEqual(['counters', 'counters+0x8', 'counters+0x10', 'counters+0x18']);
    expect(new Set(written.flatMap((o) => o.writers)).size).toBeGreaterThan(1);
    expect(l!.advice).toContain('counters');
    // The stats object (--stats-json) has the same names.
    const j = r.c2c!.lines.find((x) => x.symbol === 'counters')!;
    expect(j).toMatchObject({ vaddr: counters.value, vaddrHex: `0x${counters.value.toString(16)}`, pid: 1, comm: 'fs_packed', verdict: 'false sharing' });
    expect(j.offsets.map((o) => o.field)).toEqual(l!.offsets.map((o) => o.field));
    // The busiest line of the run, and the text report says so with the virtual address.
    expect(lines[0]).toBe(l);
    const text = formatC2c(lines, { lineBytes: 64, program: 'fs_packed' });
    expect(text).toContain(`0x${counters.value.toString(16)} counters (pid 1 fs_packed, pa 0x${l!.address.toString(16)}): false sharing`);
  }, 300_000);

  it('fs_packed gets the verdict the SPMD counters get (workloads/bin/counters_packed.elf)', async () => {
    const [{ lines }, spmd] = await Promise.all([
      run('fs_packed'),
      runMachine(makeConfig({ memory: 'caches', cores: CORES, threads: 1 }), readFileSync(new URL('../../workloads/bin/counters_packed.elf', import.meta.url)), { stdout: () => {} }),
    ]);
    const spmdSyms = new SymbolTable(parseElf(readFileSync(new URL('../../workloads/bin/counters_packed.elf', import.meta.url))).symbols);
    const s = named(analyzeC2c(spmd.c2cEntries ?? [], spmdSyms, 64), 'packed_counters')[0]!;
    const l = named(lines, 'counters')[0]!;
    expect(l.verdict).toBe(s.verdict);
    expect(l.verdict).toBe('false sharing');
    expect(l.advice.replaceAll('packed_counters', 'counters')).toMatch(/^pad each of counters\+0x0, \+0x8, \+0x10, \+0x18 to its own 64-byte line: 56 bytes of padding after each 8-byte field/);
    expect(s.advice).toMatch(/^pad each of packed_counters\+0x0, \+0x8/);
  }, 300_000);

  it('fs_padded: no false sharing on `counters`, no HITM from the counting loop, and fewer simulated cycles', async () => {
    const [packed, padded] = await Promise.all([run('fs_packed'), run('fs_padded')]);
    const lines = named(padded.lines, 'counters');
    for (const l of lines) {
      expect(l.verdict).not.toBe('false sharing');
      // One counter per line; its HITMs are the worker's first load (the kernel zeroed the
      // page from core 0) and main's read of the total after the join: at most 2, never a store.
      expect(l.offsets.map((o) => o.field)).toEqual([l.symbol]);
      expect(l.hitm).toBeLessThanOrEqual(2);
      for (const o of l.offsets) for (const p of o.pcs) expect(p.hitm - p.loadHitm).toBe(0);
    }
    const packedHitm = named(packed.lines, 'counters')[0]!.hitm;
    expect(packedHitm).toBeGreaterThan(1000);
    expect(padded.cycles).toBeLessThan(packed.cycles);
    process.stderr.write(
      `fs: packed ${packed.cycles} cycles (HITM ${packed.r.totals!.hitm}), padded ${padded.cycles} cycles (HITM ${padded.r.totals!.hitm}): ` +
        `${(packed.cycles / padded.cycles).toFixed(2)}x\n`,
    );
  }, 300_000);

  it('lr_packed: c2c blames the per-thread args array `tid_args` (false sharing)', async () => {
    const { lines, symbols } = await run('lr_packed');
    const blamed = named(lines, 'tid_args');
    expect(blamed.length).toBeGreaterThan(0);
    const hot = blamed[0]!;
    expect(lines[0]).toBe(hot); // the busiest line of the run
    expect(hot.verdict).toBe('false sharing');
    expect(hot.hitm).toBeGreaterThan(0);
    expect(hot.comm).toBe('lr_packed');
    const base = symbols.find('tid_args')!.value;
    expect(hot.vaddr! >= base && hot.vaddr! < base + 4 * 56).toBe(true);
    // Two threads' sums on one line: fields of two elements (56 bytes each) written by different cores.
    const writers = hot.offsets.filter((o) => o.writers.length > 0);
    const elems = new Set(writers.map((o) => Math.floor((hot.vaddr! + o.offset - base) / 56)));
    expect(elems.size).toBe(2);
    expect(new Set(writers.flatMap((o) => o.writers)).size).toBe(2);
    // Every line of the 4 elements' sums is blamed.
    expect(blamed.filter((l) => l.verdict === 'false sharing').map((l) => l.vaddr! - base)).toEqual(expect.arrayContaining([0, 64, 128]));
  }, 300_000);

  it('lr_padded: the HITMs on `tid_args` are gone, and fewer simulated cycles than lr_packed', async () => {
    const [packed, padded] = await Promise.all([run('lr_packed'), run('lr_padded')]);
    const hitm = (x: Run) => named(x.lines, 'tid_args').reduce((s, l) => s + l.hitm, 0);
    expect(hitm(packed)).toBeGreaterThan(1000);
    // Padded, each element's line has one writer in the loop: what HITMs remain are the
    // worker's first store (main wrote points and num_elems on the line before pthread_create)
    // and main's read of the sums after the join, at most 2 per element.
    for (const l of named(padded.lines, 'tid_args')) {
      expect(l.verdict).not.toBe('false sharing');
      expect(l.hitm).toBeLessThanOrEqual(2);
    }
    expect(padded.cycles).toBeLessThan(packed.cycles);
    process.stderr.write(
      `lr: packed ${packed.cycles} cycles (HITM on tid_args ${hitm(packed)}), padded ${padded.cycles} cycles (HITM on tid_args ${hitm(padded)}): ` +
        `${(packed.cycles / padded.cycles).toFixed(2)}x\n`,
    );
  }, 300_000);

  it('the CLI (README\'s command): --report c2c prints the verdict at the virtual address, --stats-json has the names', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'smpemu-c2c-')), 'stats.json');
    const bin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));
    const { status, stdout } = await new Promise<{ status: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [bin, 'run', linuxBin('fs_packed'), '--cores', '4', '--threads', '1', '--report', 'c2c', '-q', '--stats-json', json], { encoding: 'utf8', timeout: 240_000 }, (err, out) =>
        resolve({ status: err ? Number(err.code) : 0, stdout: out }),
      );
    });
    expect(status).toBe(0);
    const { symbols } = await run('fs_packed');
    const at = `0x${symbols.find('counters')!.value.toString(16)}`;
    expect(stdout).toMatch(new RegExp(`^  ${at} counters \\(pid 1 fs_packed, pa 0x[0-9a-f]+\\): false sharing — cores [0-3](,[0-3])+ write disjoint offsets 0x0,0x8,0x10,0x18$`, 'm'));
    expect(stdout).toContain('advice: pad each of counters+0x0, +0x8, +0x10, +0x18 to its own 64-byte line');
    const stats = JSON.parse(readFileSync(json, 'utf8'));
    expect(stats.c2c.lines[0]).toMatchObject({ vaddrHex: at, pid: 1, comm: 'fs_packed', symbol: 'counters', verdict: 'false sharing' });
  }, 300_000);
});
