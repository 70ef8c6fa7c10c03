// The bundle cache: a TypeScript entry module and everything it imports, bundled by
// esbuild into one JavaScript file that node loads directly, so a run compiles no
// TypeScript. Built on first use, then reused for as long as none of its inputs changes.
//
// Never stale. An entry's slot (its path, the output format and FORMAT_VERSION) keeps a
// manifest: the files its last build read (every module; the project's package.json,
// package-lock.json and tsconfig.json; the package files it links to; this file). A lookup hashes
// those files' contents into the key, and a bundle is stored under the key it was built
// from, so it is served only while every input is byte for byte what was compiled. To
// import a new file, an input must change; a missing input is a miss.
//
// Safe when processes race: every file is written under a unique temporary name and
// renamed into place, so a reader sees a whole file or none; two builders of one key
// write the same bytes. A build during which an input changed is used but not stored.
//
// Plain JavaScript, since the launcher (bin/smpemu.mjs) needs it before anything can
// compile TypeScript. SMPEMU_CACHE=0 turns it off; SMPEMU_CACHE_DIR moves it (default
// <tmpdir>/smpemu-cache-<uid>, created 0700 and used only if owned by this user).

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bumped whenever the build options or the plugin change what a bundle contains. */
export const FORMAT_VERSION = 2;

/** This module, and the project root (it lives in <root>/bin). */
const SELF = fileURLToPath(import.meta.url);
export const PROJECT_ROOT = resolve(dirname(SELF), '..');

/** Files every bundle depends on beyond its modules: how packages and TypeScript resolve, and how bundles are built. */
const PROJECT_INPUTS = [...['package.json', 'package-lock.json', 'tsconfig.json'].map((f) => join(PROJECT_ROOT, f)), SELF];

/** Bundles older than this, of an entry rebuilt since, are deleted. */
const PRUNE_AGE_MS = 24 * 3600 * 1000;

/** A build is stored only if no input was modified within this long of its start (coarse mtimes). */
const MTIME_SLACK_MS = 2000;

/** False when SMPEMU_CACHE=0 (or off/false/no). */
export function cacheEnabled(env = process.env) {
  const v = (env.SMPEMU_CACHE ?? '').toLowerCase();
  return !(v === '0' || v === 'off' || v === 'false' || v === 'no');
}

