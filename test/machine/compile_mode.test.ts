// When the workers compile at once (src/machine/compile_mode.ts): the rule, the count of runs
// starting so, and what V8 does, read from its --trace-opt lines in a child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilesAtOnce, startingAtOnce, workersStarting } from '../../src/machine/compile_mode.ts';

const CHILD = fileURLToPath(new URL('./compile_mode_child.ts', import.meta.url));

/**
 * The modes V8 traced for compiles of functions whose name matches `name`. By function name, not
 * by where the lines fall: V8 prints its trace through C stdio, buffered apart from node's own
 * writes. Only the machine's workers compile its translated regions (region_PC); only the
 * child's last worker has a function named hot.
 */
function modes(out: string, name: RegExp): Set<string> {
  const seen = new Set<string>();
  for (const m of out.matchAll(/compiling method \S+ <JSFunction (\S+) [^\n]*mode: ConcurrencyMode::(\w+)/g)) if (name.test(m[1]!)) seen.add(m[2]!);
  return seen;
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
    expect([...modes(out, /^region_/)]).toEqual(['kSynchronous']);
    expect([...modes(out, /^hot$/)]).toEqual(['kConcurrent']);
  }, 180_000);

  it('a run with caches keeps V8\'s default', () => {
    const out = child('caches');
    expect([...modes(out, /^region_/)]).toEqual(['kConcurrent']);
  }, 180_000);
});
