// Output without process.stdout and process.stderr (src/machine/host_output.ts): to a regular
// file or /dev/null it is written straight to the descriptor, to a pipe through the stream as
// before. Either way nothing is lost or reordered, the exit status is the run's, and what a
// worker prints on its own stdout and stderr (not piped to the process's: bin/prespawn.cjs)
// still reaches the host's.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/smpemu.cjs', import.meta.url));
const hello = fileURLToPath(new URL('../../workloads/bin/hello.elf', import.meta.url));
const spin = fileURLToPath(new URL('../../workloads/bin/spin.elf', import.meta.url));
const hostOutput = fileURLToPath(new URL('../../src/machine/host_output.ts', import.meta.url));
const spawnModule = fileURLToPath(new URL('../../src/machine/spawn.ts', import.meta.url));
const prespawnModule = fileURLToPath(new URL('../../bin/prespawn.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'smpemu-host-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Sink = 'file' | 'pipe' | 'null';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

let n = 0;
/** Runs node with `args`, stdout and stderr each to a regular file, a pipe or /dev/null; returns what each got. */
function run(args: string[], out: Sink, err: Sink): Promise<Ran> {
  const k = n++;
  const sink = (s: Sink, name: string): number | 'pipe' => (s === 'pipe' ? 'pipe' : openSync(s === 'null' ? '/dev/null' : join(dir, `${k}.${name}`), 'w'));
  const fds = [sink(out, 'out'), sink(err, 'err')];
  const child = spawn(process.execPath, args, { stdio: ['ignore', fds[0], fds[1]] });
  for (const fd of fds) if (typeof fd === 'number') closeSync(fd);
  const got = ['', ''];
  child.stdout?.on('data', (d: Buffer) => (got[0] += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (got[1] += d.toString('utf8')));
  return new Promise((resolve) => {
    child.on('close', (status) => {
      const read = (s: Sink, i: number, name: string) => (s === 'file' ? readFileSync(join(dir, `${k}.${name}`), 'utf8') : got[i]!);
      resolve({ status, stdout: read(out, 0, 'out'), stderr: read(err, 1, 'err') });
    });
  });
}

const helloLines = (s: string) => s.split('\n').filter((l) => l.startsWith('hello from hart')).sort();

describe('the CLI\'s output to files, /dev/null and pipes', () => {
  it.each<[Sink, Sink]>([
    ['file', 'file'],
    ['null', 'file'],
    ['file', 'pipe'],
    ['pipe', 'pipe'],
  ])('stdout to a %s, stderr to a %s: all the guest output, the whole summary, exit 0', async (out, err) => {
    const r = await run([bin, 'run', hello, '--cores', '4'], out, err);
    expect(r.status).toBe(0);
    if (out !== 'null') expect(helloLines(r.stdout)).toEqual([0, 1, 2, 3].map((h) => `hello from hart ${h} of 4`));
    expect(r.stderr).toMatch(/stopped by/);
    expect(r.stderr).toMatch(/totals: HITM \d+/);
  }, 60_000);

  it('an error run to files: exit 2 and its one error line', async () => {
    const r = await run([bin, 'run', spin, '--cores', '1', '--max-insns', '100000', '-q'], 'file', 'file');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^smpemu: core 0: instruction limit reached \(--max-insns 100000\)/m);
  }, 60_000);
});

describe('hostWrite', () => {
  // Direct writes, the stream's and direct ones again, then the exit: in order, none lost.
  const script = join(dir, 'order.ts');
  writeFileSync(
    script,
    `import { hostFlushed, hostWrite, trackStdio } from ${JSON.stringify(hostOutput)};\n` +
      `trackStdio();\n` +
      `for (let i = 0; i < 200; i++) hostWrite(1, 'a' + i + '\\n');\n` +
      `process.stdout.write('stream\\n');\n` +
      `hostWrite(1, new TextEncoder().encode('after\\n'));\n` +
      `hostWrite(2, 'to stderr\\n');\n` +
      `void Promise.all([hostFlushed(1), hostFlushed(2)]).then(() => process.exit(3));\n`,
  );
  const expected = Array.from({ length: 200 }, (_, i) => `a${i}\n`).join('') + 'stream\nafter\n';

  it.each<[Sink, Sink]>([
    ['file', 'file'],
    ['pipe', 'pipe'],
    ['file', 'pipe'],
  ])('stdout to a %s, stderr to a %s: every write, in order, and the exit status', async (out, err) => {
    const r = await run(['--import', 'tsx', script], out, err);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe(expected);
    expect(r.stderr).toBe('to stderr\n');
  }, 60_000);
});

describe('a worker started from a bundle file', () => {
  it('has what it prints on its own stdout and stderr passed to the host\'s', async () => {
    const bundle = join(dir, 'printer.cjs');
    writeFileSync(
      bundle,
      `process.stdout.write('worker out\\n');\n` +
        `process.stderr.write('worker err\\n');\n` +
        `require('node:worker_threads').parentPort.postMessage('done');\n`,
    );
    const entry = join(dir, 'printer.ts');
    const script = join(dir, 'spawn_printer.ts');
    writeFileSync(
      script,
      `import { pathToFileURL } from 'node:url';\n` +
        `import { noteBundle } from ${JSON.stringify(prespawnModule)};\n` +
        `import { spawnTsWorker } from ${JSON.stringify(spawnModule)};\n` +
        `noteBundle(${JSON.stringify(entry)}, ${JSON.stringify(bundle)});\n` +
        `const w = spawnTsWorker(pathToFileURL(${JSON.stringify(entry)}), 0);\n` +
        `w.on('message', (m) => { if (m !== 'done') process.exit(1); });\n`,
    );
    for (const [out, err] of [['file', 'pipe'], ['pipe', 'file']] as [Sink, Sink][]) {
      const r = await run(['--import', 'tsx', script], out, err);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('worker out\n');
      expect(r.stderr).toBe('worker err\n');
    }
  }, 60_000);
});

describe('a pipe whose reader went away', () => {
  // `smpemu run ... | head`: the reader closes its end before the report is written. Node ignores
  // SIGPIPE, and a stream's EPIPE with no listener was thrown with node's stack.
  it('stops the CLI quietly with the status a command killed by SIGPIPE gets (141)', async () => {
    const packed = fileURLToPath(new URL('../../workloads/bin/counters_packed.elf', import.meta.url));
    const errFile = join(dir, 'broken_pipe.err');
    const child = spawn(process.execPath, [bin, 'run', packed, '--cores', '4', '--report', 'c2c', '-q'], { stdio: ['ignore', 'pipe', openSync(errFile, 'w')] });
    child.stdout!.destroy(); // the reader is gone before anything is written
    const [status] = (await once(child, 'exit')) as [number | null];
    expect(readFileSync(errFile, 'utf8')).toBe('');
    expect(status).toBe(141);
  }, 60_000);
});
