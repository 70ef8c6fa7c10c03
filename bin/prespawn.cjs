// Core workers started before the CLI is even loaded. A Node worker takes tens of
// milliseconds to boot its isolate and evaluate the core bundle; the launcher starts the
// workers a `run` will likely need at once, from the cached core bundle, so that time
// overlaps with loading the CLI, parsing the options and booting the machine. A
// prespawned worker waits for its WorkerInit in its first message (cores/worker.ts).
// The pool (src/machine/pool.ts) takes the ones it can use; the rest are ended.
//
// Plain CommonJS, like the launcher (bin/launcher.cjs; prespawn.mjs re-exports it for the
// TypeScript side). The list lives on globalThis: the CLI bundle holds its own copy of this
// module.

'use strict';
const { join } = require('node:path');
const { Worker } = require('node:worker_threads');

/** Marks a worker's workerData: wait for the init message. */
const PRESPAWNED = 'smpemu-prespawned';

/** @type {{ worker: Worker, file: string | undefined, dead: boolean }[]} */
const idle = (globalThis[Symbol.for('smpemu.prespawned')] ??= []);

/** @type {Map<string, string>} entry module path -> the bundle file the launcher found up to date for it. */
const noted = (globalThis[Symbol.for('smpemu.launcherBundles')] ??= new Map());

/**
 * The launcher looked up (or built) `file`, the CommonJS bundle of `entry`, a moment ago: the
 * pool uses it without checking every input again (a stat per source file).
 */
function noteBundle(entry, file) {
  noted.set(entry, file);
}

/** The bundle file the launcher noted for `entry`, or undefined. */
function notedBundle(entry) {
  return noted.get(entry);
}

/** The entry of a worker started from a bundle file: it runs the bundle with V8's code cache (bundles get this directory's path for __dirname: bin/bundle_cache.mjs). */
const WORKER_BOOT = join(__dirname, 'worker_boot.cjs');

/**
 * The worker's own stdout and stderr are not piped into the process's: piping makes
 * process.stdout and process.stderr at once, milliseconds of the main thread's start
 * (src/machine/host_output.ts). Workers talk by messages; whoever takes one forwards what it
 * may print itself (src/machine/spawn.ts).
 */
const STDIO = { stdout: true, stderr: true };

/**
 * What a bundle worker takes of the process's node options: its preloads (--require), source
 * maps and the profilers' options (--cpu-prof, --heap-prof and their settings). Left to inherit
 * them all, a worker of a process run under tsx (the bench, the tests) would start the ES module
 * loader and tsx's hooks for its entry (--import), though a bundle requires only built-in modules
 * and absolute paths, which no hook sees: tens of milliseconds of each worker's start, and the
 * background compiles of that start (the loader's CommonJS export lexer) still ran in the run's
 * first milliseconds. V8's flags are the process's already (a worker may not be given them).
 */
const KEEP = /^(--require|-r|--enable-source-maps|--(cpu|heap)-prof(-dir|-name|-interval)?|--diagnostic-dir)(=|$)/;
const WITH_VALUE = /^(--require|-r|--(cpu|heap)-prof-(dir|name|interval)|--diagnostic-dir)$/;
const BUNDLE_EXEC_ARGV = process.execArgv.filter((a, i, all) => KEEP.test(a) || (i > 0 && WITH_VALUE.test(all[i - 1])));

/** Starts a worker running the bundle at `file` (through WORKER_BOOT). */
function bundleWorker(file, options) {
  return new Worker(WORKER_BOOT, { execArgv: BUNDLE_EXEC_ARGV, ...options, ...STDIO, argv: [file] });
}

/** Starts `count` idle workers running the bundle at `file`. */
function prespawn(file, count) {
  for (let i = 0; i < count; i++) track(bundleWorker(file, { workerData: PRESPAWNED, name: 'smpemu-worker-prespawned' }), file);
}

/**
 * Starts `count` idle workers that boot Node (the larger part of a worker's start) while the
 * launcher still looks for the core bundle; loadPrespawned gives them the bundle's path.
 */
function prespawnBoot(count) {
  for (let i = 0; i < count; i++) track(new Worker(WORKER_BOOT, { execArgv: BUNDLE_EXEC_ARGV, workerData: PRESPAWNED, name: 'smpemu-worker-prespawned', ...STDIO }), undefined);
}

