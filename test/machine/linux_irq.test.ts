// The interrupt side wired into --boot linux (src/kernel/irq/entry.ts): the timer tick through
// the irq path, /proc/interrupts, /proc/softirqs and /proc/stat as a guest reads them, the
// simulated NIC at a low and a flood rate (ksoftirqd/N idle, then taking the CPU), the
// softirq limits as the run hits them, --top's frames, and the nohz idle jump. Programs:
// test/machine/linux/{irqstat,sleep}.c, built with Debian's riscv64-linux-gnu-gcc -static.
import { describe, beforeAll, expect, it } from 'vitest';
import { makeConfig, type MachineConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompile, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired, runQemu } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
const bins: Record<string, Uint8Array> = {};

async function run(name: string, args: string[], given: Partial<MachineConfig>, top?: number) {
  const out = sink();
  const err = sink();
  const config = makeConfig({ boot: 'linux', memory: 'flat', cores: 1, threads: 1, ...given });
  const r = await runMachine(config, bins[name]!, { stdout: out.out, stderr: err.out, linux: { execfn: `/${name}`, args, ...(top ? { topIntervalNs: top } : {}) } });
  expect(r.error).toBeUndefined();
  expect(r.exitCode).toBe(0);
  return { r, out: out.text(), err: err.text(), irq: r.process!.irq!, sched: r.process!.sched! };
}

/** The files irqstat.c printed, by path. */
function files(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of out.split(/^==> /m).slice(1)) {
    const nl = part.indexOf('\n');
    m.set(part.slice(0, nl), part.slice(nl + 1));
  }
  return m;
}

/** /proc/stat's cpu lines as numbers, and its other lines as arrays. */
function parseStat(text: string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const line of text.trim().split('\n')) {
    const [k, ...v] = line.split(/\s+/);
    m.set(k!, v.map(Number));
  }
  return m;
}

/** /proc/interrupts rows: name -> per-cpu counts. */
function parseInterrupts(text: string, cpus: number): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const [k, ...v] = line.trim().split(/\s+/);
    m.set(k!.replace(':', ''), v.slice(0, cpus).map(Number));
  }
  return m;
}

