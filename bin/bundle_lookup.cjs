// The bundle cache's lookup (bin/bundle_cache.mjs describes the cache): the cache directory,
// an entry's slot, and whether a stored bundle is still up to date with every input it was
// built from. Plain CommonJS, so the launcher (bin/launcher.cjs) checks the cache without
// loading ES modules; bundle_cache.mjs builds and stores, and re-exports this.

'use strict';
const { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { basename, join, resolve } = require('node:path');
const { cacheEnabled } = require('./cache_enabled.cjs');
const { partFile } = require('./code_cache.cjs');

/** Bumped whenever the build options or the plugin (bin/bundle_cache.mjs) change what a bundle contains. */
const FORMAT_VERSION = 7;


/** A file whose ctime is within this of the record is racy: always hashed, never trusted by its tag. */
const RACY_MS = 2000;

/** The cache directory, created if missing; undefined when it cannot be used safely. */
function cacheDir(env = process.env) {
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

/** FNV-1a over a string, two 32-bit lanes (a name for a path, not a content check). */
function nameHash(s) {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** The slot of an entry: what the bundle is of (entry, format, FORMAT_VERSION), not what it was built from. */
function slotOf(entry, format) {
  const abs = resolve(entry);
  return `${basename(abs).replace(/[^\w.-]/g, '_')}-${format}-v${FORMAT_VERSION}-${nameHash(abs)}`;
}

let cryptoModule;
/** SHA-256 of a file's bytes. node:crypto is loaded on first use: it costs milliseconds, and most lookups hash nothing. */
function contentHash(data) {
  cryptoModule ??= require('node:crypto');
  return cryptoModule.createHash('sha256').update(data).digest('hex');
}

/** The cache key of inputs given as { path, hash } records: their paths and content hashes, sorted by path. */
function contentKey(slot, records) {
  const lines = [...records].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((r) => `${r.path}\0${r.hash}\n`);
  return contentHash(`${slot}\n${lines.join('')}`).slice(0, 32);
}

/** The cache key of `files` as they are now (read and hashed). Throws if one cannot be read. */
function inputsKey(slot, files) {
  return contentKey(slot, [...new Set(files)].map((path) => ({ path, hash: contentHash(readFileSync(path)) })));
}

/**
 * What identifies a file's content without reading it: size, mtime, ctime (ms, to a fraction
 * of a microsecond), inode. Not BigInt nanoseconds: building and printing those costs a
 * lookup more than the stat calls themselves.
 */
function statTag(file) {
  const st = statSync(file);
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

/** A file's record: its tag and hash, taken so that the tag is of the hashed bytes; undefined if it changed meanwhile. */
function record(path, data) {
  const before = statTag(path);
  const bytes = data ?? readFileSync(path);
  const hash = contentHash(bytes);
  return statTag(path) === before ? { path, stat: before, hash } : undefined;
}

/** True if the tag can stand for the content: the same as recorded, and its ctime well before the record. */
function trusted(rec, tag, recordedAt) {
  if (tag !== rec.stat) return false;
  const from = tag.indexOf(':', tag.indexOf(':') + 1) + 1;
  return Number(tag.slice(from, tag.indexOf(':', from))) < recordedAt - RACY_MS;
}

function extension(format) {
  return format === 'cjs' ? '.cjs' : '.mjs';
}

function manifestPath(dir, slot) {
  return join(dir, `${slot}.json`);
}

/**
 * The path of an up-to-date cached bundle of `entry`, or undefined (a miss). Inputs whose
 * tags cannot be trusted are hashed; when they all turn out unchanged and are no longer
 * racy, the manifest is rewritten with their new tags, so the next lookup reads none.
 * `tags`, a Map the caller keeps across lookups made together (the launcher's two), holds
 * the tags already taken: files the bundles share are looked at once.
 */
function lookupBundle(entry, format, dir, tags) {
  const slot = slotOf(entry, format);
  let m;
  try {
    m = JSON.parse(readFileSync(manifestPath(dir, slot), 'utf8'));
    if (!Array.isArray(m.inputs) || m.inputs.length === 0 || typeof m.key !== 'string' || typeof m.recordedAt !== 'number') return undefined;
  } catch {
    return undefined;
  }
  let rehashed = false;
  try {
    for (const rec of m.inputs) {
      let tag = tags?.get(rec.path);
      if (tag === undefined) {
        tag = statTag(rec.path);
        tags?.set(rec.path, tag);
      }
      if (trusted(rec, tag, m.recordedAt)) continue;
      if (contentHash(readFileSync(rec.path)) !== rec.hash) return undefined;
      rehashed = true;
    }
  } catch {
    return undefined;
  }
  const file = join(dir, `${slot}-${m.key}${extension(format)}`);
  if (!existsSync(file)) return undefined;
  if (Array.isArray(m.parts) && m.parts.some((name) => !existsSync(partFile(file, name)))) return undefined;
  if (rehashed) refreshManifest(dir, slot, m);
  return file;
}

/** Records the current tags of inputs that still hash as recorded (best effort: a failure only costs hashing next time). */
function refreshManifest(dir, slot, m) {
  try {
    const now = Date.now();
    const inputs = m.inputs.map((rec) => record(rec.path));
    if (inputs.some((r, i) => r === undefined || r.hash !== m.inputs[i].hash)) return;
    writeAtomic(manifestPath(dir, slot), JSON.stringify({ ...m, recordedAt: now, inputs }) + '\n');
  } catch {
    // next lookup hashes again
  }
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


module.exports = { FORMAT_VERSION, RACY_MS, cacheDir, cacheEnabled, contentHash, contentKey, inputsKey, lookupBundle, record, slotOf, writeAtomic, extension, manifestPath, partFile };
