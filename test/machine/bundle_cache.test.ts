// The bundle cache (bin/bundle_cache.mjs) never serves stale code: the key is a hash of
// every input's content, so any edit is a miss. Each test builds small modules in its own
// temp directory with its own cache directory; nothing in the tree changes.

import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleFile, bundleSync, cacheDir, inputsKey, lookupBundle, slotOf } from '../../bin/bundle_cache.mjs';
import { partFile, runCommonJs } from '../../bin/code_cache.mjs';

let dir: string;
let cache: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smpemu-bc-test-'));
  cache = join(dir, 'cache');
  env = { SMPEMU_CACHE_DIR: cache };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function put(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** The `value` export of a built ES module bundle (a fresh URL, so never node's module cache). */
async function valueOf(file: string): Promise<unknown> {
  const m = (await import(`${pathToFileURL(file).href}?t=${Math.random()}`)) as { value: unknown };
  return m.value;
}

describe('inputsKey', () => {
  it('changes when any input changes content, even with the same size and mtime', () => {
    const a = put('a.ts', 'export const a = 1;\n');
    const b = put('b.ts', 'export const b = 2;\n');
    const k = inputsKey('slot', [a, b]);
    expect(inputsKey('slot', [b, a])).toBe(k); // order does not matter
    const st = statSync(b);
    writeFileSync(b, 'export const b = 3;\n');
    utimesSync(b, st.atime, st.mtime);
    expect(statSync(b).size).toBe(st.size);
    const k2 = inputsKey('slot', [a, b]);
    expect(k2).not.toBe(k);
    writeFileSync(b, 'export const b = 2;\n');
    expect(inputsKey('slot', [a, b])).toBe(k); // content, not history
  });

  it('changes with the input set and the slot; throws for a missing input', () => {
    const a = put('a.ts', 'x');
    const b = put('b.ts', 'x');
    expect(inputsKey('s', [a])).not.toBe(inputsKey('s', [a, b]));
    expect(inputsKey('s', [a])).not.toBe(inputsKey('t', [a]));
    // The path is part of the key: the same bytes in another file are another input.
    expect(inputsKey('s', [a])).not.toBe(inputsKey('s', [b]));
    expect(() => inputsKey('s', [join(dir, 'missing.ts')])).toThrow();
  });

  it('slots differ by entry and by format', () => {
    expect(slotOf('/x/a.ts', 'esm')).not.toBe(slotOf('/x/a.ts', 'cjs'));
    expect(slotOf('/x/a.ts', 'esm')).not.toBe(slotOf('/x/b.ts', 'esm'));
    expect(slotOf('/x/a.ts', 'esm')).toBe(slotOf('/x/a.ts', 'esm'));
  });
});

describe('bundleFile', () => {
  it('builds once, serves the same file while nothing changes, and rebuilds on any edit', async () => {
    const entry = put('entry.ts', "import { v } from './dep.ts';\nexport const value: number = v;\n");
    const dep = put('dep.ts', 'export const v = 1;\n');
    const first = await bundleFile(entry, 'esm', env);
    expect(first?.built).toBe(true);
    expect(await valueOf(first!.file)).toBe(1);
    const second = await bundleFile(entry, 'esm', env);
    expect(second).toEqual({ file: first!.file, built: false });

    // Same size, same mtime, different content: a miss.
    const st = statSync(dep);
    writeFileSync(dep, 'export const v = 2;\n');
    utimesSync(dep, st.atime, st.mtime);
    expect(lookupBundle(entry, 'esm', cache)).toBeUndefined();
    const third = await bundleFile(entry, 'esm', env);
    expect(third?.built).toBe(true);
    expect(third!.file).not.toBe(first!.file);
    expect(await valueOf(third!.file)).toBe(2);

    // A new import is seen through its importer; the new file is an input from then on.
    put('dep2.ts', 'export const w = 40;\n');
    put('dep.ts', "import { w } from './dep2.ts';\nexport const v = w + 2;\n");
    const fourth = await bundleFile(entry, 'esm', env);
    expect(fourth?.built).toBe(true);
    expect(await valueOf(fourth!.file)).toBe(42);
    put('dep2.ts', 'export const w = 50;\n');
    expect(await valueOf((await bundleFile(entry, 'esm', env))!.file)).toBe(52);
  });

  it('replaces import.meta.url by each source file’s own URL', async () => {
    mkdirSync(join(dir, 'sub'));
    const entry = put('entry.ts', "import { where } from './sub/where.ts';\nexport const value = [import.meta.url, where];\n");
    put('sub/where.ts', 'export const where = new URL("./data.txt", import.meta.url).href;\n');
    const b = await bundleFile(entry, 'esm', env);
    expect(await valueOf(b!.file)).toEqual([pathToFileURL(entry).href, pathToFileURL(join(dir, 'sub/data.txt')).href]);
  });

  it('trusts an unchanged stat tag, hashes a file whose tag moved, and records the new tag when the bytes are the same', async () => {
    const entry = put('entry.ts', "import { v } from './dep.ts';\nexport const value = v;\n");
    const dep = put('dep.ts', 'export const v = 1;\n');
    const built = await bundleFile(entry, 'esm', env);
    const manifestFile = join(cache, `${slotOf(entry, 'esm')}.json`);
    type Manifest = { recordedAt: number; inputs: { path: string; stat: string; hash: string }[] };
    const readManifest = () => JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    // Files written just now are racy: every lookup hashes them. Date the record ahead, as if
    // they had been written long before it, so that their tags are trusted.
    const ahead = { ...readManifest(), recordedAt: Date.now() + 3_600_000 };
    writeFileSync(manifestFile, JSON.stringify(ahead));
    expect(lookupBundle(entry, 'esm', cache)).toBe(built!.file);
    expect(readManifest()).toEqual(ahead); // nothing rehashed, nothing rewritten

    // The same bytes written again: the tag moves (ctime), the hash matches: a hit, and the record is refreshed.
    writeFileSync(dep, 'export const v = 1;\n');
    expect(lookupBundle(entry, 'esm', cache)).toBe(built!.file);
    const refreshed = readManifest();
    expect(refreshed.recordedAt).toBeLessThan(ahead.recordedAt);
    const depRec = (m: Manifest) => m.inputs.find((r) => r.path === dep)!;
    expect(depRec(refreshed).stat).not.toBe(depRec(ahead).stat);
    expect(depRec(refreshed).hash).toBe(depRec(ahead).hash);

    // Other bytes, same size, the old mtime put back: the ctime still moved, so it is hashed: a miss.
    writeFileSync(manifestFile, JSON.stringify({ ...readManifest(), recordedAt: Date.now() + 3_600_000 }));
    const st = statSync(dep);
    writeFileSync(dep, 'export const v = 3;\n');
    utimesSync(dep, st.atime, st.mtime);
    expect(lookupBundle(entry, 'esm', cache)).toBeUndefined();
    expect(await valueOf((await bundleFile(entry, 'esm', env))!.file)).toBe(3);
  });

  it('lookups made together take each shared input\'s tag once (the launcher\'s two), and both still hit', async () => {
    const dep = put('dep.ts', 'export const v = 1;\n');
    const a = put('a.ts', "import { v } from './dep.ts';\nexport const value = v;\n");
    const b = put('b.ts', "import { v } from './dep.ts';\nexport const value = v + 1;\n");
    const builtA = await bundleFile(a, 'esm', env);
    const builtB = await bundleFile(b, 'esm', env);
    const tags = new Map<string, string>();
    expect(lookupBundle(a, 'esm', cache, tags)).toBe(builtA!.file);
    expect([...tags.keys()]).toEqual(expect.arrayContaining([a, dep]));
    const sizeAfterA = tags.size;
    expect(lookupBundle(b, 'esm', cache, tags)).toBe(builtB!.file);
    // b added its own file and nothing for dep, which a's lookup had taken.
    expect(tags.size).toBe(sizeAfterA + 1);
    expect(tags.has(b)).toBe(true);
    // What was taken is the file's tag as the manifest records it.
    type Manifest = { inputs: { path: string; stat: string }[] };
    const manifest = JSON.parse(readFileSync(join(cache, `${slotOf(a, 'esm')}.json`), 'utf8')) as Manifest;
    expect(tags.get(dep)).toBe(manifest.inputs.find((r) => r.path === dep)!.stat);
  });

  it('misses when an input is gone', async () => {
    const entry = put('entry.ts', "import { v } from './dep.ts';\nexport const value = v;\n");
    const dep = put('dep.ts', 'export const v = 1;\n');
    await bundleFile(entry, 'esm', env);
    rmSync(dep);
    expect(lookupBundle(entry, 'esm', cache)).toBeUndefined();
    await expect(bundleFile(entry, 'esm', env)).rejects.toThrow(/dep\.ts/);
  });

  it('is off with SMPEMU_CACHE=0, and refuses a cache directory others can write', async () => {
    const entry = put('entry.ts', 'export const value = 1;\n');
    expect(await bundleFile(entry, 'esm', { ...env, SMPEMU_CACHE: '0' })).toBeUndefined();
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    expect(cacheDir({ SMPEMU_CACHE_DIR: shared })).toBeUndefined();
    expect(await bundleFile(entry, 'esm', { SMPEMU_CACHE_DIR: shared })).toBeUndefined();
    expect(cacheDir(env)).toBe(cache);
  });
});

describe('parts', () => {
  it('a lazily imported NAME_parts.ts is a bundle of its own, run once when imported, that takes the bundle\'s modules', async () => {
    put('plain.ts', 'export class Shared {}\nexport const counter = { n: 0 };\n');
    put('live.mjs', 'export let live = 1;\nexport function bump() {\n  live++;\n}\n');
    put('only.ts', "export const only = 'only in the part';\n");
    put('big_parts.ts', [
      "import { Shared, counter } from './plain.ts';",
      "import { live } from './live.mjs';",
      "import { only } from './only.ts';",
      'counter.n++;',
      'export const isShared = (c: unknown) => c === Shared;',
      'export const liveNow = () => live;',
      'export { only };',
    ].join('\n'));
    const entry = put('entry.ts', "import { Shared, counter } from './plain.ts';\nimport { bump } from './live.mjs';\nexport { Shared, counter, bump };\nexport const load = () => import('./big_parts.ts');\n");
    const b = (await bundleFile(entry, 'cjs', env))!;
    const part = partFile(b.file, 'big');
    const [own, its] = [readFileSync(b.file, 'utf8'), readFileSync(part, 'utf8')];
    expect(own).not.toContain('only in the part');
    expect(its).toContain('only in the part');
    expect(its).not.toMatch(/class Shared/);
    type Part = { isShared(c: unknown): boolean; liveNow(): number; only: string };
    const m = runCommonJs(b.file) as { Shared: unknown; counter: { n: number }; bump(): void; load(): Promise<Part> };
    expect(m.counter.n).toBe(0); // not run before it is imported
    const p = await m.load();
    expect(p.only).toBe('only in the part');
    expect(p.isShared(m.Shared)).toBe(true); // the bundle's class, not a copy
    expect(m.counter.n).toBe(1);
    m.bump();
    expect(p.liveNow()).toBe(2); // an `export let` stays live (in a .mjs, which esbuild takes as ES module whatever it holds)
    await m.load();
    expect(m.counter.n).toBe(1); // run once
    // A bundle whose part is gone is a miss.
    expect(lookupBundle(entry, 'cjs', cache)).toBe(b.file);
    rmSync(part);
    expect(lookupBundle(entry, 'cjs', cache)).toBeUndefined();
  });
});

describe('bundleSync', () => {
  it('builds a CommonJS bundle once and rebuilds it on an edit; in memory when the cache is off', () => {
    const entry = put('entry.ts', "import { v } from './dep.ts';\nexport const value = v * 2;\n");
    put('dep.ts', 'export const v = 21;\n');
    const req = createRequire(import.meta.url);
    const first = bundleSync(entry, 'cjs', env);
    expect('file' in first && first.built).toBe(true);
    const file = (first as { file: string }).file;
    expect((req(file) as { value: number }).value).toBe(42);
    expect(bundleSync(entry, 'cjs', env)).toEqual({ file, built: false });
    put('dep.ts', 'export const v = 5;\n');
    const again = bundleSync(entry, 'cjs', env) as { file: string };
    expect(again.file).not.toBe(file);
    expect((req(again.file) as { value: number }).value).toBe(10);
    const off = bundleSync(entry, 'cjs', { ...env, SMPEMU_CACHE: '0' });
    expect('code' in off && off.code).toContain('v * 2');
  });

  it('builds with the plugin (in a child process), so import.meta.url works in CommonJS; refused in memory without it', () => {
    const entry = put('entry.ts', 'export const value = import.meta.url;\n');
    const b = bundleSync(entry, 'cjs', env) as { file: string };
    expect((createRequire(import.meta.url)(b.file) as { value: string }).value).toBe(pathToFileURL(entry).href);
    expect(() => bundleSync(entry, 'cjs', { ...env, SMPEMU_CACHE: '0' })).toThrow(/import\.meta/);
  });
});

describe('processes building at once', () => {
  it('all get the same complete bundle, and no temporary file is left behind', async () => {
    const entry = put('entry.ts', "import { v } from './dep.ts';\nexport const value = v;\n");
    put('dep.ts', `export const v = ${JSON.stringify('x'.repeat(200_000))}.length;\n`);
    const lib = pathToFileURL(fileURLToPath(new URL('../../bin/bundle_cache.mjs', import.meta.url))).href;
    const script =
      `const { bundleFile } = await import(${JSON.stringify(lib)});` +
      `const b = await bundleFile(${JSON.stringify(entry)}, 'esm');` +
      `const m = await import(new URL('file://' + b.file).href);` +
      `process.stdout.write(JSON.stringify({ file: b.file, value: m.value }));`;
    const run = () =>
      new Promise<{ file: string; value: number }>((resolve, reject) => {
        execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' }, (err, out, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(out) as { file: string; value: number }),
        );
      });
    const results = await Promise.all(Array.from({ length: 6 }, run));
    expect(new Set(results.map((r) => r.file)).size).toBe(1);
    expect(results.every((r) => r.value === 200_000)).toBe(true);
    const left = readdirSync(cache);
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(results[0]!.file, 'utf8')).toContain('x'.repeat(1000));
  }, 60_000);
});
