#!/usr/bin/env node
// Launcher. Runs the CLI from its cached CommonJS bundle (bin/bundle_cache.mjs: built on
// first use, rebuilt whenever a source file changes) with V8's code cache
// (bin/code_cache.mjs), so a run compiles no TypeScript and little JavaScript; under tsx
// (file by file, as before) when the cache is off (SMPEMU_CACHE=0) or cannot be used.
// For `run`, the core workers start first (bin/prespawn.mjs), while the CLI loads.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { bundleFile, cacheDir, cacheEnabled, lookupBundle } from './bundle_cache.mjs';
import { runCommonJs } from './code_cache.mjs';
import { guessThreads, prespawn } from './prespawn.mjs';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const CORE_WORKER = fileURLToPath(new URL('../cores/worker.ts', import.meta.url));

let bundle;
try {
  const threads = cacheEnabled() ? guessThreads(process.argv.slice(2), availableParallelism()) : 0;
  const dir = threads > 0 ? cacheDir() : undefined;
  const worker = dir && lookupBundle(CORE_WORKER, 'cjs', dir);
  if (worker) prespawn(worker, threads);
  bundle = await bundleFile(MAIN, 'cjs');
} catch (e) {
  if (process.env.SMPEMU_DEBUG_CACHE) process.stderr.write(`smpemu: bundle cache: ${e instanceof Error ? e.message : String(e)}\n`);
}
if (bundle) {
  runCommonJs(bundle.file);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
