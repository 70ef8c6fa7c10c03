// The interrupt side's /proc views, exact text. Expected layouts come from Linux's seq_printf
// formats (cited per test) and are checked against real output: the local /proc/softirqs,
// /proc/interrupts TLB row and /proc/stat cpu line in shared/reference/linux-perf-formats.md §3,
// and a riscv /proc/interrupts posted to linux-riscv (StarFive JH7110, 4 harts, 6.1-era: IPI0..IPI5
// with "CPU stop (for crash dump)"), whose rows are reproduced below from its numbers.
import { describe, expect, it } from 'vitest';
import { IPI_CALL_FUNC, IPI_MAX, IPI_RESCHEDULE } from '../../../src/kernel/irq/ipi.ts';
import { riscvTimerLine } from '../../../src/kernel/irq/irqdesc.ts';
import { show_interrupts, interrupts } from '../../../src/kernel/proc/interrupts.ts';
import { show_softirqs, softirqs } from '../../../src/kernel/proc/softirqs.ts';
import { show_stat, statSnapshot } from '../../../src/kernel/proc/stat.ts';
import { cpuShares, fmt51, parseStatCpu, topCpuLabel, topCpuLine } from '../../../src/kernel/proc/top_cpu.ts';
import { NET_RX_SOFTIRQ, TIMER_SOFTIRQ } from '../../../src/kernel/softirq.ts';
import { CPUTIME_IRQ, CPUTIME_SOFTIRQ, NR_STATS, TICK_IDLE } from '../../../src/kernel/time/cputime.ts';
import { makeFixture } from './fixture.ts';

const trimEnds = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n');

describe('/proc/softirqs (fs/proc/softirqs.c: 20 spaces + "CPU%-8d"; "%12s:" + " %10u")', () => {
  it('reproduces the reference machine\'s output from its numbers', () => {
    const ref = `                    CPU0       CPU1
          HI:          0          0
       TIMER:       7684       8293
      NET_TX:          2          1
      NET_RX:        165        226
       BLOCK:          0      16103
    IRQ_POLL:          0          0
     TASKLET:          2          0
       SCHED:      19252      18053
     HRTIMER:          0          0
         RCU:      29688      31342
`;
    const counts = [[0, 0], [7684, 8293], [2, 1], [165, 226], [0, 16103], [0, 0], [2, 0], [19252, 18053], [0, 0], [29688, 31342]];
    const text = show_softirqs(counts, 2);
    // the reference copy lost the header's trailing spaces; Linux prints them ("CPU%-8d")
    expect(text.split('\n')[0]).toBe('                    CPU0       CPU1       ');
    expect(trimEnds(text)).toBe(ref);
  });

  it('shows a built state: counts per core and vector, u32 wrap as %u', () => {
    const fx = makeFixture(3);
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, () => {});
    for (let k = 0; k < 5; k++) {
      fx.softirq.irq_enter(2);
      fx.softirq.__raise_softirq_irqoff(2, NET_RX_SOFTIRQ);
      fx.softirq.irq_exit(2);
    }
    fx.clock[0] = 4_000_000;
    fx.timers.timer_register(1, () => {});
    fx.timers.add_timer_on(0, 1, 1, 0);
    fx.irqs.handle_irq(0, 5, false); // tick 1: the timer_list timer is due -> TIMER softirq
    const lines = softirqs(fx.softirq).split('\n');
    expect(lines[0]).toBe('                    CPU0       CPU1       CPU2       ');
    expect(lines[1 + TIMER_SOFTIRQ]).toBe('       TIMER:          1          0          0');
    expect(lines[1 + NET_RX_SOFTIRQ]).toBe('      NET_RX:          0          0          5');
    expect(lines.length).toBe(12); // header, 10 rows, trailing newline
    expect(show_softirqs([[2 ** 32 + 7], ...Array(9).fill([0])], 1).split('\n')[1]).toBe('          HI:          7');
  });
});

