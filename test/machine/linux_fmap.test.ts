// File mappings under `--boot linux` (issue 10 item 4: "private file mappings", "file pages
// are read on fault (major fault)"): test/machine/linux/fmap.c maps data.bin from the guest
// tree (2 pages + 100 bytes) and prints what it reads, what a private write leaves in the
// file, the maps lines (perms, offset, name) and mmap's errno cases; the output equals
// qemu-riscv64's run in a directory holding the same file. A page wholly past EOF is SIGBUS
// (status 135, as qemu). Major faults: one per file page touched.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompile, crossInstalled } from '../helpers/cross.ts';
import { shellStatus } from '../helpers/linux_cases.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
const root = mkdtempSync(join(tmpdir(), 'smpemu-fmap-'));
const data = Buffer.from(Array.from({ length: 2 * 4096 + 100 }, (_, i) => (i * 7 + 3) & 0xff));
writeFileSync(join(root, 'data.bin'), data);
let bin: Uint8Array;
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[] = [], memory: 'flat' | 'caches' = 'flat', rootRw = false, proc?: string[]) {
  const out = sink();
  const err = sink();
  const config = makeConfig({ boot: 'linux', memory, cores: 1, threads: 1 });
  const r = await runMachine(config, bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/fmap', args, root, rootRw, ...(proc ? { proc } : {}) } });
  return { r, out: out.text(), err: err.text() };
}

/** qemu-riscv64 running the program with cwd the tree holding data.bin. */
function qemu(args: string[] = []) {
  const exe = join(root, 'fmap.elf');
  writeFileSync(exe, bin);
  chmodSync(exe, 0o755);
  const q = spawnSync('qemu-riscv64', [exe, ...args], { cwd: root, timeout: 60_000 });
  rmSync(exe);
  return { out: q.stdout.toString('utf8'), status: shellStatus(q.status, q.signal) };
}

const expected =
  'bytes: 03 0a 11 18 1f 26 2d 34 | 03 b8\n' +
  'sum 1ab4261e\n' +
  'tail past EOF reads zeros: 1\n' +
  'offset 4096: 03 b8\n' +
  'private write: aa bb\n' +
  'file after the writes: 8292 bytes, sum 1ab4261e, byte 4096 03\n' +
  'shared read-only: 03 b8\n' +
  'maps: r--p 00000000 data.bin\n' +
  'maps: rw-p 00001000 data.bin\n' +
  'maps: r--s 00002000 data.bin\n' +
  'bad fd: Bad file descriptor\n' +
  'fd -1: Bad file descriptor\n' +
  'offset 100: Invalid argument\n' +
  'shared writable on O_RDONLY: Permission denied\n' +
  'private writable on O_RDONLY: mapped\n' +
  'directory: No such device\n' +
  'pipe: No such device\n' +
  'bad type: Invalid argument\n' +
  'offset -4096: Value too large for defined data type\n' +
  'offset 2^62: mapped\n';

describe.skipIf(!have)('--boot linux: mmap of a file from the guest tree', () => {
  beforeAll(() => {
    bin = crossCompile(new URL('./linux/fmap.c', import.meta.url));
  }, 120_000);

  it.each(['flat', 'caches'] as const)('private and shared read-only mappings, COW writes, zeros past EOF, maps, errno: as qemu (--memory %s)', async (memory) => {
    const { r, out, err } = await run([], memory);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out).toBe(expected);
    // One major fault per page of the file touched; maps names the guest path.
    expect(err).toMatch(/^majflt \+3\n/);
    expect(err).toMatch(/ r--p 00000000 [0-9a-f]{2}:[0-9a-f]{2} \d+ +\/data\.bin\n/);
    if (qemuInstalled || qemuRequired) expect(qemu()).toEqual({ out: expected, status: 0 });
    // The private write went to anonymous pages only.
    expect(readFileSync(join(root, 'data.bin')).equals(data)).toBe(true);
  }, 120_000);

  it('a page wholly past EOF is SIGBUS (status 135, as qemu); the partial last page reads', async () => {
    const { r, out } = await run(['sigbus']);
    expect(out).toBe('last page byte 184\n');
    expect(r.exitCode).toBe(135);
    if (qemuInstalled || qemuRequired) expect(qemu(['sigbus'])).toEqual({ out: 'last page byte 184\n', status: 135 });
  }, 60_000);

  it('--root-rw, O_RDWR: private mappings map; a writable MAP_SHARED is not supported (-ENODEV); a read-only one cannot become writable', async () => {
    // Linux would map the shared writable one and let mprotect make the read-only one
    // writable: writing pages back to the file is not built yet.
    const { r, out } = await run(['rw'], 'flat', true);
    expect(r.exitCode).toBe(0);
    expect(out).toBe(
      'rw: private writable: mapped\n' +
      'rw: shared read-only: mapped\n' +
      'rw: shared writable: No such device\n' +
      'rw: shared read 0a; mprotect writable: -1\n');
    expect(readFileSync(join(root, 'data.bin')).equals(data)).toBe(true);
  }, 60_000);

  it('--proc /proc/1/maps at exit names the mapped file (the CLI view resolves its id)', async () => {
    const { r } = await run([], 'flat', false, ['/proc/1/maps']);
    expect(r.exitCode).toBe(0);
    const lines = r.process!.proc![0]!.text.split('\n').filter((l) => l.endsWith(' /data.bin'));
    expect(lines.map((l) => l.split(/\s+/).slice(1, 3).join(' ')).sort()).toEqual(['r--p 00000000', 'r--p 4000000000000000', 'r--s 00002000', 'rw-p 00000000', 'rw-p 00001000']);
  }, 60_000);

  it('process.majFlt grows by the file pages touched', async () => {
    const counts: number[] = [];
    for (const n of ['0', '1', '3']) {
      const { r } = await run(['touch', n]);
      expect(r.exitCode).toBe(0);
      counts.push(r.process!.majFlt);
    }
    expect([counts[1]! - counts[0]!, counts[2]! - counts[0]!]).toEqual([1, 3]);
  }, 60_000);
});
