// The launcher (bin/smpemu.cjs, the command, loads it; so does bin/smpemu.mjs). Runs the CLI from its cached CommonJS bundle
// (bin/bundle_cache.mjs: built on first use, rebuilt whenever a source file changes) with
// V8's code cache (bin/code_cache.cjs), so a run compiles no TypeScript and little
// JavaScript; under tsx (file by file, as before) when the cache is off (SMPEMU_CACHE=0) or
// cannot be used. For `run`, the core workers start first (bin/prespawn.cjs) and boot while
// the CLI loads.
//
// CommonJS, and only CommonJS modules on the way to the CLI when the cache is warm: each ES
// module node loads costs its loader far more (an asynchronous read, a builtin's ES facade).
// The cache's build side (bin/bundle_cache.mjs) is an ES module, loaded only to build.

'use strict';
// Node boots a worker in tens of milliseconds: they start before anything else is loaded, and
// are told the bundle's path once it is known.
const { guessThreads, loadPrespawned, noteBundle, prespawnBoot } = require('./prespawn.cjs');

/** Commands that start core workers: their bundle is made ready here, in this process (the pool could only build it in a child). */
const MACHINE_COMMANDS = new Set(['run', 'litmus', 'demo']);

const argv = process.argv.slice(2);
const enabled = require('./cache_enabled.cjs').cacheEnabled();
const machine = enabled && MACHINE_COMMANDS.has(argv[0]);
const threads = machine ? guessThreads(argv, require('node:os').availableParallelism()) : 0;
if (threads > 0) prespawnBoot(threads);

const { join } = require('node:path');
const { startupMark } = require('./startup_trace.cjs');
const { cacheDir, lookupBundle } = require('./bundle_lookup.cjs');

startupMark('launcher');

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'src/cli/main.ts');
const CORE_WORKER = join(ROOT, 'cores/worker.ts');

/** The bundle the launcher found for the core worker: the prespawned workers load it, the pool takes it. */
function useCoreBundle(file) {
  loadPrespawned(file);
  noteBundle(CORE_WORKER, file);
}

/**
 * The kind of run whose compiled functions the CLI's code cache keeps (bin/code_cache.cjs):
 * the command and the --memory and --boot given, so that a flat run's cache does not leave
 * every caches run compiling the caches' set-up. Coarse on purpose: each new kind rewrites
 * the cache once.
 */
function cliProfile(argv) {
  const command = /^[a-z][a-z-]*$/.test(argv[0] ?? '') ? argv[0] : 'other';
  const given = (flag) => {
    for (let i = 1; i < argv.length; i++) {
      if (argv[i] === flag) return argv[i + 1];
      if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
    }
    return undefined;
  };
  const word = (v) => (v !== undefined && /^[a-z0-9]{1,16}$/.test(v) ? v : '-');
  return `cli ${command} ${word(given('--memory'))} ${word(given('--boot'))}`;
}

async function launch() {
  startupMark(`prespawned ${threads}`);
  let main;
  try {
    const dir = enabled ? cacheDir() : undefined;
    // The two bundles share many inputs: each is looked at once.
    const tags = new Map();
    const worker = machine && dir ? lookupBundle(CORE_WORKER, 'cjs', dir, tags) : undefined;
    if (worker) useCoreBundle(worker);
    main = dir ? lookupBundle(MAIN, 'cjs', dir, tags) : undefined;
    if (dir && (!main || (machine && !worker))) {
      // A miss (the first run, or a source changed): build what is missing, both at once.
      const { bundleFile } = await import('./bundle_cache.mjs');
      const [cli, core] = await Promise.all([main ? undefined : bundleFile(MAIN, 'cjs'), machine && !worker ? bundleFile(CORE_WORKER, 'cjs').catch(() => undefined) : undefined]);
      if (cli) main = cli.file;
      if (core) useCoreBundle(core.file);
    }
  } catch (e) {
    main = undefined;
    if (process.env.SMPEMU_DEBUG_CACHE) process.stderr.write(`smpemu: bundle cache: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  startupMark('bundles ready');
  if (main) {
    require('./code_cache.cjs').runCommonJs(main, cliProfile(argv));
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('../src/cli/main.ts');
  }
}

void launch();
