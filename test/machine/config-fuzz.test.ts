// The config file parser against arbitrary JSON (the ELF fuzz test's idea, test/loader/
// elf-fuzz.test.ts, for --config): any text gives either a valid machine configuration or a
// ConfigError with a one-line message, never any other exception.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, makeConfig, validate, type MachineConfig } from '../../src/machine/config.ts';
import { CONFIG_KEYS, closestKey, configFromJson, parseConfigText } from '../../src/machine/config_file.ts';

/** Every key of an accepted file is a known one, at its level, with a value of the right type. */
function expectWellFormed(v: unknown): void {
  expect(typeof v === 'object' && v !== null && !Array.isArray(v)).toBe(true);
  for (const [k, x] of Object.entries(v as object)) {
    expect(CONFIG_KEYS.top).toContain(k);
    if (k === 'nic') {
      // the NIC: numbers, and cpus a list of numbers
      expect(typeof x === 'object' && x !== null && !Array.isArray(x)).toBe(true);
      for (const [nk, nx] of Object.entries(x as object)) {
        expect(CONFIG_KEYS.nic).toContain(nk);
        if (nk === 'cpus') expect(Array.isArray(nx) && (nx as unknown[]).every((c) => typeof c === 'number')).toBe(true);
        else expect(typeof nx).toBe('number');
      }
      continue;
    }
    if (k !== 'caches' && k !== 'tlb') {
      expect(['number', 'string', 'boolean']).toContain(typeof x);
      continue;
    }
    // The two nested sections: caches (levels inside) and tlb (TLB levels inside).
    const [inner, level] = k === 'caches' ? [CONFIG_KEYS.caches, CONFIG_KEYS.level] : [CONFIG_KEYS.tlb, CONFIG_KEYS.tlbLevel];
    expect(typeof x === 'object' && x !== null && !Array.isArray(x)).toBe(true);
    for (const [ck, cx] of Object.entries(x as object)) {
      expect(inner).toContain(ck);
      if (typeof cx === 'object') for (const lk of Object.keys(cx as object)) expect(level).toContain(lk);
    }
  }
}

/** Parse and build, as `smpemu run --config` does; only ConfigError may escape. */
function load(text: string): MachineConfig | undefined {
  try {
    const config = makeConfig(parseConfigText(text));
    validate(config); // an accepted config passes validation on its own
    const raw = JSON.parse(text) as Record<string, unknown>;
    expectWellFormed(Object.hasOwn(raw, 'stopReason') ? raw.config : raw);
    return config;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.message).not.toContain('\n');
    return undefined;
  }
}

/** A key as typed by a user: a real one, a real one with a typo, or anything. */
function keyArb(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...known), fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([k, i, c]) => { const p = i % (k.length + 1); return k.slice(0, p) + c + k.slice(p + 1); }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
}

/** Values that are right, near the edges, or of the wrong type. */
const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -2, max: 70 }),
  fc.constantFrom(0, 1, 4096, 64, 8, 32768, 2 ** 31, 2 ** 53, -4096, 1e300, 0.5),
  fc.double(),
  fc.boolean(),
  fc.constantFrom('caches', 'flat', 'spmd', '', 'yes', '4', 'keep-reservation'),
  fc.string({ maxLength: 6 }),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
);

const levelArb = fc.dictionary(keyArb(CONFIG_KEYS.level), scalarArb, { maxKeys: 4 });
const cachesArb = fc.dictionary(
  keyArb(CONFIG_KEYS.caches),
  fc.oneof({ weight: 3, arbitrary: scalarArb }, { weight: 2, arbitrary: levelArb }),
  { maxKeys: 5 },
);
const nicArb = fc.dictionary(
  keyArb(CONFIG_KEYS.nic),
  fc.oneof(scalarArb, fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 4 }), fc.array(scalarArb, { maxLength: 2 })),
  { maxKeys: 3 },
);
const configArb = fc.dictionary(
  keyArb(CONFIG_KEYS.top),
  fc.oneof({ weight: 4, arbitrary: scalarArb }, { weight: 1, arbitrary: cachesArb }, { weight: 1, arbitrary: nicArb }),
  { maxKeys: 6 },
);

