// Starting a TypeScript module in a worker thread. The module and its imports run as one
// esbuild bundle (bin/bundle_cache.mjs): built on first use, kept in the cache directory
// and reused by every later process until a source file changes, and run with V8's code
// cache (bin/worker_boot.cjs). Far faster than having
// tsx register itself and compile file by file in each worker (Node 20 does not pass
// --import hooks on to workers); tsx stays as the fallback. With SMPEMU_CACHE=0 the
// bundle is built in memory once per process, as it was before the cache.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { bundleSync } from '../../bin/bundle_cache.mjs';
import { bundleWorker, notedBundle, takePrespawned } from '../../bin/prespawn.mjs';
import { hostWrite } from './host_output.ts';

type Bundle = { file: string } | { code: string } | undefined;

const bundles = new Map<string, Bundle>();

/** The module and its imports as one CommonJS script: a cached file, or code; validated once per process (by the launcher, for the core worker). */
function bundle(fileUrl: URL): Bundle {
  const key = fileUrl.href;
  if (!bundles.has(key)) {
    const entry = fileURLToPath(fileUrl);
    // The launcher (bin/smpemu.mjs) checked the core bundle a moment ago.
    const noted = notedBundle(entry);
    let b: Bundle;
    try {
      b = noted !== undefined ? { file: noted } : bundleSync(entry, 'cjs');
    } catch {
      b = undefined;
    }
    bundles.set(key, b);
  }
  return bundles.get(key);
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

/**
 * Starts the TypeScript module at fileUrl in a worker thread: one the launcher started
 * ahead from the same bundle file (bin/prespawn.mjs; it gets workerData as its first
 * message, `{ t: 'init', init }`), or a new one.
 */
export function spawnTsWorker(fileUrl: URL, workerData: unknown, options: WorkerOptions = {}): Worker {
  const b = bundle(fileUrl);
  if (b && 'file' in b) {
    const ready = takePrespawned(b.file);
    if (ready) {
      ready.postMessage({ t: 'init', init: workerData });
      return forwardStdio(ready);
    }
    return forwardStdio(bundleWorker(b.file, { ...options, workerData }));
  }
  if (b) return new Worker(b.code, { ...options, eval: true, workerData });
  return spawnTsxWorker(fileUrl, workerData, options);
}

/** What a worker started from a bundle file prints on its own stdout and stderr (not piped: bin/prespawn.cjs) goes to the host's. */
function forwardStdio(worker: Worker): Worker {
  worker.stdout.on('data', (d: Uint8Array) => hostWrite(1, d));
  worker.stderr.on('data', (d: Uint8Array) => hostWrite(2, d));
  return worker;
}

/** Starts the module under tsx, compiled file by file in the worker (no bundle). */
export function spawnTsxWorker(fileUrl: URL, workerData: unknown, options: WorkerOptions = {}): Worker {
  const boot =
    `import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(fileUrl.href)}); })`;
  return new Worker(boot, { ...options, eval: true, workerData });
}
