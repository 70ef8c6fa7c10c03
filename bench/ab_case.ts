// One run of an A/B case with a tree's own code (its config and machine modules, its ELFs):
// packed / packed2 (the bench's coherence run, 4 cores on 1 or 2 workers), flat2 (2 cores on 2
// workers, flat), flat2on1 (the same 2 cores on 1 worker), xl2 / xl2on1 (the same on this
// tree's compute_xl for every tree, as bench/ab.ts's: the bench's flat.scaling pair), flat /
// caches (compute_long on one core), hosted16on2 (bench/scaling.ts's 16on2: 16 cores with
// caches on 2 workers, 6 M instructions each).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type CaseRun = { exitCode: number; error?: string; instructions: number; hostSeconds: number; guestMips: number; caches?: { bus: Record<string, number> } };

export async function runCase(tree: string, c: string, opts: { watchdogMs?: number } = {}): Promise<CaseRun> {
  const { makeConfig } = await import(pathToFileURL(join(tree, 'src/machine/config.ts')).href);
  const { runMachine } = await import(pathToFileURL(join(tree, 'src/machine/machine.ts')).href);
  const packed = c === 'packed' || c === 'packed2';
  const xl = c === 'xl2' || c === 'xl2on1';
  const program = xl ? readFileSync(new URL('../workloads/bin/compute_xl.elf', import.meta.url)) : readFileSync(join(tree, packed ? 'workloads/bin/counters_packed.elf' : 'workloads/bin/compute_long.elf'));
  const cfg = c === 'hosted16on2' ? { cores: 16, threads: 2, memory: 'caches', maxInsns: 6_000_000 } : packed ? { cores: 4, threads: c === 'packed' ? 1 : 2, memory: 'caches' } : c === 'flat2' || c === 'flat2on1' || xl ? { cores: 2, threads: c === 'flat2' || c === 'xl2' ? 2 : 1, memory: 'flat' } : { cores: 1, memory: c };
  const r = (await runMachine(makeConfig(cfg), program, { stdout: () => {}, ...opts })) as CaseRun;
  if (r.exitCode !== 0 && !(c === 'hosted16on2' && r.instructions > 0)) throw new Error(`exit ${r.exitCode} ${r.error ?? ''}`);
  return r;
}
