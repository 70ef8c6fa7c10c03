// The bundle cache: a TypeScript entry module and everything it imports, bundled by
// esbuild into one JavaScript file that node loads directly, so a run compiles no
// TypeScript. Built on first use, then reused for as long as none of its inputs changes.
//
// Never stale. An entry's slot (its path, the output format and FORMAT_VERSION) keeps a
// manifest: every file the build read (the modules and bundled package files, each hashed
// as it was compiled; the project's package.json, package-lock.json and tsconfig.json;
// the runtime packages' entry files; this file) and the key, a hash of all their
// contents. A bundle is stored under its key, and a lookup serves it only if every input
// still has the content recorded. Reading and hashing ~100 files costs milliseconds, so a
// lookup trusts a file whose stat tag (size, mtime, ctime, inode) is the one recorded:
// any write moves ctime, which no program can set back. A file written shortly before the
// record ("racy", as git calls it: a second write within the clock's tick would leave the
// tag unchanged) is always hashed. To import a new file an input must change; a missing
// input is a miss.
//
// Safe when processes race: every file is written under a unique temporary name and
// renamed into place, so a reader sees a whole file or none; two builders of one key
// write the same bytes. A build during which an input changed is used but not stored.
//
// Plain JavaScript, since the launcher (bin/smpemu.mjs) needs it before anything can
// compile TypeScript. SMPEMU_CACHE=0 turns it off; SMPEMU_CACHE_DIR moves it (default
// <tmpdir>/smpemu-cache-<uid>, created 0700 and used only if owned by this user).
// `node bin/bundle_cache.mjs ENTRY [esm|cjs]` builds (or finds) one bundle and prints its path.

import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheDir, cacheEnabled, contentKey, extension, lookupBundle, manifestPath, partFile, record, slotOf, writeAtomic } from './bundle_lookup.cjs';
import { PART_PREFIX, SHARED_MODULES } from './code_cache.cjs';

export { FORMAT_VERSION, RACY_MS, cacheDir, cacheEnabled, contentKey, inputsKey, lookupBundle, slotOf } from './bundle_lookup.cjs';

/** This module, and the project root (it lives in <root>/bin). */
const SELF = fileURLToPath(import.meta.url);
const BIN = dirname(SELF);
export const PROJECT_ROOT = resolve(BIN, '..');

/** Files every bundle depends on beyond its modules: how packages and TypeScript resolve, and how bundles are built. */
const PROJECT_INPUTS = [...['package.json', 'package-lock.json', 'tsconfig.json'].map((f) => join(PROJECT_ROOT, f)), SELF, join(BIN, 'bundle_lookup.cjs')];

/**
 * Packages left out of bundles (imported from node_modules at run time) because they find
 * files next to themselves when they run: esbuild its binary, piscina its worker script.
 * Every other package is bundled in, its files inputs like the project's own.
 */
const RUNTIME_PACKAGES = new Set(['esbuild', 'piscina']);

/**
 * A module NAME_parts.ts that a CommonJS bundle imports lazily (`import()`) is built as a
 * bundle of its own, the bundle's part NAME: the Linux kernel (cores/linux_parts.ts), most of
 * the core workers' code, which only --boot linux runs load. A part is stored beside its
 * bundle (partFile) and loaded by bin/code_cache.cjs when the bundle imports it; it shares the
 * bundle's instance of every module both import (sharedWith).
 */
const PART = /([a-z0-9]+)_parts\.[cm]?[jt]s$/;

/** Bundles older than this, of an entry rebuilt since, are deleted. */
const PRUNE_AGE_MS = 24 * 3600 * 1000;

/** Deletes this slot's old bundles (and abandoned temp files) older than a day. */
function prune(dir, slot, keep) {
  const now = Date.now();
  // The bundle kept, its parts and its code caches.
  const kept = keep.slice(0, keep.lastIndexOf('.'));
  try {
    for (const f of readdirSync(dir)) {
      if (!f.startsWith(`${slot}-`) || f.startsWith(`${kept}.`)) continue;
      const p = join(dir, f);
      try {
        if (now - statSync(p).mtimeMs > PRUNE_AGE_MS) unlinkSync(p);
      } catch {
        // raced with another pruner
      }
    }
  } catch {
    // the directory went away: nothing to prune
  }
}

/**
 * The file a package resolves to for an import (esm) or a require (cjs) from the project.
 * vitest's module runner lacks import.meta.resolve: require's resolution there.
 */
function resolvePackage(spec, format) {
  if (format === 'esm' && typeof import.meta.resolve === 'function') return fileURLToPath(import.meta.resolve(spec));
  return createRequire(SELF).resolve(spec);
}

