// --top's frame (src/kernel/proc/top.ts), exact text from two samples: the %Cpu lines from the
// /proc/stat deltas, rows by %CPU (runtime delta over the interval), TIME+ as m:ss.hh.
import { describe, expect, it } from 'vitest';
import { timePlus, topFrame, type TopSample } from '../../../src/kernel/proc/top.ts';

const stat = (u: number, si: number, id: number) => `cpu  ${u} 0 0 ${id} 0 0 ${si} 0 0 0\ncpu0 ${u} 0 0 ${id} 0 0 ${si} 0 0 0\n`;

describe('top frames', () => {
  it('TIME+ is minutes:seconds.hundredths', () => {
    expect(timePlus(0)).toBe('0:00.00');
    expect(timePlus(1_234_567_890)).toBe('0:01.23');
    expect(timePlus(61_990_000_000)).toBe('1:01.99');
    expect(timePlus(3_600e9)).toBe('60:00.00');
  });

  it('a frame: header, %Cpu(s) and %Cpu0 lines, threads by %CPU then PID', () => {
    const prev: TopSample = { ns: 100_000_000, stat: stat(5, 0, 5), cpus: 1, tasks: [
      { pid: 1, user: 'root', prio: 20, nice: 0, state: 'R', runtimeNs: 50_000_000, cpu: 0, comm: 'spin' },
      { pid: 2, user: 'root', prio: 20, nice: 0, state: 'S', runtimeNs: 0, cpu: 0, comm: 'ksoftirqd/0' },
    ] };
    const cur: TopSample = { ns: 200_000_000, stat: stat(11, 4, 5), cpus: 1, tasks: [
      { pid: 1, user: 'root', prio: 20, nice: 0, state: 'R', runtimeNs: 110_000_000, cpu: 0, comm: 'spin' },
      { pid: 2, user: 'root', prio: 20, nice: 0, state: 'R', runtimeNs: 40_000_000, cpu: 0, comm: 'ksoftirqd/0' },
      { pid: 3, user: 'root', prio: -100, nice: 0, state: 'S', runtimeNs: 0, cpu: 1, comm: 'rt' },
    ] };
    expect(topFrame(prev, cur)).toBe(
      'top - 0.200 s (simulated), every 0.100 s\n' +
        'Threads:   3 total,   2 running,   1 sleeping,   0 stopped,   0 zombie\n' +
        '%Cpu(s): 60.0 us,  0.0 sy,  0.0 ni,  0.0 id,  0.0 wa,  0.0 hi, 40.0 si,  0.0 st\n' +
        '%Cpu0  : 60.0 us,  0.0 sy,  0.0 ni,  0.0 id,  0.0 wa,  0.0 hi, 40.0 si,  0.0 st\n' +
        '\n' +
        '    PID USER      PR  NI S  %CPU     TIME+  P COMMAND\n' +
        '      1 root      20   0 R  60.0   0:00.11  0 spin\n' +
        '      2 root      20   0 R  40.0   0:00.04  0 ksoftirqd/0\n' +
        '      3 root      rt   0 S   0.0   0:00.00  1 rt\n' +
        '\n',
    );
  });
});
