// --engine jit changes no counted thing: every shipped workload (workloads/bin, workloads/bin/gc,
// and the recorded Linux cases under --boot linux) run deterministically with the interpreter
// and with the translator, flat and with caches, writes the same stats (every field but the
// host's: stats_digest.ts) and the same guest output. compute, compute_long and compute_xl are left out
// for time (bench/jit.ts runs compute_long in both engines and checks its counts). Three
// of them again on 8 cores hosted on one thread, switching every 7 cycles.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfig, type Engine, type MachineConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine, type RunOptions } from '../../src/machine/machine.ts';
import { linuxBin, linuxCases, linuxDataDir } from '../helpers/linux_cases.ts';
import { sink } from '../helpers/program.ts';
import { canonicalStats } from './stats_digest.ts';

const bin = new URL('../../workloads/bin/', import.meta.url);
const spmd = [
  ...readdirSync(bin).filter((f) => f.endsWith('.elf')).map((f) => f),
  ...readdirSync(new URL('gc/', bin)).filter((f) => f.endsWith('.elf')).map((f) => `gc/${f}`),
].filter((f) => !/compute(_long|_xl)?\.elf$/.test(f));

async function both(program: Uint8Array, cfg: Partial<MachineConfig>, opts: Partial<RunOptions> = {}) {
  const runs = [];
  for (const engine of ['interp', 'jit'] as Engine[]) {
    const out = sink();
    const r = await runMachine(makeConfig({ ...cfg, engine }), program, { stdout: out.out, stderr: () => {}, ...opts });
    const { c2cEntries, ...stats } = r;
    runs.push({ stats: canonicalStats(stats), c2c: canonicalStats(c2cEntries), stdout: out.text() });
  }
  return runs;
}

describe('every shipped workload: identical stats with --engine interp and jit', () => {
  for (const memory of ['flat', 'caches'] as MemoryModel[]) {
    for (const f of spmd) {
      it(`${f} --memory ${memory}`, async () => {
        const [a, b] = await both(readFileSync(new URL(f, bin)), { threads: 1, memory, maxInsns: f.endsWith('spin.elf') ? 3_000_000 : 0 });
        expect(b).toEqual(a);
        expect((a.stats as { instructions: number }).instructions).toBeGreaterThan(0);
      }, 240_000);
    }
    // Many cores on one thread switching every few cycles: slices end and resume mid-block
    // (Hart.run hands a stretch's start to the translator), with coherence traffic between the
    // cores (packed counters, atomics).
    for (const f of ['counters_packed.elf', 'atomic_counter.elf', 'matrix_rows.elf']) {
      it(`${f} --memory ${memory}, 8 cores on one thread, interleave 7`, async () => {
        const [a, b] = await both(readFileSync(new URL(f, bin)), { threads: 1, cores: 8, interleave: 7, memory });
        expect(b).toEqual(a);
        expect((a.stats as { instructions: number }).instructions).toBeGreaterThan(0);
      }, 240_000);
    }
    for (const c of linuxCases()) {
      it(`linux ${c.id} --memory ${memory}`, async () => {
        const [a, b] = await both(readFileSync(linuxBin(c.program)), { boot: 'linux', memory, cores: 2, threads: 1 }, {
          linux: { execfn: `/${c.program}`, args: c.args, envp: Object.entries(c.env).map(([k, v]) => `${k}=${v}`), root: linuxDataDir },
        });
        expect(b).toEqual(a);
      }, 240_000);
    }
  }
});