/** The booted workers start the bundle at `file`. */
function loadPrespawned(file) {
  for (const e of idle) {
    if (e.file !== undefined || e.dead) continue;
    e.file = file;
    e.worker.postMessage({ t: 'bundle', file });
  }
}

/**
 * The run will boot Linux: the idle workers running the core bundle load the Linux kernel
 * (cores/linux_parts.ts, a part of the bundle of its own) now, while the main thread boots
 * the machine, rather than once they have their init (cores/worker.ts).
 */
function preloadLinux() {
  for (const e of idle) if (e.file !== undefined && !e.dead) e.worker.postMessage({ t: 'linux' });
}

function track(worker, file) {
  const entry = { worker, file, dead: false };
  // A worker that fails before it is taken is skipped (and its error not left unhandled).
  worker.on('error', () => {
    entry.dead = true;
  });
  worker.on('exit', () => {
    entry.dead = true;
  });
  // Idle, it must not keep the process alive; the pool refs the ones it takes.
  worker.unref();
  idle.push(entry);
}

/** An idle, live worker running the bundle at `file`, or undefined. The caller refs it and sends it its init. */
function takePrespawned(file) {
  for (let i = 0; i < idle.length; i++) {
    const e = idle[i];
    if (e.dead || e.file !== file) continue;
    idle.splice(i, 1);
    e.worker.removeAllListeners('error');
    e.worker.removeAllListeners('exit');
    e.worker.ref();
    return e.worker;
  }
  return undefined;
}

/** Ends every worker nobody took. */
function dropPrespawned() {
  for (const e of idle.splice(0)) void e.worker.terminate();
}

/** How many idle workers wait (for tests). */
function prespawnedCount() {
  return idle.filter((e) => !e.dead).length;
}

/**
 * The worker threads `smpemu run ARGS` will probably use, read off the command line as the
 * CLI's defaults would settle it (one per core, at most one per host CPU); 0 when unsure
 * (not `run`, a config file, help). A wrong guess costs a thread started for nothing or
 * one started late, never a wrong run: the pool checks what it takes.
 */
function guessThreads(argv, hostCpus) {
  if (argv[0] !== 'run') return 0;
  let cores = 4;
  let threads;
  let boot = 'auto';
  let mainThread = true;
  let program;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--config' || flag === '-h' || flag === '--help') return 0;
    else if (flag === '-c' || flag === '--cores') cores = Number(value());
    else if (flag === '-t' || flag === '--threads') threads = Number(value());
    else if (flag === '--deterministic') threads = 1;
    else if (flag === '--boot') boot = value();
    else if (flag === '--no-main-thread-start') mainThread = false;
    else if (program === undefined && !a.startsWith('-')) program = a;
  }
  // A bare-metal run starts on the main thread (src/machine/main_thread.ts), and a short one
  // ends there: workers booting meanwhile would take the host CPUs it runs on.
  if (mainThread && boot !== 'linux' && (boot === 'spmd' || (program !== undefined && !looksLinux(program)))) return 0;
  const n = threads ?? Math.min(cores, hostCpus);
  return Number.isSafeInteger(n) && n >= 1 && n <= 64 ? n : 0;
}

/**
 * Whether the ELF at `file` looks built for Linux, from its program headers in its first 4 KiB:
 * a note (the GNU ABI tag), TLS, an interpreter or dynamic section, as src/loader/elf_kind.ts
 * decides more exactly; true when unsure (unreadable, not ELF64, headers further on).
 */
function looksLinux(file) {
  const { closeSync, openSync, readSync } = require('node:fs');
  const b = Buffer.alloc(4096);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, b, 0, b.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return true;
  }
  if (n < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return true;
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  if (phentsize < 4 || phoff + phnum * phentsize > n) return true;
  for (let i = 0; i < phnum; i++) {
    const type = b.readUInt32LE(phoff + i * phentsize);
    if (type === 2 || type === 3 || type === 4 || type === 7) return true; // PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_TLS
  }
  return false;
}

module.exports = { PRESPAWNED, WORKER_BOOT, bundleWorker, dropPrespawned, guessThreads, loadPrespawned, noteBundle, notedBundle, preloadLinux, prespawn, prespawnBoot, prespawnedCount, takePrespawned };
