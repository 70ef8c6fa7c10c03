#!/usr/bin/env node
// Launcher. Runs the CLI from its cached CommonJS bundle (bin/bundle_cache.mjs: built on
// first use, rebuilt whenever a source file changes) with V8's code cache
// (bin/code_cache.mjs), so a run compiles no TypeScript and little JavaScript; under tsx
// (file by file, as before) when the cache is off (SMPEMU_CACHE=0) or cannot be used.
// For `run`, the core workers start first (bin/prespawn.mjs), before the launcher loads the
// cache's code, and boot while the CLI loads.
import { availableParallelism } from 'node:os';
import { cacheEnabled } from './cache_env.mjs';
import { guessThreads, loadPrespawned, noteBundle, prespawnBoot } from './prespawn.mjs';
import { startupMark } from './startup_trace.mjs';

startupMark('launcher');

/** Commands that start core workers: their bundle is made ready here, in this process (the pool could only build it in a child). */
const MACHINE_COMMANDS = new Set(['run', 'litmus', 'demo']);

const argv = process.argv.slice(2);
const machine = cacheEnabled() && MACHINE_COMMANDS.has(argv[0]);
// Node boots a worker in tens of milliseconds: they start first, and are told the bundle's path once it is known.
const threads = machine ? guessThreads(argv, availableParallelism()) : 0;
if (threads > 0) prespawnBoot(threads);
startupMark(`prespawned ${threads}`);

const [{ fileURLToPath }, { bundleFile, cacheDir, lookupBundle }, { runCommonJs }] = await Promise.all([import('node:url'), import('./bundle_cache.mjs'), import('./code_cache.mjs')]);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const CORE_WORKER = fileURLToPath(new URL('../cores/worker.ts', import.meta.url));

let bundle;
try {
  const dir = machine ? cacheDir() : undefined;
  const worker = dir && lookupBundle(CORE_WORKER, 'cjs', dir);
  if (worker) {
    loadPrespawned(worker);
    noteBundle(CORE_WORKER, worker);
  }
  startupMark('core bundle found');
  // After an edit both bundles may need building: at once.
  let built;
  [bundle, built] = await Promise.all([bundleFile(MAIN, 'cjs'), dir && !worker ? bundleFile(CORE_WORKER, 'cjs').catch(() => undefined) : undefined]);
  if (built && 'file' in built) {
    loadPrespawned(built.file);
    noteBundle(CORE_WORKER, built.file);
  }
} catch (e) {
  if (process.env.SMPEMU_DEBUG_CACHE) process.stderr.write(`smpemu: bundle cache: ${e instanceof Error ? e.message : String(e)}\n`);
}
startupMark('bundles ready');
if (bundle) {
  runCommonJs(bundle.file);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
