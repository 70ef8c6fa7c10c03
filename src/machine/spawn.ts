// Starting a TypeScript module in a worker thread: tsx registers itself inside
// the worker first (Node 20 does not pass --import hooks on to workers).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

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
  const boot =
    `import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(fileUrl.href)}); })`;
  return new Worker(boot, { ...options, eval: true, workerData });
}
