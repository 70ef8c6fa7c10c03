// MESI transitions are counted by cause: CAUSE_LOCAL for the core's own access,
// CAUSE_REMOTE for what its bus transaction did to another core's copy (a snoop).
// The report names them from the same constants.

import { describe, expect, it } from 'vitest';
import { I, M, S } from '../../shared/coherence/mesi.ts';
import { CAUSE_LOCAL, CAUSE_NAMES, CAUSE_REMOTE, transitionIndex } from '../../shared/coherence/stats.ts';
import { cacheStats } from '../../src/report/cache_stats.ts';
import { Harness, RAM_BASE } from './harness.ts';

const X = RAM_BASE + 0x1000;

describe('transition causes', () => {
  it('a load that finds the line M elsewhere: local I->S for the requester, remote M->S for the snooped copy', () => {
    const h = new Harness({ cores: 2 });
    h.store(0, X, 8, 0x1234n);
    const b = h.snapshot();
    expect(h.load(1, X, 8)).toBe(0x1234n);
    const d = (cause: 0 | 1, from: number, to: number) => {
      const i = transitionIndex(h.cores, cause, from, to);
      return h.ctrs[1]![i]! - b[1]![i]!;
    };
    expect(d(CAUSE_LOCAL, I, S), 'local I->S').toBe(1);
    expect(d(CAUSE_REMOTE, M, S), 'remote M->S').toBe(1);
    expect(d(CAUSE_LOCAL, M, S), 'the snoop is not the requester\'s own transition').toBe(0);
    expect(d(CAUSE_REMOTE, I, S)).toBe(0);
  });

  it('the report names each cause', () => {
    const h = new Harness({ cores: 2 });
    h.store(0, X, 8, 1n); // core 0: local I->M (BusRdX)
    h.store(1, X, 8, 2n); // core 1: local I->M, remote M->I in core 0
    const cs = cacheStats(h.ctrs.map((c, id) => ({ id, instructions: 0, cycles: 0, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0, counters: [...c] })), h.cores)!;
    const t = (from: string, to: string, cause: string) =>
      cs.transitions.find((x) => x.from === from && x.to === to && x.cause === cause)?.count ?? 0;
    expect(t('I', 'M', CAUSE_NAMES[CAUSE_LOCAL])).toBe(2);
    expect(t('M', 'I', CAUSE_NAMES[CAUSE_REMOTE])).toBe(1);
    expect(t('M', 'I', CAUSE_NAMES[CAUSE_LOCAL])).toBe(0);
    expect(CAUSE_NAMES).toEqual(['local', 'remote']);
  });
});
