// The c2c verdict and advice of the demo counters are the same on every run, in
// parallel and deterministic mode: which L1 hits get sampled varies with the host's
// scheduling in parallel mode, and no single sample may change the answer.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';

const elf = (name: string) => readFileSync(new URL(`../../workloads/bin/${name}.elf`, import.meta.url));

/** "address symbol: verdict / advice" per contended line, in address order. */
async function verdicts(name: string, threads: number): Promise<string[]> {
  const r = await runMachine(makeConfig({ memory: 'caches', cores: 4, threads }), elf(name), { stdout: () => {} });
  expect(r.exitCode).toBe(0);
  return r
    .c2c!.lines.map((l) => ({ a: l.address, s: `${l.addressHex} ${l.symbol}: ${l.verdict} / ${l.advice}` }))
    .sort((x, y) => x.a - y.a)
    .map((x) => x.s);
}

describe('c2c verdict and advice are stable across runs', () => {
  it.each(['counters_packed', 'counters_padded'])('%s: 4 cores, threads 4, 2 and 1', { timeout: 120_000 }, async (name) => {
    const runs: string[][] = [];
    for (const threads of [4, 2, 4, 2, 1, 1]) runs.push(await verdicts(name, threads));
    for (const r of runs) expect(r).toEqual(runs[0]);
    if (name === 'counters_packed') {
      expect(runs[0]!.find((s) => s.includes('packed_counters'))).toBe(
        '0x13400 packed_counters: false sharing / pad each of packed_counters+0x0, +0x8, +0x10, +0x18 to its own 64-byte line: ' +
          '56 bytes of padding after each 8-byte field, or align each to 64',
      );
    } else {
      // Hart 0's one read of each other counter at the end is a HITM: listed, but no sharing.
      const padded = runs[0]!.filter((s) => s.includes('padded_counters'));
      expect(padded).toHaveLength(3);
      for (const s of padded) expect(s).toContain(': private / ');
    }
  });
});