describe('/proc/interrupts (kernel/irq/proc.c show_interrupts; x86 arch_show_interrupts rows LOC RES CAL TLB)', () => {
  it("reproduces the reference machine's LOC, RES, CAL and TLB rows from its numbers", () => {
    // shared/reference/linux-perf-formats.md §3 (x86, 2 cpus); the riscv-timer line is LOC
    const text = show_interrupts({
      cpus: 2,
      nrIrqs: 64,
      lines: [riscvTimerLine],
      irqCounts: [[26211, 27451]],
      ipiCounts: [[9974, 9986], [115341, 118343], [0, 0], [0, 0], [0, 0], [0, 0]],
      tlbCounts: [5269, 5135],
    });
    expect(text).toBe(
      '           CPU0       CPU1       \n' +
        'LOC:      26211      27451   Local timer interrupts\n' +
        'RES:       9974       9986   Rescheduling interrupts\n' +
        'CAL:     115341     118343   Function call interrupts\n' +
        'TLB:       5269       5135   TLB shootdowns\n',
    );
  });

  it('device lines first, numbered (" %8s" chip, hwirq, Level/Edge, name); the column widens at 1000 irqs', () => {
    const nic = { irq: 16, chip: 'SiFive PLIC', hwirq: 8, level: false, name: 'eth0-rx-0' };
    const snap = (nrIrqs: number) => show_interrupts({
      cpus: 2, nrIrqs, lines: [riscvTimerLine, nic], irqCounts: [[7, 1], [3, 0]],
      ipiCounts: Array.from({ length: IPI_MAX }, () => [0, 0]), tlbCounts: [0, 0],
    }).split('\n');
    expect(snap(64).slice(0, 3)).toEqual([
      '           CPU0       CPU1       ',
      ' 16:          3          0  SiFive PLIC   8 Edge      eth0-rx-0',
      'LOC:          7          1   Local timer interrupts',
    ]);
    expect(snap(1000).slice(1, 3)).toEqual([
      '  16:          3          0  SiFive PLIC    8 Edge      eth0-rx-0',
      ' LOC:          7          1   Local timer interrupts',
    ]);
  });

  it('shows the built state: timer interrupts and IPIs counted on the cores that took them', () => {
    const fx = makeFixture(2);
    for (let t = 1; t <= 3; t++) {
      fx.clock[0] = t * 4_000_000;
      fx.irqs.handle_irq(0, 5, true);
    }
    fx.ipi.smp_send_reschedule(1);
    fx.ipi.smp_send_reschedule(1); // still pending: the same interrupt
    expect(fx.ipi.poll(1)).toBe(1 << IPI_RESCHEDULE);
    fx.ipi.smp_send_reschedule(1);
    fx.ipi.poll(1);
    fx.smp.smp_register(7, () => {});
    fx.smp.smp_call_function_single(1, 0, 7);
    fx.ipi.poll(0);
    fx.ipi.inc_tlb_count(1);
    const text = interrupts(fx.irqs, fx.ipi).split('\n');
    expect(text[1]).toBe('LOC:          3          0   Local timer interrupts');
    expect(text[2]).toBe('RES:          0          2   Rescheduling interrupts');
    expect(text[3]).toBe('CAL:          1          0   Function call interrupts');
    expect(text[4]).toBe('TLB:          0          1   TLB shootdowns');
    expect(fx.ipi.raises(1, IPI_RESCHEDULE)).toBe(2);
    expect(fx.ipi.stats(0, IPI_CALL_FUNC)).toBe(1);
    // /proc/stat's intr total is the sum of every row shown
    const snap = statSnapshot(fx.cputime, fx.tick, fx.irqs, fx.softirq, { ctxt: 0, btime: 0, processes: 1, procs_running: 1, procs_blocked: 0 }, fx.ipi);
    expect(show_stat(snap).split('\n').find((l) => l.startsWith('intr '))).toBe(`intr 7${' 0'.repeat(64)}`);
  });
});

