// The command line of the A/B bench tools (ab.ts, ab_compile.ts, ab_callgrind.ts, ab_count.ts,
import { resolve } from 'node:path';
// jit_warm.ts): `--name value` options and positional trees.

export const args = process.argv.slice(2);

/** The value after `name`, or dflt. */
export function opt(name: string, dflt: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
}

/** The arguments that are neither options nor an option's value (`bare` options take none). */
export function positional(bare: string[] = []): string[] {
  return args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && !bare.includes(args[i - 1])));
}

/** The positional trees as absolute paths; prints usage and exits 2 when there are fewer than min. */
export function treesOrUsage(usage: string, min = 1): string[] {
  const trees = positional().map((t) => resolve(t));
  if (trees.length < min) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  return trees;
}

/** A tree's label in the tables: A, B, C ... */
export const label = (t: number): string => String.fromCharCode(65 + t);

/** Round r's order of n trees: forwards, then backwards, so that each sees the other's load. */
export function alternating(round: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (round % 2 === 0 ? i : n - 1 - i));
}

/** The environment with `file` preloaded (--require) into every Node process and worker. */
export function preloadEnv(file: string): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${file}` };
}