describe('config file parser', () => {
  it('arbitrary JSON values: a valid config or a one-line ConfigError', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => { load(JSON.stringify(v) ?? 'null'); }), { numRuns: 2000 });
  });

  it('arbitrary objects of real, misspelled and random keys with values of any type', () => {
    let accepted = 0;
    fc.assert(
      fc.property(configArb, (generated) => {
        const text = JSON.stringify(generated);
        const config = load(text);
        if (!config) return;
        accepted++;
        // What the file says, not what was generated: JSON writes -0 as 0.
        const obj = JSON.parse(text) as Record<string, unknown>;
        // Whatever was accepted came from the file where the file gave it.
        for (const [k, v] of Object.entries(obj)) if (k !== 'caches' && k !== 'tlb' && k !== 'threads' && k !== 'nic') expect(config[k as keyof MachineConfig]).toEqual(v);
        // a NIC section given in part keeps the defaults for the rest
        if (obj.nic !== undefined) for (const [k, v] of Object.entries(obj.nic as object)) expect(config.nic[k as keyof MachineConfig['nic']]).toEqual(v);
        expect(config.ramBase).toBeGreaterThanOrEqual(4096);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(10); // the generator reaches valid configs too
  });

  it('arbitrary text: a valid config or a one-line ConfigError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (t) => { load(t); }), { numRuns: 1000 });
  });

  it('a config written out (the stats JSON `config`) reads back as the same config', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.constantFrom<'caches' | 'flat'>('caches', 'flat'), fc.integer({ min: 100, max: 100_000 }), (cores, memory, quantum) => {
        const c = makeConfig({ cores, memory, quantum, threads: 1 });
        expect(makeConfig(configFromJson(JSON.parse(JSON.stringify(c))))).toEqual(c);
      }),
      { numRuns: 50 },
    );
  });

  it('names the key and suggests the closest known one', () => {
    expect(() => parseConfigText('{"quantom": 5}')).toThrow("unknown key 'quantom' (did you mean 'quantum'?)");
    expect(() => parseConfigText('{"caches": {"hitmlatency": 5}}')).toThrow("unknown key 'caches.hitmlatency' (did you mean 'caches.hitmLatency'?)");
    expect(closestKey('zzzzzz', CONFIG_KEYS.top)).toBeUndefined();
    expect(() => parseConfigText('{"cores": "4"}')).toThrow('cores must be a number (got the string "4")');
    expect(() => parseConfigText('{"nic": {"ratePPS": 5}}')).toThrow("unknown key 'nic.ratePPS' (did you mean 'nic.ratePps'?)");
    expect(() => parseConfigText('{"nic": {"cpus": 0}}')).toThrow('nic.cpus must be a list of numbers (got number 0)');
  });

  it('the library refuses what the parser lets through but makes no sense', () => {
    expect(() => makeConfig({ ramBase: 0 })).toThrow(/page 0 stays unmapped/);
    expect(() => makeConfig({ cores: '4' as unknown as number })).toThrow('cores must be an integer (got "4")');
    expect(() => makeConfig({ caches: { hitmLatency: 'x' } as unknown as MachineConfig['caches'] })).toThrow('caches.hitmLatency must be an integer (got "x")');
    expect(() => makeConfig({ checkInvariants: 'yes' as unknown as boolean })).toThrow('checkInvariants must be true or false (got "yes")');
    expect(makeConfig({ caches: { l1d: { latency: 3 } } as unknown as MachineConfig['caches'] }).caches.l1d).toEqual({ sizeBytes: 32768, ways: 8, latency: 3 });
    expect(() => makeConfig({ cores: 2, boot: 'linux', nic: { ratePps: 10, cpus: [2], workCycles: 5 } })).toThrow('nic.cpus: 2 is not a core of this machine (0-1)');
    expect(() => makeConfig({ cores: 2, boot: 'linux', nic: { ratePps: 10, cpus: [1, 1], workCycles: 5 } })).toThrow('nic.cpus: core 1 given twice');
    expect(() => makeConfig({ boot: 'linux', nic: { ratePps: 10, cpus: [], workCycles: 5 } })).toThrow('nic.cpus must be a non-empty list of cores (got [])');
    expect(() => makeConfig({ boot: 'linux', nic: { ratePps: -1, cpus: [0], workCycles: 5 } })).toThrow('nic.ratePps must be between 0 and 100000000 (got -1)');
    expect(() => makeConfig({ boot: 'linux', nic: { ratePps: 10, cpus: [0], workCycles: 0 } })).toThrow('nic.workCycles must be between 1 and 1000000000 (got 0)');
    expect(() => makeConfig({ boot: 'spmd', nic: { ratePps: 10, cpus: [0], workCycles: 5 } })).toThrow('the NIC (nic.ratePps > 0, --nic-rate) needs --boot linux');
    expect(makeConfig({ boot: 'linux', nic: { ratePps: 7 } as MachineConfig['nic'] }).nic).toEqual({ ratePps: 7, cpus: [0], workCycles: 2000 });
  });
});
