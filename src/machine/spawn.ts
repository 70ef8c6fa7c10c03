// Starting a TypeScript module in a worker thread. The module is bundled once per
// process with esbuild (tens of ms) and every worker evaluates the bundle: far
// faster than having tsx register itself and compile file by file in each worker
// (Node 20 does not pass --import hooks on to workers). tsx stays as the fallback.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { buildSync } from 'esbuild';

const bundles = new Map<string, string>();

/** The module and its imports as one CommonJS script, built once per process. */
function bundle(fileUrl: URL): string | undefined {
  const key = fileUrl.href;
  if (!bundles.has(key)) {
    try {
      const r = buildSync({
        entryPoints: [fileURLToPath(fileUrl)],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      });
      bundles.set(key, r.outputFiles[0].text);
    } catch {
      bundles.set(key, '');
    }
  }
  return bundles.get(key) || undefined;
}

let tsxApiUrl: string | undefined;

/** URL of tsx's ESM register API, resolved from this project whatever the cwd (vitest lacks import.meta.resolve). */
export function tsxApi(): string {
  if (tsxApiUrl !== undefined) return tsxApiUrl;
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } | string } | string>;
  };
  const entry = pkg.exports?.['./esm/api'];
  const imp = typeof entry === 'object' ? entry.import : undefined;
  const rel = typeof imp === 'string' ? imp : imp?.default;
  if (rel === undefined) throw new Error('cannot find tsx/esm/api in the installed tsx package');
  tsxApiUrl = pathToFileURL(join(dirname(pkgPath), rel)).href;
  return tsxApiUrl;
}

/** Starts the TypeScript module at fileUrl in a new worker thread. */
export function spawnTsWorker(fileUrl: URL, workerData: unknown, options: WorkerOptions = {}): Worker {
  const code = bundle(fileUrl);
  if (code) return new Worker(code, { ...options, eval: true, workerData });
  return spawnTsxWorker(fileUrl, workerData, options);
}

/** Starts the module under tsx, compiled file by file in the worker (no bundle). */
export function spawnTsxWorker(fileUrl: URL, workerData: unknown, options: WorkerOptions = {}): Worker {
  const boot =
    `import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(fileUrl.href)}); })`;
  return new Worker(boot, { ...options, eval: true, workerData });
}
