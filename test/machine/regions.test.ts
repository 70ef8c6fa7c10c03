// The region map (shared/regions.ts): every shared buffer of a booted machine is in it,
// described, and sized from the config; the kernel's memory manager has its room.
import { describe, expect, it } from 'vitest';
import { allocateCoherence } from '../../shared/coherence/layout.ts';
import { ControlBlock } from '../../shared/control.ts';
import { allocateRegions, describeRegions } from '../../shared/regions.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { createMm } from '../../src/kernel/mm/page_alloc.ts';

/** Every SharedArrayBuffer reachable from an object, with its dotted path. */
function buffers(o: unknown, path = ''): [string, SharedArrayBuffer][] {
  if (o instanceof SharedArrayBuffer) return [[path, o]];
  if (o === null || typeof o !== 'object') return [];
  return Object.entries(o).flatMap(([k, v]) => buffers(v, path ? `${path}.${k}` : k));
}

describe('the region map', () => {
  for (const memory of ['flat', 'caches'] as const) {
    it(`lists every shared buffer of a --memory ${memory} machine, each described, sized from the config`, () => {
      const config = makeConfig({ cores: 3, memory, ramBytes: 1 << 22 });
      const r = allocateRegions(config);
      const listed = describeRegions(r);
      expect(listed.map((x) => x.name).sort()).toEqual(buffers(r).map(([p]) => p).sort());
      for (const x of listed) expect(x.what, x.name).not.toBe('');
      expect(listed.find((x) => x.name === 'ram')!.bytes).toBe(config.ramBytes);
      expect(listed.find((x) => x.name === 'control')!.bytes).toBe(ControlBlock.create(3).sab.byteLength);
      if (memory === 'caches') {
        const want = allocateCoherence({ ...config.caches, cores: 3 });
        for (const [k, b] of Object.entries(want)) expect(listed.find((x) => x.name === `coherence.${k}`)!.bytes, k).toBe(b.byteLength);
      } else {
        expect(listed.some((x) => x.name.startsWith('coherence.'))).toBe(false);
      }
    });
  }

  it("describes the kernel's memory manager regions once it is there", () => {
    const config = makeConfig({ cores: 2, ramBytes: 1 << 24 });
    const r = { ...allocateRegions(config), mm: createMm({ ramBytes: config.ramBytes, ramBase: config.ramBase, cpus: 2 }) };
    const listed = describeRegions(r);
    expect(listed.map((x) => x.name).sort()).toEqual(buffers(r).map(([p]) => p).sort());
    for (const x of listed) expect(x.what, x.name).not.toBe('');
  });
});
