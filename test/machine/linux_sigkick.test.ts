// signal_wake_up's kick_process under `--boot linux` (test/machine/linux/sigkick.c): a thread
// spinning in user mode on core 1, which never enters the kernel by itself, takes a SIGUSR1
// that core 0 sends by pthread_kill at once — the reschedule IPI brings core 1 into the kernel
// and the handler runs on its way back to user mode — instead of at core 1's next tick (up to
// 4 ms at HZ=250; without the IPI the 12 sends here waited 0.58–3.6 simulated ms). In one worker
// and with core 1 in another worker (parallel mode, where the two cores' clocks may differ
// by up to about a quantum).

import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired, runQemu } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
const SENDS = 12;
let bin: Uint8Array;

/** The RES row's count for each CPU in /proc/interrupts. */
function resRow(text: string): number[] {
  const line = text.split('\n').find((l) => l.trimStart().startsWith('RES:'))!;
  return line.trim().split(/\s+/).slice(1).filter((w) => /^\d+$/.test(w)).map(Number);
}

async function run(o: { memory: MemoryModel; threads: number }) {
  const out = sink();
  const err = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', cores: 2, ...o }), bin, {
    stdout: out.out, stderr: err.out, linux: { execfn: '/sigkick', args: [], proc: ['/proc/interrupts'] },
  });
  const latencies = [...err.text().matchAll(/^latency (-?\d+)$/gm)].map((m) => Number(m[1]));
  return { r, out: out.text(), latencies, res: resRow(r.process!.proc!.find((p) => p.path === '/proc/interrupts')!.text) };
}

describe.skipIf(!have)('--boot linux: a signal to a task running on another core kicks that core (reschedule IPI)', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/sigkick.c', import.meta.url));
  }, 120_000);

  it.each(['flat', 'caches'] as const)('one worker (--memory %s): each handler runs within 5 simulated µs of the send; core 1 counts a RES per signal', async (memory) => {
    const { r, out, latencies, res } = await run({ memory, threads: 1 });
    expect(r.error).toBeUndefined();
    expect(out).toBe(`handled ${SENDS} of ${SENDS}\n`);
    expect(latencies).toHaveLength(SENDS);
    // The send's trap, the IPI taken at core 1's next slice boundary (the cores interleave by up to
    // 2000 cycles with --memory flat), the handler's entry and its clock_gettime.
    for (const ns of latencies) {
      expect(ns).toBeGreaterThan(0);
      expect(ns).toBeLessThan(5_000);
    }
    expect(res[1]).toBeGreaterThanOrEqual(SENDS);
  }, 120_000);

  it('core 1 in another worker (--threads 2): each handler runs within 100 simulated µs of the send (the cores\' clocks agree to a quantum); RES counted', async () => {
    const { r, out, latencies, res } = await run({ memory: 'caches', threads: 2 });
    expect(r.error).toBeUndefined();
    expect(out).toBe(`handled ${SENDS} of ${SENDS}\n`);
    expect(latencies).toHaveLength(SENDS);
    const quantumNs = (DEFAULT_CONFIG.quantum * 1e9) / DEFAULT_CONFIG.clockHz;
    for (const ns of latencies) {
      expect(ns).toBeGreaterThan(-2 * quantumNs);
      expect(ns).toBeLessThan(100_000);
    }
    expect(res[1]).toBeGreaterThanOrEqual(SENDS);
  }, 120_000);

  it.skipIf(!(qemuInstalled || qemuRequired))('qemu-riscv64 prints the same', async () => {
    const q = await runQemu(bin);
    expect(q.status).toBe(0);
    expect(q.stdout.toString('utf8')).toBe(`handled ${SENDS} of ${SENDS}\n`);
  }, 60_000);
});
