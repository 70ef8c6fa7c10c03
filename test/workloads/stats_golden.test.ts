// The shipped workloads' deterministic stats, as recorded before the one-decoder change
// (`smpemu run workloads/bin/X.elf --deterministic [--memory flat] --stats-json` at c2849a3,
// main before the decoder; spin with --max-insns 3000000): a change to decoding or to the
// interpreter's shape must leave every counter, cycle and report unchanged. compute and compute_long are left out
// for time; bench/run.ts runs them. A change that is meant to alter the stats re-records them:
//   UPDATE_STATS_GOLDEN=1 npx vitest run test/workloads/stats_golden.test.ts
// and says why in its commit. The config echo is left out of the digest: it is the run's input,
// and a new config key (with its default) must not look like a changed result.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { statsDigest } from './stats_digest.ts';

interface Golden {
  digest: string;
  instructions: number;
  cycles: number[];
  maxInsns: number;
}
const GOLDEN = new URL('./stats_golden.json', import.meta.url);
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, Golden>;
const update = process.env.UPDATE_STATS_GOLDEN === '1';

describe('deterministic stats of the shipped workloads are unchanged', () => {
  for (const [key, g] of Object.entries(golden)) {
    const [name, , memory] = key.split(' ') as [string, string, MemoryModel];
    it(key, async () => {
      const elf = readFileSync(new URL(`../../workloads/bin/${name}.elf`, import.meta.url));
      const r = await runMachine(makeConfig({ threads: 1, memory, maxInsns: g.maxInsns }), elf, { stdout: () => {} });
      const { c2cEntries: _records, config: _config, ...stats } = r;
      if (update) {
        golden[key] = { ...g, digest: statsDigest(stats), instructions: r.instructions, cycles: r.cores.map((c) => c.cycles) };
        return;
      }
      // Headline numbers first, so a failure says where the runs part.
      expect({ instructions: r.instructions, cycles: r.cores.map((c) => c.cycles) }).toEqual({ instructions: g.instructions, cycles: g.cycles });
      expect(statsDigest(stats)).toBe(g.digest);
    }, 120_000);
  }
  afterAll(() => {
    if (update) writeFileSync(GOLDEN, JSON.stringify(golden, null, 1) + '\n');
  });
});