/** 'a/b' -> 'a', '@s/a/b' -> '@s/a'. */
function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

let esbuildModule;
function esbuild() {
  esbuildModule ??= createRequire(import.meta.url)('esbuild');
  return esbuildModule;
}

/**
 * A bundled package's top-level `require('node:child_process')` (commander's, for external
 * subcommands smpemu has none of) becomes an object that requires it on first use:
 * node:child_process loads node:net and node:dgram, milliseconds of every start.
 */
function lazyChildProcess(text) {
  return text.replace(/\brequire\((['"])(?:node:)?child_process\1\)/g, "new Proxy({}, { get: (_t, k) => require('node:child_process')[k] })");
}

/** Gives an ES module bundle `require` for the built-in modules that bundled CommonJS packages require. Spelt so the plugin's import.meta.url rewrite leaves it alone when this file is bundled. */
const REQUIRE_BANNER = `import { createRequire as __smpemuCreateRequire } from 'node:module'; const require = __smpemuCreateRequire(${'import'}.meta.url);`;

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/**
 * Builds `entry` with the plugin, for bundles loaded from the cache directory:
 * - every module is read by the plugin, which records its tag and the hash of the very
 *   bytes compiled;
 * - `import.meta.url` is replaced, file by file, by that file's own URL, so URLs relative
 *   to a source file (the worker module, package.json, workloads) still point into the tree;
 *   so is `__dirname` in the launcher's CommonJS modules (bin/*.cjs) by bin's path;
 * - the RUNTIME_PACKAGES stay external, imported by absolute URL as node resolves them for
 *   an import from the project (the cache directory has no node_modules);
 * - so do the launcher's modules (bin/*.mjs, this one included) in an ES module bundle: it
 *   shares the launcher's instances (the prespawned workers' list), and this module must
 *   resolve packages from where it lives.
 * - a CommonJS bundle's parts (PART) are bundles of their own (sharedWith, registry).
 * Returns the code, its parts ({ name, code }) and the input records (undefined among them: a
 * file changed while read).
 */
async function build(entry, format) {
  const records = new Map();
  /** Parts the build met, by their path. */
  const parts = new Map();
  const plugin = {
    name: 'smpemu-bundle-cache',
    setup(b) {
      // ES modules import externals by URL; CommonJS requires them by path.
      const external = (file) => {
        records.set(file, undefined);
        return { path: format === 'esm' ? pathToFileURL(file).href : file, external: true };
      };
      // A part, imported lazily: required at run time by its name (bin/code_cache.cjs loads it).
      b.onResolve({ filter: /^\./ }, (args) => {
        if (format !== 'cjs' || args.kind !== 'dynamic-import') return undefined;
        const file = resolve(args.resolveDir, args.path);
        const name = PART.exec(file)?.[1];
        if (name === undefined) return undefined;
        if ([...parts].some(([f, n]) => n === name && f !== file)) throw new Error(`two parts named ${name}: ${file} and another`);
        parts.set(file, name);
        return { path: `${PART_PREFIX}${name}`, external: true };
      });
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        if (!RUNTIME_PACKAGES.has(packageName(args.path))) return undefined;
        return external(resolvePackage(args.path, format));
      });
      // Node 20 cannot require() an ES module: a CommonJS bundle has its own copy.
      b.onResolve({ filter: /\.mjs$/ }, (args) => {
        const file = resolve(args.resolveDir, args.path);
        return format === 'esm' && dirname(file) === BIN ? external(file) : undefined;
      });
      b.onLoad({ filter: /\.([cm]?[jt]s|json)$/ }, (args) => {
        const bytes = readFileSync(args.path);
        const rec = record(args.path, bytes);
        records.set(args.path, rec ?? null);
        let text = bytes.toString('utf8').replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href));
        // The launcher's CommonJS modules find files beside themselves (bin/prespawn.cjs: worker_boot.cjs).
        if (dirname(args.path) === BIN && args.path.endsWith('.cjs')) text = text.replace(/\b__dirname\b/g, JSON.stringify(BIN));
        if (args.path.includes(`${sep}node_modules${sep}`)) text = lazyChildProcess(text);
        const ext = args.path.slice(args.path.lastIndexOf('.'));
        return { contents: text, loader: LOADERS[ext], resolveDir: dirname(args.path) };
      });
    },
  };
  const options = {
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // No comments or layout: a smaller file to read and hold (ASCII, so bin/code_cache.cjs reads it as Latin-1).
    minifyWhitespace: true,
    plugins: [plugin],
    banner: format === 'esm' ? { js: REQUIRE_BANNER } : undefined,
    // A CommonJS bundle may run as a vm.Script (bin/code_cache.mjs), which has no import():
    // esbuild turns import() into require().
    supported: format === 'cjs' ? { 'dynamic-import': false } : undefined,
  };
  const metafiles = [];
  let r = await esbuild().build({ ...options, entryPoints: [entry] });
  metafiles.push(r.metafile);
  const built = [];
  if (parts.size > 0) {
    const own = new Set(Object.keys(r.metafile.inputs).filter((p) => !p.includes(':')).map((p) => resolve(p)));
    const shared = new Set();
    for (const [file, name] of parts) {
      const p = await esbuild().build({ ...options, entryPoints: [file], plugins: [sharedWith(own, shared), plugin] });
      metafiles.push(p.metafile);
      built.push({ name, code: p.outputFiles[0].text });
    }
    // Again, now registering the modules the parts take from it.
    if (shared.size > 0) {
      r = await esbuild().build({ ...options, stdin: registry(entry, shared), plugins: [plugin] });
      metafiles.push(r.metafile);
    }
  }
  // Inputs the plugin did not read itself (external files, project files, any other loader's).
  const others = [...metafiles.flatMap((m) => Object.keys(m.inputs)).filter((p) => !p.includes(':')).map((p) => resolve(p)), ...PROJECT_INPUTS.filter((f) => existsSync(f))];
  for (const f of others) if (!records.has(f)) records.set(f, undefined);
  const inputs = [];
  for (const [path, rec] of records) inputs.push(rec === undefined ? record(path) : rec);
  return { code: r.outputFiles[0].text, parts: built, inputs };
}

