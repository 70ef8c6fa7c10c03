// Running independent litmus tests in parallel: a piscina pool, one task per test.
//
// A pool worker must run TypeScript. The task module (task.ts) and everything it
// imports run as one ES module from the bundle cache (bin/bundle_cache.mjs: built once,
// reused by later runs until a source changes). With the cache off (SMPEMU_CACHE=0) it
// is bundled once per process with esbuild into a temp directory. Two things a plain
// bundle would break are fixed by a plugin (the cache's does the same):
// - `import.meta.url` (src/machine/machine.ts finds the core worker with it) is
//   replaced, file by file, with that file's own URL, so relative URLs still point
//   into the source tree;
// - packages (esbuild itself, imported by src/machine/spawn.ts) stay external,
//   imported by absolute path, since the temp directory has no node_modules; so do the
//   launcher's modules (bin/*.mjs).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { bundleFile } from '../../bin/bundle_cache.mjs';
import { failedResult, type LitmusOptions, type LitmusResult } from './run.ts';
import type { LitmusTask } from './task.ts';

const TASK = new URL('./task.ts', import.meta.url);
const BIN = fileURLToPath(new URL('../../bin', import.meta.url));

const sourcePlugin: Plugin = {
  name: 'smpemu-litmus-worker',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      const req = createRequire(args.importer || fileURLToPath(TASK));
      return { path: pathToFileURL(req.resolve(args.path)).href, external: true };
    });
    // The launcher's modules (bin/*.mjs, doors to CommonJS modules, which an ES module bundle
    // cannot require) are imported from where they are, as the cache's plugin does.
    b.onResolve({ filter: /\.mjs$/ }, (args) => {
      const file = join(args.resolveDir, args.path);
      return dirname(file) === BIN ? { path: pathToFileURL(file).href, external: true } : undefined;
    });
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8').replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href));
      return { contents: text, loader: 'ts', resolveDir: dirname(args.path) };
    });
  },
};

let bundled: Promise<{ file: string; dir: string }> | undefined;

/** The task module as one ES module file (from the cache, or built once per process). */
export function workerBundle(): Promise<{ file: string; dir: string }> {
  bundled ??= (async () => {
    const cached = await bundleFile(fileURLToPath(TASK), 'esm');
    if (cached) return { file: cached.file, dir: dirname(cached.file) };
    // Loaded only here: esbuild costs tens of ms to import, and most runs never build.
    const { build } = await import('esbuild');
    const r = await build({
      entryPoints: [fileURLToPath(TASK)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      plugins: [sourcePlugin],
    });
    const dir = mkdtempSync(join(tmpdir(), 'smpemu-litmus-'));
    const file = join(dir, 'litmus-task.mjs');
    writeFileSync(file, r.outputFiles[0]!.text);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return { file, dir };
  })();
  return bundled;
}

/**
 * Runs the tests, at most `jobs` at a time (each in a pool worker; each of those
 * starts the machine's own core workers). Calls onResult in the order of `files` as
 * soon as a result and all before it are in. Results are in the order of `files`.
 */
export async function runLitmusFiles(
  files: string[],
  options: LitmusOptions,
  jobs: number,
  onResult?: (r: LitmusResult, index: number) => void,
): Promise<LitmusResult[]> {
  const results: (LitmusResult | undefined)[] = new Array(files.length);
  let printed = 0;
  const flush = () => {
    while (printed < files.length && results[printed]) {
      onResult?.(results[printed]!, printed);
      printed++;
    }
  };
  // A test that throws (a bug, or a configuration the machine refuses) is an error result.
  const failed = (file: string) => (e: unknown) =>
    failedResult(file, options, 'error', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  if (jobs <= 1 || files.length <= 1) {
    const { default: runTask } = await import('./task.ts');
    for (let i = 0; i < files.length; i++) {
      results[i] = await runTask({ file: files[i]!, options }).catch(failed(files[i]!));
      flush();
    }
    return results as LitmusResult[];
  }
  const { file } = await workerBundle();
  const { Piscina } = await import('piscina');
  const pool = new Piscina<LitmusTask, LitmusResult>({
    filename: pathToFileURL(file).href,
    minThreads: 1,
    maxThreads: Math.min(jobs, files.length),
    idleTimeout: 1000,
  });
  try {
    await Promise.all(
      files.map(async (f, i) => {
        results[i] = await pool.run({ file: f, options }).catch(failed(f));
        flush();
      }),
    );
  } finally {
    await pool.destroy();
  }
  return results as LitmusResult[];
}
