// Workers started ahead of the run (bin/prespawn.mjs): the pool takes only live ones
// running the same bundle file, hands them their init, and ends the rest.

import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { bundleWorker, dropPrespawned, guessThreads, loadPrespawned, noteBundle, notedBundle, preloadLinux, prespawn, prespawnBoot, prespawnedCount, PRESPAWNED, takePrespawned } from '../../bin/prespawn.mjs';
import { codeCacheFile, flushCodeCache, runCommonJs } from '../../bin/code_cache.mjs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smpemu-prespawn-test-'));
});
afterEach(() => {
  dropPrespawned();
  rmSync(dir, { recursive: true, force: true });
});

/** A worker module that, prespawned, echoes its init doubled. */
function echoModule(): string {
  const f = join(dir, 'echo.cjs');
  writeFileSync(
    f,
    `const { parentPort, workerData } = require('node:worker_threads');\n` +
      `if (workerData === ${JSON.stringify(PRESPAWNED)}) parentPort.once('message', (m) => parentPort.postMessage(m.init.n * 2));\n`,
  );
  return f;
}

describe('prespawned workers', () => {
  it('are taken only for their own bundle file, take their init as the first message, and the rest are ended', async () => {
    const file = echoModule();
    prespawn(file, 2);
    expect(prespawnedCount()).toBe(2);
    expect(takePrespawned(join(dir, 'other.cjs'))).toBeUndefined();
    const w = takePrespawned(file)!;
    expect(w).toBeDefined();
    expect(prespawnedCount()).toBe(1);
    w.postMessage({ t: 'init', init: { n: 21 } });
    const [answer] = (await once(w, 'message')) as [number];
    expect(answer).toBe(42);
    await w.terminate();
    dropPrespawned();
    expect(prespawnedCount()).toBe(0);
    expect(takePrespawned(file)).toBeUndefined();
  });

  it('booted before the bundle is known, they run it once told its path, and only then can be taken', async () => {
    const file = echoModule();
    prespawnBoot(2);
    expect(prespawnedCount()).toBe(2);
    expect(takePrespawned(file)).toBeUndefined();
    loadPrespawned(file);
    const w = takePrespawned(file)!;
    expect(w).toBeDefined();
    w.postMessage({ t: 'init', init: { n: 5 } });
    const [answer] = (await once(w, 'message')) as [number];
    expect(answer).toBe(10);
    await w.terminate();
  });

  it('told the run boots Linux, the idle workers running a bundle hear it before their init; one still booting does not', async () => {
    const f = join(dir, 'seen.cjs');
    writeFileSync(
      f,
      `const { parentPort } = require('node:worker_threads');\n` +
        `const seen = [];\n` +
        `parentPort.on('message', (m) => { seen.push(m.t); if (m.t === 'init') parentPort.postMessage(seen); });\n`,
    );
    prespawn(f, 1);
    prespawnBoot(1);
    preloadLinux();
    const told = takePrespawned(f)!;
    told.postMessage({ t: 'init', init: {} });
    expect(((await once(told, 'message')) as [string[]])[0]).toEqual(['linux', 'init']);
    loadPrespawned(f);
    const late = takePrespawned(f)!;
    late.postMessage({ t: 'init', init: {} });
    expect(((await once(late, 'message')) as [string[]])[0]).toEqual(['init']);
    await Promise.all([told.terminate(), late.terminate()]);
  });

  it('a bundle worker leaves V8\'s code cache beside the bundle when it flushes, and the next one uses it', async () => {
    const f = join(dir, 'flush.cjs');
    writeFileSync(
      f,
      `const { parentPort, workerData } = require('node:worker_threads');\n` +
        `function square(x) { return x * x; }\n` +
        `globalThis[Symbol.for('smpemu.flushCodeCache')]?.();\n` +
        `parentPort.postMessage(square(workerData));\n`,
    );
    expect(existsSync(codeCacheFile(f))).toBe(false);
    const w = bundleWorker(f, { workerData: 7 });
    const [answer] = (await once(w, 'message')) as [number];
    expect(answer).toBe(49);
    await w.terminate();
    expect(existsSync(codeCacheFile(f))).toBe(true);
    const again = bundleWorker(f, { workerData: 8 });
    expect(((await once(again, 'message')) as [number])[0]).toBe(64);
    await again.terminate();
  });

  it('a worker that ran less of a bundle does not replace the code cache another worker of the run left', async () => {
    const f = join(dir, 'two.cjs');
    // Forty functions, compiled only when called: the busy worker's cache holds them, the idle one's not.
    const fns = Array.from({ length: 40 }, (_, i) => `function f${i}(x) { let s = 0; for (let j = 0; j < x; j++) s += j * ${i + 1}; return s; }`).join('\n');
    writeFileSync(
      f,
      `const { parentPort } = require('node:worker_threads');\n${fns}\n` +
        `parentPort.on('message', (m) => {\n` +
        `  if (m === 'work') { let t = 0; ${Array.from({ length: 40 }, (_, i) => `t += f${i}(3);`).join(' ')} parentPort.postMessage(t); }\n` +
        `  else { globalThis[Symbol.for('smpemu.flushCodeCache')](); parentPort.postMessage('flushed'); }\n` +
        `});\n`,
    );
    const idle = bundleWorker(f, {});
    const busy = bundleWorker(f, {});
    const ask = async (w: typeof idle, m: string) => {
      w.postMessage(m);
      return ((await once(w, 'message')) as [unknown])[0];
    };
    expect(await ask(busy, 'work')).toBeGreaterThan(0);
    expect(await ask(busy, 'flush')).toBe('flushed');
    const size = statSync(codeCacheFile(f)).size;
    expect(await ask(idle, 'flush')).toBe('flushed');
    expect(statSync(codeCacheFile(f)).size).toBe(size);
    await Promise.all([idle.terminate(), busy.terminate()]);
  });

  it('a bundle worker of a process run with --import (tsx) starts without it, keeping --require preloads; V8 flags stay the process\'s', () => {
    // --import starts node's ES module loader and its hooks in every thread that inherits it:
    // tens of milliseconds of a worker's start, and background compiles in the run's window.
    const imported = join(dir, 'imported.mjs');
    writeFileSync(imported, `import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) process.stderr.write('imported in a worker\\n');\n`);
    const preload = join(dir, 'preload.cjs');
    writeFileSync(preload, `if (!require('node:worker_threads').isMainThread) globalThis.preloaded = true;\n`);
    const bundle = join(dir, 'argv.cjs');
    writeFileSync(bundle, `require('node:worker_threads').parentPort.postMessage({ argv: process.execArgv, preloaded: globalThis.preloaded === true });\n`);
    const prespawnCjs = fileURLToPath(new URL('../../bin/prespawn.cjs', import.meta.url));
    const main =
      `const { bundleWorker } = require(${JSON.stringify(prespawnCjs)});` +
      `bundleWorker(${JSON.stringify(bundle)}, {}).once('message', (m) => { console.log(JSON.stringify(m)); process.exit(0); });`;
    const r = spawnSync(process.execPath, ['--max-semi-space-size=8', '--require', preload, '--import', pathToFileURL(imported).href, '-e', main], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('imported in a worker');
    const m = JSON.parse(r.stdout) as { argv: string[]; preloaded: boolean };
    expect(m.argv).toEqual(['--require', preload]);
    expect(m.preloaded).toBe(true);
  });

  it('skips a worker that died before it was taken', async () => {
    const bad = join(dir, 'bad.cjs');
    writeFileSync(bad, 'throw new Error("broken bundle");\n');
    prespawn(bad, 1);
    // The module's own listeners saw it die; wait for the same exit.
    const w = (globalThis as unknown as Record<symbol, { worker: import('node:worker_threads').Worker }[]>)[Symbol.for('smpemu.prespawned')]![0]!.worker;
    await new Promise((resolve) => w.on('exit', resolve));
    expect(prespawnedCount()).toBe(0);
    expect(takePrespawned(bad)).toBeUndefined();
  });
});

describe('the launcher\'s bundles', () => {
  it('are noted per entry, for the pool of the same process (one shared table, whichever copy of the module notes)', () => {
    const entry = join(dir, 'entry.ts');
    expect(notedBundle(entry)).toBeUndefined();
    noteBundle(entry, join(dir, 'entry-1.cjs'));
    expect(notedBundle(entry)).toBe(join(dir, 'entry-1.cjs'));
    expect(notedBundle(join(dir, 'other.ts'))).toBeUndefined();
    const table = (globalThis as unknown as Record<symbol, Map<string, string>>)[Symbol.for('smpemu.launcherBundles')]!;
    expect(table.get(entry)).toBe(join(dir, 'entry-1.cjs'));
    table.delete(entry);
  });
});

describe('runCommonJs', () => {
  it('runs an ASCII bundle and one with other characters (read as Latin-1 only when it is ASCII)', () => {
    const ascii = join(dir, 'ascii.cjs');
    writeFileSync(ascii, 'module.exports = { s: "plain", n: 6 * 7 };\n');
    expect(runCommonJs(ascii)).toEqual({ s: 'plain', n: 42 });
    const utf8 = join(dir, 'utf8.cjs');
    writeFileSync(utf8, '// — a comment\nmodule.exports = { s: "héllo → ✓", n: 1 };\n');
    expect(runCommonJs(utf8)).toEqual({ s: 'héllo → ✓', n: 1 });
  });
});

describe('the code cache', () => {
  /** A bundle whose `later` is compiled only when called. */
  function lazyBundle(): string {
    const f = join(dir, 'lazy.cjs');
    const body = Array.from({ length: 40 }, (_, i) => `s += (x ^ ${i}) * ${i + 1};`).join(' ');
    writeFileSync(f, `module.exports = { now: 1, later(x) { let s = 0; ${body} return s; } };\n`);
    return f;
  }
  const profiles = (f: string) => readFileSync(`${codeCacheFile(f)}.profiles`, 'latin1');

  it('is written by the first run, and again by the first run of each new kind, holding what that run compiled too', () => {
    const f = lazyBundle();
    const cache = codeCacheFile(f);
    (runCommonJs(f) as { now: number }).now;
    flushCodeCache('kind a');
    expect(profiles(f)).toBe('kind a\n');
    const first = readFileSync(cache);
    // The same kind again: the cache stays as it is, though this run compiled `later`.
    expect((runCommonJs(f) as { later(x: number): number }).later(3)).toBeGreaterThan(0);
    flushCodeCache('kind a');
    expect(readFileSync(cache).equals(first)).toBe(true);
    // A new kind: rewritten with `later` in it, and listed.
    expect((runCommonJs(f) as { later(x: number): number }).later(3)).toBeGreaterThan(0);
    flushCodeCache('kind b');
    expect(profiles(f)).toBe('kind a\nkind b\n');
    expect(readFileSync(cache).length).toBeGreaterThan(first.length);
  });

  it('a rejected cache is written anew and its list of kinds starts again', () => {
    const f = lazyBundle();
    writeFileSync(codeCacheFile(f), 'not a code cache');
    writeFileSync(`${codeCacheFile(f)}.profiles`, 'kind a\nkind b\n');
    expect((runCommonJs(f) as { now: number }).now).toBe(1);
    flushCodeCache('kind a');
    expect(profiles(f)).toBe('kind a\n');
    expect(readFileSync(codeCacheFile(f)).toString('latin1')).not.toBe('not a code cache');
  });
});

describe('guessThreads', () => {
  const cpus = 2;
  it('guesses the CLI default: one worker per core, at most one per host CPU', () => {
    expect(guessThreads(['run', 'a.elf'], cpus)).toBe(2); // 4 cores by default
    expect(guessThreads(['run', 'a.elf', '--cores', '1'], cpus)).toBe(1);
    expect(guessThreads(['run', '-c', '1', 'a.elf'], cpus)).toBe(1);
    expect(guessThreads(['run', 'a.elf', '--cores=8'], 16)).toBe(8);
  });
  it('follows --threads and --deterministic', () => {
    expect(guessThreads(['run', 'a.elf', '--threads', '3'], cpus)).toBe(3);
    expect(guessThreads(['run', 'a.elf', '-t', '1', '--cores', '8'], cpus)).toBe(1);
    expect(guessThreads(['run', 'a.elf', '--deterministic', '--cores', '8'], cpus)).toBe(1);
  });
  it('starts none for a bare-metal program, which starts on the main thread (src/machine/main_thread.ts)', () => {
    const bare = fileURLToPath(new URL('../../workloads/bin/hello.elf', import.meta.url));
    const linux = fileURLToPath(new URL('../../workloads/linux/bin/hello', import.meta.url));
    expect(guessThreads(['run', bare], cpus)).toBe(0);
    expect(guessThreads(['run', '--cores', '4', bare], cpus)).toBe(0);
    expect(guessThreads(['run', 'a.elf', '--boot', 'spmd'], cpus)).toBe(0);
    expect(guessThreads(['run', bare, '--no-main-thread-start'], cpus)).toBe(2);
    expect(guessThreads(['run', bare, '--boot', 'linux'], cpus)).toBe(2);
    expect(guessThreads(['run', linux], cpus)).toBe(2); // its ABI note and TLS say Linux
  });
  it('starts none when unsure or not running a program', () => {
    expect(guessThreads(['litmus', 'x'], cpus)).toBe(0);
    expect(guessThreads(['run', 'a.elf', '--config', 'm.json'], cpus)).toBe(0);
    expect(guessThreads(['run', '--help'], cpus)).toBe(0);
    expect(guessThreads(['run', 'a.elf', '--cores', 'many'], cpus)).toBe(0);
    expect(guessThreads(['run', 'a.elf', '--threads', '1000'], cpus)).toBe(0);
    expect(guessThreads([], cpus)).toBe(0);
  });
});