/**
 * True if a module's exports may change after it is evaluated (`export let`, or `export *`,
 * whose names a one-file build does not know): a part reads those through the live namespace.
 */
function liveExports(file) {
  return /\bexport\s+(let|var)\b|\bexport\s*\*/.test(readFileSync(file, 'utf8'));
}

/** The names a module exports (types aside), from a build of that file alone. */
async function exportNames(file) {
  const r = await esbuild().build({ entryPoints: [file], bundle: false, format: 'esm', write: false, metafile: true, logLevel: 'silent' });
  return Object.values(r.metafile.outputs)[0].exports;
}

/**
 * A part is built on its own, but a module it imports that its bundle holds too (`own`) is not
 * copied in: the part takes the bundle's instance (one class for instanceof, one state), which
 * the bundle registers under the module's path (globalThis[SHARED_MODULES], see registry), as
 * constants of the part (bound once, no getter per use) unless its exports are live.
 * Those modules are added to `shared`.
 */
function sharedWith(own, shared) {
  const SKIP = Symbol('own resolution');
  const LIVE = '.shared.cjs';
  const CONSTANTS = '.shared.mjs';
  return {
    name: 'smpemu-shared-modules',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === SKIP || isBuiltin(args.path)) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: SKIP });
        if (r.errors.length > 0 || r.external || !own.has(r.path)) return undefined;
        shared.add(r.path);
        // The suffix sets the stand-in's module kind (esbuild goes by the extension): CommonJS for a live namespace, else ESM.
        return { path: `${r.path}${liveExports(r.path) ? LIVE : CONSTANTS}`, namespace: 'smpemu-shared' };
      });
      b.onLoad({ filter: /.*/, namespace: 'smpemu-shared' }, async (args) => {
        const live = args.path.endsWith(LIVE);
        const file = args.path.slice(0, -(live ? LIVE : CONSTANTS).length);
        const m = `globalThis[Symbol.for(${JSON.stringify(SHARED_MODULES)})][${JSON.stringify(file)}]`;
        if (live) return { contents: `module.exports = ${m};`, loader: 'js' };
        const names = (await exportNames(file)).filter((n) => n !== 'default');
        const lines = [`const m = ${m};`];
        if (names.length > 0) lines.push(`export const ${names.map((n) => `${n} = m.${n}`).join(', ')};`);
        lines.push('export default m.default;');
        return { contents: lines.join('\n'), loader: 'js' };
      });
    },
  };
}

/**
 * The entry of a bundle whose parts share modules with it: the entry itself (its exports), then each shared
 * module's exports registered under its path: a copy of its namespace, or the live namespace
 * (liveExports).
 */