describe('/proc/stat (fs/proc/stat.c show_stat)', () => {
  it('prints cpu lines in USER_HZ, intr over nr_irqs, the counters and the softirq line', () => {
    const ns = (ticks: number): number => ticks * 10_000_000;
    const row = (v: number[]): number[] => v.map(ns);
    // enum cpu_usage_stat order: user nice system softirq irq idle iowait steal guest guest_nice
    const cpustat = [row([20, 0, 5, 2, 0, 100, 1, 0, 0, 0]), row([7, 3, 1, 0, 1, 50, 0, 0, 0, 0])];
    // nsec_to_clock_t rounds down per cpu, and the "cpu" line converts the ns sum
    cpustat[0]![0]! += 9_999_999;
    cpustat[1]![0]! += 9_999_999;
    const irqs = new Array<number>(64).fill(0);
    irqs[16] = 1234;
    const text = show_stat({ cpustat, irqs, archIrqs: 100, softirqs: [0, 7, 0, 3, 0, 0, 0, 2, 0, 1], ctxt: 99, btime: 1700000000, processes: 12, procs_running: 3, procs_blocked: 1 });
    expect(text).toBe(
      'cpu  28 3 6 150 1 1 2 0 0 0\n' +
        'cpu0 20 0 5 100 1 0 2 0 0 0\n' +
        'cpu1 7 3 1 50 0 1 0 0 0 0\n' +
        `intr 1334${' 0'.repeat(16)} 1234${' 0'.repeat(47)}\n` +
        'ctxt 99\nbtime 1700000000\nprocesses 12\nprocs_running 3\nprocs_blocked 1\n' +
        'softirq 13 0 7 0 3 0 0 0 2 0 1\n',
    );
    // the reference line's shape: "cpu" + two spaces + ten numbers
    expect(text.split('\n')[0]).toMatch(/^cpu {2}\d+( \d+){9}$/);
  });

  it('snapshot of a built state: exact irq and softirq time, idle from the nohz sleep time', () => {
    const fx = makeFixture(2);
    fx.softirq.open_softirq(NET_RX_SOFTIRQ, (c) => {
      fx.clock[c]! += 30_000_000; // 30 ms of NET_RX
    });
    // core 0: idle from 0 to 1 s, one NIC interrupt in the middle
    fx.currKind[0] = TICK_IDLE;
    fx.tick.tick_nohz_idle_enter(0, 0);
    fx.clock[0] = 500_000_000;
    fx.softirq.irq_enter(0);
    fx.clock[0]! += 20_000_000; // 20 ms of top half
    fx.softirq.__raise_softirq_irqoff(0, NET_RX_SOFTIRQ);
    fx.softirq.irq_exit(0);
    fx.clock[0] = 1_000_000_000;
    fx.tick.tick_nohz_idle_exit(0, fx.clock[0]);
    const snap = statSnapshot(fx.cputime, fx.tick, fx.irqs, fx.softirq, { ctxt: 0, btime: 0, processes: 1, procs_running: 1, procs_blocked: 0 });
    expect(snap.cpustat[0]![CPUTIME_IRQ]).toBe(20_000_000);
    expect(snap.cpustat[0]![CPUTIME_SOFTIRQ]).toBe(30_000_000);
    expect(snap.cpustat[0]!.length).toBe(NR_STATS);
    const text = show_stat(snap);
    expect(text.split('\n')[1]).toBe('cpu0 0 0 0 95 0 2 3 0 0 0');
    expect(text.split('\n').at(-2)).toBe('softirq 1 0 0 0 1 0 0 0 0 0 0');
  });
});

describe("top's %Cpu(s) line (procps-ng top.c STATE_lin2x7_fmt, summary_hlp)", () => {
  const zero = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  it('reproduces the reference line from deltas', () => {
    const cur = { user: 243, nice: 0, system: 52, idle: 9683, iowait: 11, irq: 11, softirq: 0, steal: 0 };
    expect(topCpuLine(zero, cur)).toBe('%Cpu(s):  2.4 us,  0.5 sy,  0.0 ni, 96.8 id,  0.1 wa,  0.1 hi,  0.0 si,  0.0 st');
  });
  it('reads two /proc/stat samples; 100% fills the field; per-cpu label', () => {
    const a = 'cpu  100 0 50 1000 0 0 0 0 0 0\ncpu0 100 0 50 1000 0 0 0 0 0 0\n';
    const b = 'cpu  100 0 50 1000 0 0 400 0 0 0\ncpu0 100 0 50 1000 0 0 400 0 0 0\n';
    expect(topCpuLine(parseStatCpu(a), parseStatCpu(b))).toBe('%Cpu(s):  0.0 us,  0.0 sy,  0.0 ni,  0.0 id,  0.0 wa,  0.0 hi,100.0 si,  0.0 st');
    expect(topCpuLine(parseStatCpu(a, 'cpu0'), parseStatCpu(a, 'cpu0'), topCpuLabel(0))).toBe(
      '%Cpu0  :  0.0 us,  0.0 sy,  0.0 ni,100.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st',
    );
    expect(() => parseStatCpu(a, 'cpu3')).toThrow(/no "cpu3" line/);
  });
  it('rounds like glibc printf on single-precision values (ties to even)', () => {
    expect(fmt51(0.25)).toBe('  0.2');
    expect(fmt51(0.75)).toBe('  0.8');
    expect(fmt51(Math.fround(0.35))).toBe('  0.3');
    expect(fmt51(Math.fround(100))).toBe('100.0');
    // 1 of 3: 33.333332 in float
    expect(cpuShares(zero, { ...zero, user: 1, idle: 2 }).map(fmt51)).toEqual([' 33.3', '  0.0', '  0.0', ' 66.7', '  0.0', '  0.0', '  0.0', '  0.0']);
  });
});