describe.skipIf(!have)('--boot linux: interrupts, softirqs, ksoftirqd, the NIC', () => {
  beforeAll(() => {
    for (const n of ['irqstat', 'sleep', 'timedwait', 'abs_sleep']) bins[n] = crossCompile(new URL(`./linux/${n}.c`, import.meta.url));
  }, 120_000);

  it.each([
    { clockHz: 1_000_000_000, hz: 250 },
    { clockHz: 3_000_000_000, hz: 250 },
    { clockHz: 1_000_000_000, hz: 1000 },
    { clockHz: 1_000_000_000, hz: 100 },
  ])('the tick through the irq path: ticks = cycles / (clockHz / HZ), one LOC interrupt each ($clockHz Hz, --hz $hz)', async ({ clockHz, hz }) => {
    const { r, irq, sched } = await run('irqstat', ['10000000'], { clockHz, hz });
    const cycles = r.cores[0]!.cycles;
    expect(sched.ticks).toBe(Math.floor(cycles / (clockHz / hz)));
    expect(sched.ticks).toBeGreaterThan(2);
    // nothing else arms the timer here: every timer interrupt was a tick
    expect(irq.loc[0]).toBe(sched.ticks);
    // each tick was charged to the running user task: user time in USER_HZ (10 ms) units. Each
    // tick charges TICK_NSEC less the hardirq time since the previous one (IRQ_TIME_ACCOUNTING),
    // and the tick's own handler takes rq->__lock through the caches, so user time lands just
    // under ticks × TICK_NSEC: the truncation to 10 ms units may lose one unit, never more.
    const userUnits = Math.floor((sched.ticks * (1000 / hz)) / 10);
    expect(irq.cpustat[0]![0]).toBeLessThanOrEqual(userUnits);
    expect(irq.cpustat[0]![0]).toBeGreaterThanOrEqual(userUnits - 1);
    expect(irq.cpustat[0]![2]).toBe(0); // never in system mode at a tick
  }, 120_000);

  it('a guest reads /proc/stat, /proc/interrupts, /proc/softirqs: sums consistent, ctxt = the switch counts, intr = the rows', async () => {
    const { out, sched } = await run('irqstat', ['3000000'], { cores: 2, nic: { ratePps: 5000, cpus: [0], workCycles: 1000 } });
    const f = files(out);
    const stat = parseStat(f.get('/proc/stat')!);
    const rows = parseInterrupts(f.get('/proc/interrupts')!, 2);
    expect([...rows.keys()]).toEqual(['16', 'LOC', 'RES', 'CAL', 'TLB']);
    const sumRows = [...rows.values()].flat().reduce((a, b) => a + b, 0);
    expect(stat.get('intr')![0]).toBe(sumRows);
    // the per-irq list: the NIC's line at its number, the rest 0
    expect(stat.get('intr')![1 + 16]).toBe(rows.get('16')![0]! + rows.get('16')![1]!);
    expect(stat.get('intr')!.slice(1).reduce((a, b) => a + b, 0)).toBe(rows.get('16')![0]! + rows.get('16')![1]!);
    expect(rows.get('16')![0]).toBeGreaterThan(0);
    expect(rows.get('16')![1]).toBe(0); // pinned to cpu 0
    // ctxt: every switch of the run queues (the boot's pick of pid 1 and the ones since)
    expect(stat.get('ctxt')![0]).toBe(sched.switches + 1);
    // the cpu line is the per-cpu lines' sum (within USER_HZ rounding)
    for (let k = 0; k < 10; k++) {
      const sum = stat.get('cpu0')![k]! + stat.get('cpu1')![k]!;
      expect(stat.get('cpu')![k]! - sum).toBeGreaterThanOrEqual(0);
      expect(stat.get('cpu')![k]! - sum).toBeLessThanOrEqual(1);
    }
    // softirq line = /proc/softirqs summed per vector
    const sq = f.get('/proc/softirqs')!.split('\n').slice(1, 11).map((l) => l.trim().split(/\s+/).slice(1).map(Number).reduce((a, b) => a + b, 0));
    expect(stat.get('softirq')!.slice(1)).toEqual(sq);
    expect(stat.get('softirq')![0]).toBe(sq.reduce((a, b) => a + b, 0));
    expect(stat.get('btime')![0]).toBe(1767225600);
    expect(stat.get('processes')![0]).toBe(3); // pid 1, ksoftirqd/0, ksoftirqd/1
    // the kernel threads are in /proc: ksoftirqd/0 and /1, PF_KTHREAD, on their cores
    const k0 = f.get('/proc/2/stat')!.split(' ');
    expect(k0.slice(0, 3)).toEqual(['2', '(ksoftirqd/0)', 'S']);
    expect(Number(k0[8]) & 0x00200000).toBe(0x00200000);
    expect(f.get('/proc/3/stat')!.split(' ')[38]).toBe('1');
  }, 120_000);

  it('the NIC at a low rate: NET_RX runs at irq exit, one per interrupt; ksoftirqd/0 never runs', async () => {
    const { out, irq } = await run('irqstat', ['5000000'], { nic: { ratePps: 2000, cpus: [0], workCycles: 2000 } });
    const nic = irq.nic!;
    expect(nic.packets).toBeGreaterThan(20);
    expect(nic.processed).toBe(nic.packets);
    expect(nic.dropped).toBe(0);
    const rows = parseInterrupts(files(out).get('/proc/interrupts')!, 1);
    // one interrupt, one NET_RX run per packet (they never overlap at this rate)
    expect(rows.get('16')![0]).toBe(nic.packets);
    expect(irq.softirqs[3]).toBe(nic.packets);
    expect(irq.ksoftirqdWakeups[0]).toBe(0);
    expect(irq.ksoftirqdNs[0]).toBe(0);
    const k0 = files(out).get('/proc/2/stat')!.split(' ');
    expect(k0[13]).toBe('0'); // utime
    expect(k0[14]).toBe('0'); // stime
  }, 120_000);

  it('the NIC at a flood rate: __do_softirq hands off, ksoftirqd/0 takes CPU time, si rises in /proc/stat and in top', async () => {
    const { out, err, irq, sched } = await run('irqstat', ['20000000'], { nic: { ratePps: 1_000_000, cpus: [0], workCycles: 2000 } }, 50_000_000);
    const stat = parseStat(files(out).get('/proc/stat')!);
    const [user, , , , , , softirq] = stat.get('cpu0')!;
    expect(softirq).toBeGreaterThan(0);
    // ksoftirqd/0 and the user task share the core under CFS (both nice 0)
    expect(irq.ksoftirqdNs[0]).toBeGreaterThan(0.3 * (user! + softirq!) * 1e7);
    expect(irq.ksoftirqdWakeups[0]).toBeGreaterThan(0);
    expect(sched.switches).toBeGreaterThan(10);
    expect(irq.nic!.dropped).toBeGreaterThan(0); // 2 s of work per second: the ring overflows
    // the 2 ms limit binds: a NET_RX pass is 300 packets x 2000 cycles = 0.6 ms, so a
    // __do_softirq run makes at most 4 passes (3 restarts)
    const passes = irq.softirqs[3]!;
    const runs = passes - irq.softirqRestarts[0]!;
    expect(irq.softirqRestarts[0]).toBeLessThanOrEqual(3 * runs);
    expect(irq.softirqRestarts[0]).toBeGreaterThanOrEqual(2 * runs);
    // top: the %Cpu(s) line shows si, ksoftirqd/0 is listed with CPU time
    const frames = err.split(/^top - /m).slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    const last = frames.at(-1)!;
    const si = Number(/([\d.]+) si,/.exec(last)![1]);
    expect(si).toBeGreaterThan(10);
    const k = /^\s+2 root\s+20\s+0 [RS]\s+([\d.]+)\s+(\S+)\s+0 ksoftirqd\/0$/m.exec(last)!;
    expect(Number(k[1])).toBeGreaterThan(10);
    expect(last).toMatch(/^ {4}PID USER {6}PR {2}NI S {2}%CPU {5}TIME\+ {2}P COMMAND$/m);
  }, 120_000);

  it('the NIC flooding core 1 of 2: ksoftirqd/1 takes the time there, core 0 running the program sees no softirq', async () => {
    const { out, irq, err } = await run('irqstat', ['20000000'], { cores: 2, nic: { ratePps: 1_000_000, cpus: [1], workCycles: 2000 } }, 50_000_000);
    const stat = parseStat(files(out).get('/proc/stat')!);
    expect(stat.get('cpu0')![6]).toBe(0);
    expect(stat.get('cpu1')![6]).toBeGreaterThan(0);
    expect(irq.ksoftirqdNs[0]).toBe(0);
    expect(irq.ksoftirqdWakeups[0]).toBe(0);
    expect(irq.ksoftirqdNs[1]).toBeGreaterThan(0);
    expect(irq.ksoftirqdWakeups[1]).toBeGreaterThan(0);
    const last = err.split(/^top - /m).at(-1)!;
    const k = /^\s+3 root\s+20\s+0 [RS]\s+([\d.]+)\s+(\S+)\s+1 ksoftirqd\/1$/m.exec(last)!;
    expect(Number(k[1])).toBeGreaterThan(10);
    process.stderr.write(`flood on core 1: ksoftirqd/1 ${(irq.ksoftirqdNs[1]! / 1e6).toFixed(1)} ms, ${irq.ksoftirqdWakeups[1]} wake-ups, ${k[1]} %CPU in the last top frame\n`);
  }, 120_000);

  it('the 10-restart limit binds when passes are cheap', async () => {
    // 100 M packets/s at 10 cycles each: every pass fills its budget in 3 us, so only
    // MAX_SOFTIRQ_RESTART (10 passes, 9 restarts) or need_resched ends a run
    const { irq } = await run('irqstat', ['1000000'], { nic: { ratePps: 100_000_000, cpus: [0], workCycles: 10 } });
    const passes = irq.softirqs[3]!;
    const runs = passes - irq.softirqRestarts[0]!;
    expect(irq.softirqRestarts[0]).toBeLessThanOrEqual(9 * runs);
    expect(irq.softirqRestarts[0]).toBeGreaterThanOrEqual(8 * runs);
    expect(irq.ksoftirqdWakeups[0]).toBeGreaterThan(0);
  }, 120_000);

  it.each([1, 2])('a 10 s sleep on 4 cores (%d workers): the idle loop jumps from event to event, whole quanta skipped, no tick while idle', async (threads) => {
    const cfg = { cores: 4, threads, quantum: 20_000 };
    const { r, out, err, irq, sched } = await run('sleep', [], cfg);
    expect(out).toBe('parent: work done\nchild: slept 50 ms: 1\nslept 10 s: 1\n');
    expect(err).toBe("child: the parent's work was done when it woke: 1\n");
    // every core idles nearly all of its ~10 s, the other workers' cores too: their last idle
    // stretch is reported by no call to the home and is counted at the end (20.2 G of 40.2 G without)
    const cycles = r.cores.reduce((s, c) => s + c.cycles, 0);
    expect(sched.idleCycles).toBeGreaterThan(0.99 * cycles);
    expect(sched.idleCycles).toBeLessThanOrEqual(cycles);
    // a host iteration per wake-up, not per quantum (500,000 of them) nor per tick (2,500):
    // on core 0, where pid 1 sleeps, over the whole run
    expect(irq.idleLoops[0]).toBeLessThan(20);
    // and on every core, over the sleep: the same program sleeping 1 s instead costs each core
    // as many iterations but a handful (the other cores' own count is their visits while core 0
    // computes, one per IDLE_SLACK cycles of it: cores/core_group.ts)
    const short = await run('sleep', ['1'], cfg);
    expect(short.out).toBe('parent: work done\nchild: slept 50 ms: 1\nslept 1 s: 1\n');
    for (let c = 0; c < 4; c++) expect(irq.idleLoops[c]! - short.irq.idleLoops[c]!).toBeLessThan(10);
    expect(irq.idleLoops.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // the tick stopped while idle: only a handful of timer interrupts over 10 s (2,500 periods)
    expect(irq.loc[0]).toBeLessThan(20);
    expect(irq.cpustat[0]![3]).toBeGreaterThanOrEqual(1000); // idle, USER_HZ
    expect(r.cores[0]!.instructions).toBeLessThan(5_000_000);
  }, 120_000);

  it('clock_nanosleep: relative, TIMER_ABSTIME on MONOTONIC and REALTIME, and a time already past; each sleeps its time in simulated time (within 5 µs: the syscalls), the core idle meanwhile', async () => {
    const { out, err, sched } = await run('abs_sleep', [], { cores: 2 });
    expect(out).toBe('relative 20 ms: 0, at least: 1\nabsolute monotonic +30 ms: 0, at least: 1\nabsolute realtime +40 ms: 0, at least: 1\nabsolute in the past: 0\n');
    if (qemuInstalled || qemuRequired) expect((await runQemu(bins.abs_sleep!)).stdout.toString('utf8')).toBe(out);
    const ns = (k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(err)![1]);
    for (const [k, want] of [['relative', 20e6], ['absolute', 30e6], ['realtime', 40e6]] as const) {
      expect(ns(k)).toBeGreaterThanOrEqual(want);
      expect(ns(k)).toBeLessThan(want + 5000); // the syscalls' own cycles (clock_gettime is a syscall here: no vDSO)
    }
    expect(ns('past')).toBeLessThan(5000);
    expect(sched.idleCycles).toBeGreaterThan(90_000_000); // 90 ms asleep: the core's clock jumped
  }, 120_000);

  it('a timed futex wait on an idle core with the tick stopped still times out (its deadline bounds the idle jump)', async () => {
    const { out, irq, sched } = await run('timedwait', [], {});
    expect(out).toBe('timed out: 1, waited at least 100 ms: 1\n');
    expect(sched.idleCycles).toBeGreaterThan(90_000_000);
    expect(sched.idleCycles).toBeLessThan(110_000_000);
    expect(irq.loc[0]).toBeLessThan(5); // the wait's expiry, not 25 ticks
  }, 120_000);
});
