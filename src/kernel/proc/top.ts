// `--top INTERVAL`: frames as procps-ng top prints them in threads mode (top -H, with the
// `1` toggle's per-CPU lines and the P column), over simulated time. Between two samples:
//   top - <simulated time> (simulated), every <interval>
//   Threads: %3u total, %3u running, %3u sleeping, %3u stopped, %3u zombie   (threads mode's label)
//   %Cpu(s): ... us, ... sy, ... ni, ... id, ... wa, ... hi, ... si, ... st   (top_cpu.ts)
//   %Cpu0  : ...              (one per core: the `1` toggle's lines, here under the summary)
//   (blank)
//       PID USER      PR  NI S  %CPU     TIME+  P COMMAND
// PID "%7d", USER "%-8s", PR "%3s" (prio - 100, "rt" for real-time), NI "%3d", S, %CPU
// "%#5.1f" of the task's runtime delta over the interval (threads mode: one thread's share of
// one core), TIME+ "%u:%02u.%02u" (minutes, seconds, hundredths), P the last core, COMMAND.
// Rows by %CPU, highest first, then by PID. No memory columns: the header's time line says
// simulated time instead of the wall clock and load average this machine does not keep.

import { fmt51, parseStatCpu, topCpuLabel, topCpuLine } from './top_cpu.ts';

export interface TopTask {
  pid: number;
  user: string;
  /** task->prio - MAX_RT_PRIO (20 for nice 0; negative for real-time). */
  prio: number;
  nice: number;
  state: 'R' | 'S' | 'D' | 'Z' | 'T' | 'I';
  /** sum_exec_runtime, ns. */
  runtimeNs: number;
  /** The core it last ran on. */
  cpu: number;
  comm: string;
}

export interface TopSample {
  /** Simulated time of the sample (core 0's clock), ns. */
  ns: number;
  /** /proc/stat's text at the sample. */
  stat: string;
  tasks: TopTask[];
  cpus: number;
}

/** "%u:%02u.%02u" of ns (TIME+). */
export function timePlus(ns: number): string {
  const cs = Math.floor(ns / 1e7);
  return `${Math.floor(cs / 6000)}:${String(Math.floor(cs / 100) % 60).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}

function secs(ns: number): string {
  return (ns / 1e9).toFixed(3);
}

/** One frame: what changed from `prev` to `cur`. */
export function topFrame(prev: TopSample, cur: TopSample): string {
  const dt = cur.ns - prev.ns;
  const count = (st: string): number => cur.tasks.filter((t) => t.state === st).length;
  let out = `top - ${secs(cur.ns)} s (simulated), every ${secs(dt)} s\n`;
  out += `Threads: ${String(cur.tasks.length).padStart(3)} total, ${String(count('R')).padStart(3)} running, ${String(count('S') + count('D') + count('I')).padStart(3)} sleeping, ${String(count('T')).padStart(3)} stopped, ${String(count('Z')).padStart(3)} zombie\n`;
  out += topCpuLine(parseStatCpu(prev.stat), parseStatCpu(cur.stat)) + '\n';
  for (let c = 0; c < cur.cpus; c++) out += topCpuLine(parseStatCpu(prev.stat, `cpu${c}`), parseStatCpu(cur.stat, `cpu${c}`), topCpuLabel(c)) + '\n';
  out += '\n    PID USER      PR  NI S  %CPU     TIME+  P COMMAND\n';
  const before = new Map(prev.tasks.map((t) => [t.pid, t.runtimeNs]));
  const rows = cur.tasks.map((t) => ({ t, pcpu: dt > 0 ? Math.fround(((t.runtimeNs - (before.get(t.pid) ?? 0)) / dt) * 100) : 0 }));
  rows.sort((a, b) => b.pcpu - a.pcpu || a.t.pid - b.t.pid);
  for (const { t, pcpu } of rows) {
    const pr = t.prio <= -100 ? 'rt' : String(t.prio);
    out += `${String(t.pid).padStart(7)} ${t.user.padEnd(8)} ${pr.padStart(3)} ${String(t.nice).padStart(3)} ${t.state} ${fmt51(pcpu)} ${timePlus(t.runtimeNs).padStart(9)} ${String(t.cpu).padStart(2)} ${t.comm}\n`;
  }
  return out + '\n';
}
