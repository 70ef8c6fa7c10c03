// Active balancing under `--boot linux --cores 4 --threads 1` (deterministic): the CFS balancer's
// detach_tasks never takes a running task, so a core whose only movable task is the running one
// needs its stopper to push it (sched/fair_balance.ts). test/machine/linux/active_balance.c, Debian's
// riscv64-linux-gnu-gcc -static -pthread; times are the guest's CLOCK_MONOTONIC (simulated).

import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;

describe.skipIf(!have)('--boot linux on 4 cores: active balance', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/active_balance.c', import.meta.url));
  }, 120_000);

  it('a running nice-0 thread sharing core 0 with a pinned SCHED_IDLE spinner (which will not run for a second) moves to an idle core within 50 simulated ms of its mask allowing it', async () => {
    const out = sink();
    const err = sink();
    const config = makeConfig({ boot: 'linux', memory: 'flat', cores: 4, threads: 1, clockHz: 50_000_000 });
    const r = await runMachine(config, bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/active_balance', args: [] } });
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out.text()).toBe('active: done\n');
    const m = /start (\d+) moved (-?\d+) after (-?\d+) us/.exec(err.text());
    expect(m, err.text()).not.toBeNull();
    const [start, to, after] = [Number(m![1]), Number(m![2]), Number(m![3])];
    console.log(`active balance: main on core ${start}, moved to core ${to} after ${(after / 1000).toFixed(1)} simulated ms`);
    expect(start).toBe(0);
    expect(to).toBeGreaterThan(0);
    expect(after).toBeGreaterThanOrEqual(0);
    expect(after).toBeLessThan(50_000);
    if (qemuInstalled || qemuRequired) {
      const file = join(mkdtempSync(join(tmpdir(), 'smpemu-qemu-')), 'active_balance');
      writeFileSync(file, bin);
      chmodSync(file, 0o755);
      expect(spawnSync('qemu-riscv64', [file], { encoding: 'utf8', timeout: 30_000 }).stdout).toBe(out.text());
    }
  }, 120_000);
});
