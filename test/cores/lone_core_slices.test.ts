// A core alone on its worker runs a whole quantum in a few run() calls: it leaves its run loop
// only to look at the stop word, every STOP_CHECK_CYCLES, whatever the quantum (each exit costs
// the translator a stretch end and start in the interpreter). A stop requested meanwhile (the
// watchdog, another worker's core ending the machine) ends its quantum at the next look.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CoreGroup, STOP_CHECK_CYCLES } from '../../cores/core_group.ts';
import { boot } from '../../src/machine/boot.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { STOP_CRASH } from '../../shared/control.ts';

const computeXl = readFileSync(new URL('../../workloads/bin/compute_xl.elf', import.meta.url));

/** One lone core of compute_xl (core 0 of a 2-core parallel machine: alone on its worker), its run() limits recorded. */
function lone(engine: 'interp' | 'jit') {
  const config = makeConfig({ cores: 2, threads: 2, memory: 'flat', engine });
  const b = boot(config, computeXl);
  const group = new CoreGroup({ config, coreIds: [0], regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 });
  const h = group.harts[0]!;
  const asked: number[] = [];
  const run = h.run.bind(h);
  h.run = (limit: number) => {
    asked.push(limit - h.cycle);
    return run(limit);
  };
  return { group, h, asked };
}

describe('a lone core\'s slices', () => {
  for (const engine of ['interp', 'jit'] as const) {
    it(`${engine}: a quantum of 4.5 stop checks takes 5 run() calls, each up to the next check, and ends at the quantum's end`, () => {
      const { group, h, asked } = lone(engine);
      const end = Math.floor(4.5 * STOP_CHECK_CYCLES);
      group.runQuantum(end);
      expect(asked.length).toBe(5);
      for (const a of asked.slice(0, 4)) expect(a).toBeLessThanOrEqual(STOP_CHECK_CYCLES);
      expect(asked[0]).toBe(STOP_CHECK_CYCLES);
      // A run() stops at its limit or up to one instruction's memory latency past it (flat: none).
      expect(h.cycle).toBe(end);
      expect(h.instret).toBeGreaterThan(end / 2);
    });
  }

  it('a stop requested during a slice ends the quantum at the next look, not at its end', () => {
    const { group, h, asked } = lone('jit');
    const run = h.run;
    let calls = 0;
    h.run = (limit: number) => {
      const r = run(limit);
      if (++calls === 2) group.ctl.requestStop(STOP_CRASH, -1, 1, 0);
      return r;
    };
    group.runQuantum(100 * STOP_CHECK_CYCLES);
    expect(asked.length).toBe(2);
    expect(h.cycle).toBe(2 * STOP_CHECK_CYCLES);
  });
});