/** The cache directory, created if missing; undefined when it cannot be used safely. */
export function cacheDir(env = process.env) {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const dir = env.SMPEMU_CACHE_DIR || join(tmpdir(), `smpemu-cache-${uid ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    // In a shared tmp another user could plant bundles: only our own, private directory.
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** The slot of an entry: what the bundle is of, independent of the inputs' contents. */
export function slotOf(entry, format) {
  return createHash('sha256').update(JSON.stringify({ v: FORMAT_VERSION, entry: resolve(entry), format })).digest('hex').slice(0, 20);
}

/**
 * The cache key: a hash of the slot and of every input's path and content (sorted by
 * path). Throws if an input cannot be read.
 */
export function inputsKey(slot, files) {
  const h = createHash('sha256');
  h.update(`${slot}\0`);
  for (const f of [...new Set(files)].sort()) {
    const data = readFileSync(f);
    h.update(`${f}\0${data.length}\0`);
    h.update(data);
  }
  return h.digest('hex').slice(0, 32);
}

function extension(format) {
  return format === 'cjs' ? '.cjs' : '.mjs';
}

/** The path of an up-to-date cached bundle of `entry`, or undefined (a miss). */
export function lookupBundle(entry, format, dir) {
  const slot = slotOf(entry, format);
  let inputs;
  try {
    const m = JSON.parse(readFileSync(join(dir, `${slot}.json`), 'utf8'));
    inputs = m.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) return undefined;
  } catch {
    return undefined;
  }
  let key;
  try {
    key = inputsKey(slot, inputs);
  } catch {
    return undefined;
  }
  const file = join(dir, `${slot}-${key}${extension(format)}`);
  return existsSync(file) ? file : undefined;
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  try {
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}

/** True when some input was modified at or after `since` (ms): the build may have read a half-edited tree. */
function changedSince(inputs, since) {
  for (const f of inputs) {
    try {
      if (statSync(f).mtimeMs >= since - MTIME_SLACK_MS) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** Stores a bundle built from `inputs` and returns its path; undefined if it cannot be stored. */
function storeBundle(entry, format, dir, inputs, code, buildStart) {
  const slot = slotOf(entry, format);
  const all = [...new Set([...inputs, ...PROJECT_INPUTS.filter((f) => existsSync(f))])].sort();
  if (changedSince(all, buildStart)) return undefined;
  let key;
  try {
    key = inputsKey(slot, all);
  } catch {
    return undefined;
  }
  const name = `${slot}-${key}${extension(format)}`;
  const file = join(dir, name);
  try {
    writeAtomic(file, code);
    writeAtomic(join(dir, `${slot}.json`), JSON.stringify({ entry: resolve(entry), format, inputs: all }) + '\n');
  } catch {
    return undefined;
  }
  prune(dir, slot, name);
  return file;
}

/** Deletes this slot's old bundles (and abandoned temp files) older than a day. */
function prune(dir, slot, keep) {
  const now = Date.now();
  try {
    for (const f of readdirSync(dir)) {
      if (!f.startsWith(`${slot}-`) || f === keep) continue;
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

/** A package as an import from the project resolves it (vitest's module runner lacks import.meta.resolve). */
function resolvePackage(spec) {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve(spec);
  return pathToFileURL(createRequire(SELF).resolve(spec)).href;
}

let esbuildModule;
function esbuild() {
  esbuildModule ??= createRequire(import.meta.url)('esbuild');
  return esbuildModule;
}

/** The metafile's inputs as absolute paths (esbuild gives them relative to its working directory). */
function metaInputs(meta, workingDir) {
  return Object.keys(meta.inputs)
    .filter((p) => !p.includes(':'))
    .map((p) => resolve(workingDir, p));
}

/**
 * The build with the plugin, for bundles loaded from the cache directory:
 * - `import.meta.url` is replaced, file by file, by that file's own URL, so URLs relative
 *   to a source file (the worker module, package.json, workloads) still point into the tree;
 * - packages stay external, imported by absolute URL as node resolves them for an import
 *   from the project (the cache directory has no node_modules); so does this module, which
 *   must resolve from where it lives and is the launcher's own instance. They are inputs too.
 */
async function buildWithPlugin(entry, format) {
  const external = new Set([SELF]);
  const plugin = {
    name: 'smpemu-bundle-cache',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const url = resolvePackage(args.path);
        external.add(fileURLToPath(url));
        return { path: url, external: true };
      });
      b.onResolve({ filter: /bundle_cache\.mjs$/ }, (args) => {
        const file = resolve(args.resolveDir, args.path);
        if (file !== SELF) return undefined;
        return { path: pathToFileURL(SELF).href, external: true };
      });
      b.onLoad({ filter: /\.(ts|mts|mjs|js)$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8').replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href));
        return { contents: text, loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js', resolveDir: dirname(args.path) };
      });
    },
  };
  const r = await esbuild().build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [plugin],
  });
  return { code: r.outputFiles[0].text, inputs: [...metaInputs(r.metafile, process.cwd()), ...external] };
}

/**
 * The build without plugins (esbuild's synchronous API has none): fine for an entry that
 * neither uses import.meta.url nor imports packages it cannot bundle, i.e. the core worker.
 * Throws when the bundle would be wrong (a warning, such as an empty import.meta in CommonJS).
 */
function buildPlain(entry, format) {
  const r = esbuild().buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  if (r.warnings.length > 0) throw new Error(`bundling ${entry}: ${r.warnings[0].text}`);
  return { code: r.outputFiles[0].text, inputs: metaInputs(r.metafile, process.cwd()) };
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
  const start = Date.now();
  const { code, inputs } = await buildWithPlugin(entry, format);
  const file = storeBundle(entry, format, dir, inputs, code, start);
  if (file) return { file, built: true };
  // Not storable (an input changed during the build): still a correct bundle of what was read.
  const once = join(dir, `${slotOf(entry, format)}-unstored-${process.pid}-${Math.random().toString(36).slice(2)}${extension(format)}`);
  writeAtomic(once, code);
  process.once('exit', () => {
    try {
      unlinkSync(once);
    } catch {
      // pruned already
    }
  });
  return { file: once, built: true };
}

/**
 * The synchronous form, for the core worker (spawned from synchronous code): the cached
 * bundle's path, or a plain build stored in the cache. Returns { file } for a cached
 * bundle, { code } for one that could not be stored, undefined when the cache is off.
 * Throws if the entry cannot be bundled without the plugin.
 */
export function bundleSync(entry, format = 'cjs', env = process.env) {
  const dir = cacheEnabled(env) ? cacheDir(env) : undefined;
  if (dir !== undefined) {
    const hit = lookupBundle(entry, format, dir);
    if (hit) return { file: hit, built: false };
  }
  const start = Date.now();
  const { code, inputs } = buildPlain(entry, format);
  const file = dir === undefined ? undefined : storeBundle(entry, format, dir, inputs, code, start);
  return file ? { file, built: true } : { code, built: true };
}