function registry(entry, shared) {
  const paths = [...shared];
  const lines = [`export * from ${JSON.stringify(entry)};`];
  paths.forEach((p, i) => lines.push(`import * as m${i} from ${JSON.stringify(p)};`));
  lines.push(`globalThis[Symbol.for(${JSON.stringify(SHARED_MODULES)})] = {`);
  paths.forEach((p, i) => lines.push(`  ${JSON.stringify(p)}: ${liveExports(p) ? `m${i}` : `{ ...m${i} }`},`));
  lines.push('};');
  return { contents: lines.join('\n'), resolveDir: dirname(entry), sourcefile: `smpemu-registry:${entry}`, loader: 'js' };
}

/** Stores a built bundle (its parts first) and returns its path; undefined if it cannot be stored (an input changed during the build). */
function store(entry, format, dir, code, parts, inputs) {
  if (inputs.some((r) => !r)) return undefined;
  const slot = slotOf(entry, format);
  const key = contentKey(slot, inputs);
  const name = `${slot}-${key}${extension(format)}`;
  const file = join(dir, name);
  try {
    for (const p of parts) if (!existsSync(partFile(file, p.name))) writeAtomic(partFile(file, p.name), p.code);
    if (!existsSync(file)) writeAtomic(file, code);
    const manifest = { entry: resolve(entry), format, key, recordedAt: Date.now(), inputs, parts: parts.map((p) => p.name) };
    writeAtomic(manifestPath(dir, slot), JSON.stringify(manifest) + '\n');
  } catch {
    return undefined;
  }
  prune(dir, slot, name);
  return file;
}

/**
 * An up-to-date bundle of `entry` (absolute path to a .ts module) for loading from a file:
 * the cached one, or a new build, stored. Returns { file, built } or, when the cache is off
 * or unusable, undefined (callers fall back to tsx). Build errors are thrown.
 */
export async function bundleFile(entry, format = 'esm', env = process.env) {
  if (!cacheEnabled(env)) return undefined;
  const dir = cacheDir(env);
  if (dir === undefined) return undefined;
  const hit = lookupBundle(entry, format, dir);
  if (hit) return { file: hit, built: false };
  const { code, parts, inputs } = await build(entry, format);
  const file = store(entry, format, dir, code, parts, inputs);
  if (file) return { file, built: true };
  // Not storable: still a correct bundle of what was read, for this process only.
  const once = join(dir, `${slotOf(entry, format)}-unstored-${process.pid}-${Math.random().toString(36).slice(2)}${extension(format)}`);
  const written = [...parts.map((p) => [partFile(once, p.name), p.code]), [once, code]];
  for (const [f, text] of written) writeAtomic(f, text);
  process.once('exit', () => {
    for (const [f] of written) {
      try {
        unlinkSync(f);
      } catch {
        // pruned already
      }
    }
  });
  return { file: once, built: true };
}

/**
 * The synchronous form, for workers spawned from synchronous code: the cached bundle's
 * path, or one built by a child process (`node bin/bundle_cache.mjs`, since esbuild's
 * plugins need its asynchronous API). With the cache off, or if that fails: the code of a
 * plain build, once per call (no plugin: an entry using import.meta.url is refused).
 */
export function bundleSync(entry, format = 'cjs', env = process.env) {
  const dir = cacheEnabled(env) ? cacheDir(env) : undefined;
  if (dir !== undefined) {
    const hit = lookupBundle(entry, format, dir);
    if (hit) return { file: hit, built: false };
    try {
      // node:child_process loaded here only: most runs never build.
      const { execFileSync } = createRequire(import.meta.url)('node:child_process');
      const out = execFileSync(process.execPath, [SELF, entry, format], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const file = out.trim();
      if (file && existsSync(file) && !file.includes('-unstored-')) return { file, built: true };
    } catch {
      // fall through to an in-memory build
    }
  }
  const r = esbuild().buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format, target: 'node20', write: false, logLevel: 'silent' });
  if (r.warnings.length > 0) throw new Error(`bundling ${entry}: ${r.warnings[0].text}`);
  return { code: r.outputFiles[0].text, built: true };
}

/** `node bin/bundle_cache.mjs ENTRY [esm|cjs]`: prints the bundle's path (exit 1: cache off). */
async function cli(args) {
  const [entry, format = 'esm'] = args;
  if (!entry || (format !== 'esm' && format !== 'cjs')) {
    process.stderr.write('usage: node bin/bundle_cache.mjs ENTRY.ts [esm|cjs]\n');
    return 2;
  }
  const b = await bundleFile(resolve(entry), format);
  if (!b) {
    process.stderr.write('bundle cache: off (SMPEMU_CACHE=0) or no usable cache directory\n');
    return 1;
  }
  process.stdout.write(`${b.file}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === SELF) {
  cli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`bundle cache: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
