// top's CPU states line (procps-ng top.c summary_hlp, format STATE_lin2x7_fmt):
//   "%Cpu(s):" then "%#5.1f us," "%#5.1f sy," "%#5.1f ni," "%#5.1f id," "%#5.1f wa,"
//   "%#5.1f hi," "%#5.1f si," "%#5.1f st" with nothing between them but the words
// (per-cpu lines say "%Cpu0  :"). Each share is the field's delta between two /proc/stat
// samples over the sum of the eight deltas (user nice system idle iowait irq softirq steal;
// guest is already inside user), computed in single precision as top does; a negative delta
// counts as 0, and an interval with no ticks at all shows 100% idle.

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** The cpu (or cpuN) line of /proc/stat text as CpuTimes. */
export function parseStatCpu(stat: string, which = 'cpu'): CpuTimes {
  for (const line of stat.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== which) continue;
    const n = f.slice(1, 9).map(Number);
    return { user: n[0]!, nice: n[1]!, system: n[2]!, idle: n[3]!, iowait: n[4]!, irq: n[5]!, softirq: n[6]!, steal: n[7]! };
  }
  throw new Error(`top: no "${which}" line in /proc/stat`);
}

/** printf("%#5.1f", x) for a float32 x: round half to even on the exact value, width 5. */
export function fmt51(x: number): string {
  const y = x * 10; // exact: a float32 times 10 fits a double
  let n = Math.floor(y);
  const frac = y - n;
  if (frac > 0.5 || (frac === 0.5 && n % 2 !== 0)) n++;
  const neg = n < 0;
  const a = Math.abs(n);
  return `${neg ? '-' : ''}${Math.floor(a / 10)}.${a % 10}`.padStart(5);
}

/** The eight shares in percent (float32 arithmetic as top's). */
export function cpuShares(prev: CpuTimes, cur: CpuTimes): number[] {
  const keys: (keyof CpuTimes)[] = ['user', 'system', 'nice', 'idle', 'iowait', 'irq', 'softirq', 'steal'];
  const d = keys.map((k) => Math.max(0, cur[k] - prev[k]));
  let tot = d.reduce((a, b) => a + b, 0);
  if (tot < 1) {
    tot = 1;
    d[3] = 1;
  }
  const scale = Math.fround(100 / Math.fround(tot));
  return d.map((v) => Math.fround(Math.fround(v) * scale));
}

/** "%Cpu(s):  2.4 us,  0.5 sy,  0.0 ni, 96.8 id,  0.1 wa,  0.1 hi,  0.0 si,  0.0 st" */
export function topCpuLine(prev: CpuTimes, cur: CpuTimes, label = 'Cpu(s):'): string {
  const [us, sy, ni, id, wa, hi, si, st] = cpuShares(prev, cur).map(fmt51);
  return `%${label}${us} us,${sy} sy,${ni} ni,${id} id,${wa} wa,${hi} hi,${si} si,${st} st`;
}

/** top's per-cpu label: "Cpu0  :" (WORD_eachcpu_fmt "Cpu%-3d:"). */
export function topCpuLabel(cpu: number): string {
  return `Cpu${String(cpu).padEnd(3)}:`;
}
