import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, makeConfig } from '../../src/machine/config.ts';

// SMPEMU_ENGINE lets CI run whole suites under either engine without editing each test.
describe('SMPEMU_ENGINE', () => {
  const saved = process.env.SMPEMU_ENGINE;
  afterEach(() => {
    if (saved === undefined) delete process.env.SMPEMU_ENGINE;
    else process.env.SMPEMU_ENGINE = saved;
  });

  it('sets the engine of a config that does not choose one', () => {
    process.env.SMPEMU_ENGINE = 'jit';
    expect(makeConfig({}).engine).toBe('jit');
    process.env.SMPEMU_ENGINE = 'interp';
    expect(makeConfig({}).engine).toBe('interp');
  });

  it('an engine given explicitly wins', () => {
    process.env.SMPEMU_ENGINE = 'jit';
    expect(makeConfig({ engine: 'interp' }).engine).toBe('interp');
    process.env.SMPEMU_ENGINE = 'interp';
    expect(makeConfig({ engine: 'jit' }).engine).toBe('jit');
  });

  it('unset or empty: the built-in default', () => {
    delete process.env.SMPEMU_ENGINE;
    const unset = makeConfig({}).engine;
    process.env.SMPEMU_ENGINE = '';
    expect(makeConfig({}).engine).toBe(unset);
  });

  it('a bad value is a ConfigError that names the variable', () => {
    process.env.SMPEMU_ENGINE = 'qemu';
    expect(() => makeConfig({})).toThrow(ConfigError);
    expect(() => makeConfig({})).toThrow(/SMPEMU_ENGINE must be 'interp' or 'jit' \(got 'qemu'\)/);
  });
});
