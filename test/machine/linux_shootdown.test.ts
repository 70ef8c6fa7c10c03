// TLB shootdown in a machine run (issue 10's Must show), under `--boot linux --threads 1` on 4
// cores: test/machine/linux/shootdown.c's main (pinned to core 0) maps and writes 4 pages, two
// threads pinned to cores 1 and 2 read them, main munmaps; core 3 never runs the process. Each
// munmap must send shootdowns to exactly cores 1 and 2 (mm_cpumask less the sender), counted
// per core in the stats' tlb.shootdownsSent / Received; and a read on core 1 after munmap
// returned must fault (SIGSEGV), not go through the translation its TLB held. (With the remote
// flush planted as a no-op, that read returns the freed page's byte and the program exits 0.)

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;

async function run(args: string[], memory: MemoryModel = 'flat') {
  const out = sink();
  const config = makeConfig({ boot: 'linux', memory, cores: 4, threads: 1, clockHz: 100_000_000 });
  const r = await runMachine(config, bin, { stdout: out.out, stderr: sink().out, linux: { execfn: '/shootdown', args } });
  const tlb = r.cores.map((c) => c.tlb!);
  return { r, out: out.text(), sent: tlb.map((t) => t.shootdownsSent), received: tlb.map((t) => t.shootdownsReceived) };
}

describe.skipIf(!have)('TLB shootdowns of a munmap touched on 3 of 4 cores', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/shootdown.c', import.meta.url));
  }, 120_000);

  it.each(['flat', 'caches'] as const)('each munmap: 2 sent from core 0, 1 received on each of cores 1 and 2, none on core 3 (--memory %s)', async (memory) => {
    const a = await run(['2'], memory);
    const b = await run(['6'], memory);
    expect(a.out).toBe('rounds 2 bad 0\n');
    expect(b.out).toBe('rounds 6 bad 0\n');
    if (qemuInstalled || qemuRequired) {
      const file = join(mkdtempSync(join(tmpdir(), 'smpemu-qemu-')), 'shootdown');
      writeFileSync(file, bin);
      chmodSync(file, 0o755);
      expect(spawnSync('qemu-riscv64', [file, '6'], { encoding: 'utf8', timeout: 30_000 }).stdout).toBe(b.out);
    }
    // 4 more rounds, 4 more munmaps.
    expect(b.sent.map((x, i) => x - a.sent[i]!)).toEqual([8, 0, 0, 0]);
    expect(b.received.map((x, i) => x - a.received[i]!)).toEqual([0, 4, 4, 0]);
    expect(b.received[3]).toBe(0);
    expect(b.r.cores[3].instructions).toBe(0);
  }, 120_000);

  it('a read on core 1 after munmap returned faults: SIGSEGV (139), no access through the old translation', async () => {
    const { r, out } = await run(['6', 'after']);
    expect(out).toBe('');
    expect(r.exitCode).toBe(139);
    expect(r.error).toMatch(/^core 1: pid 1 \(shootdown\) SIGSEGV at pc 0x[0-9a-f]+ \(reader\+0x[0-9a-f]+\): load from 0x[0-9a-f]+ outside any mapping/);
  }, 60_000);
});
