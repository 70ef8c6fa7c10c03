// When the workers compile at once (src/machine/compile_mode.ts): the rule, the count of runs
// starting so, and what V8 does, read from its --trace-opt lines in a child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilesAtOnce, startingAtOnce, workersStarting } from '../../src/machine/compile_mode.ts';

const CHILD = fileURLToPath(new URL('./compile_mode_child.ts', import.meta.url));

/** The compile modes V8 traced between two marks of the child's output. */
function modes(out: string, from: string, to: string): Set<string> {
  const part = out.slice(out.indexOf(from), out.indexOf(to));
  return new Set([...part.matchAll(/compiling method .* mode: ConcurrencyMode::(\w+)/g)].map((m) => m[1]!));
}

function child(memory: string): string {
  const r = spawnSync(process.execPath, ['--trace-opt', '--import', 'tsx', CHILD, memory], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('the workers\' compile mode', () => {
  it('at once only for flat memory with a worker for every host CPU', () => {
    expect(compilesAtOnce('flat', 2, 2)).toBe(true);
    expect(compilesAtOnce('flat', 4, 2)).toBe(true);
    expect(compilesAtOnce('flat', 1, 2)).toBe(false);
    expect(compilesAtOnce('caches', 2, 2)).toBe(false);
  });

  it('holds while any run\'s workers start so, and each run says it once', () => {
    const a = workersStarting(true);
    const b = workersStarting(true);
    const c = workersStarting(false);
    expect(startingAtOnce()).toBe(true);
    a();
    a();
    c();
    expect(startingAtOnce()).toBe(true);
    b();
    expect(startingAtOnce()).toBe(false);
  });

  it('a flat run\'s workers compile at once, and a worker started after the run in the background', () => {
    const out = child('flat');
    expect(modes(out, '@@run', '@@after').has('kSynchronous')).toBe(true);
    expect([...modes(out, '@@after', '@@end')]).toEqual(['kConcurrent']);
  }, 180_000);

  it('a run with caches keeps V8\'s default', () => {
    const out = child('caches');
    expect([...modes(out, '@@run', '@@after')]).toEqual(['kConcurrent']);
  }, 180_000);
});
