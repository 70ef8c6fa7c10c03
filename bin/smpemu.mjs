#!/usr/bin/env node
// Launcher. Runs the CLI from its cached bundle (bin/bundle_cache.mjs: built on first use,
// rebuilt whenever a source file changes), so a run compiles no TypeScript; under tsx
// (file by file, as before) when the cache is off (SMPEMU_CACHE=0) or cannot be used.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleFile } from './bundle_cache.mjs';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

let bundle;
try {
  bundle = await bundleFile(MAIN, 'esm');
} catch (e) {
  if (process.env.SMPEMU_DEBUG_CACHE) process.stderr.write(`smpemu: bundle cache: ${e instanceof Error ? e.message : String(e)}\n`);
}
if (bundle) {
  await import(pathToFileURL(bundle.file).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
