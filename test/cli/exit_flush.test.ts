// The CLI exits as soon as its output is out (src/cli/main.ts), without waiting for node to wind
// down: nothing may be lost when stdout is a pipe its reader has not emptied. Debian's glibc
// `readfile` prints a 268,000-byte file; the test reads nothing from stdout until the run's
// summary is on stderr (printed after every byte of guest output was handed to stdout, most of
// it still queued behind the full pipe), then takes all of it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linuxBin } from '../helpers/linux_cases.ts';

const cli = join(import.meta.dirname, '../../bin/smpemu.mjs');
const root = mkdtempSync(join(tmpdir(), 'smpemu-flush-'));
const LINES = 4000;
const data = Array.from({ length: LINES }, (_, i) => `line ${String(i).padStart(6, '0')} of the big file, padded to be long enough ............\n`).join('');
writeFileSync(join(root, 'data.txt'), data);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the CLI\'s exit', () => {
  it('loses no guest output when the stdout pipe is full and its reader slow', async () => {
    const child = spawn(process.execPath, [cli, 'run', linuxBin('readfile'), '--root', root, '--memory', 'flat'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    const out: Buffer[] = [];
    let err = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString('utf8');
        if (/stopped by/.test(err)) resolve();
      });
      child.on('exit', () => (/stopped by/.test(err) ? resolve() : reject(new Error(`exited before its summary: ${err}`))));
    });
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stdout.resume();
    const [code] = await Promise.all([exited, new Promise((resolve) => child.stdout.on('end', resolve))]);
    const text = Buffer.concat(out).toString('utf8');
    expect(code).toBe(0);
    expect(data.length).toBe(268_000);
    expect(text).toContain(`--- contents ---\n${data}--- end (268000 bytes read) ---\n`);
    expect(text.endsWith('open no-such-file.txt: No such file or directory\n')).toBe(true);
  }, 120_000);
});
