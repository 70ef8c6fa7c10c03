// /proc/PID/status, stat and statm, held against Linux 6.1 fs/proc/array.c (proc_pid_status
// with task_state, task_mem, task_core_dumping, task_thp_status, task_sig, task_cap,
// task_seccomp, task_cpus_allowed, cpuset_task_status_allowed, task_context_switch_counts;
// do_task_stat; proc_pid_statm) and against this host's real Linux (6.18) text.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bitmapList, bitmapString, CAP_FULL_SET, doTaskStat, procPidStatm, procPidStatus, rlimitSigpendingDefault, type TaskMm,
} from '../../../src/kernel/proc/array.ts';
import { mmCounters } from '../../../src/kernel/proc/smaps.ts';
import { taskMmWalk } from '../../../src/kernel/proc/base.ts';
import { ARGS_AT, threeProcesses, World } from './helpers.ts';

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

function mmOf(w: World, pid: number): TaskMm {
  const p = w.tasks.get(pid)!;
  const wk = taskMmWalk(w.view(), p)!;
  const c = mmCounters(wk);
  return { w: wk, rss: { ...c, hiwaterRss: 0, pteBytes: w.pt.mm_pgtables_bytes(p.pgd), swap: 0 } };
}

describe('/proc/PID/status', () => {
  it('pid 1, whole, in proc_pid_status order', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    a.voluntaryCtxtSwitches = 7;
    a.sigCaught = (1n << 10n) | (1n << 16n); // SIGSEGV (11) and SIGSTKFLT (17) have handlers
    a.sigBlocked = 1n << 63n; // signal 64
    const sigq = Math.floor(Math.floor((w.alloc.totalramPages() * 4096) / (16384 * 8)) / 2);
    expect(procPidStatus(a, mmOf(w, 1), 2)).toBe([
      'Name:\tprog', 'Umask:\t0022', 'State:\tR (running)', 'Tgid:\t1', 'Ngid:\t0', 'Pid:\t1', 'PPid:\t0', 'TracerPid:\t0',
      'Uid:\t0\t0\t0\t0', 'Gid:\t0\t0\t0\t0', 'FDSize:\t64', 'Groups:\t ', 'NStgid:\t1', 'NSpid:\t1', 'NSpgid:\t1', 'NSsid:\t1',
      // 25 pages of VMAs: text 2 (exec), data 1 + heap 2 + mmap 16 (data), shm 2 (shared: none), stack 2
      'VmPeak:\t     100 kB', 'VmSize:\t     100 kB', 'VmLck:\t      64 kB', 'VmPin:\t       0 kB',
      'VmHWM:\t      36 kB', 'VmRSS:\t      36 kB', 'RssAnon:\t      24 kB', 'RssFile:\t       8 kB', 'RssShmem:\t       4 kB',
      'VmData:\t      76 kB', 'VmStk:\t       8 kB', 'VmExe:\t       8 kB', 'VmLib:\t       0 kB',
      // page tables below the pgd: pmd[0] + pte for 0x10000, pmd[255] + ptes for 2 MiB slots 504 and 511
      'VmPTE:\t      20 kB', 'VmSwap:\t       0 kB',
      'CoreDumping:\t0', 'THP_enabled:\t0', 'Threads:\t1', `SigQ:\t0/${sigq}`,
      'SigPnd:\t0000000000000000', 'ShdPnd:\t0000000000000000', 'SigBlk:\t8000000000000000', 'SigIgn:\t0000000000000000',
      'SigCgt:\t0000000000010400',
      'CapInh:\t0000000000000000', 'CapPrm:\t000001ffffffffff', 'CapEff:\t000001ffffffffff', 'CapBnd:\t000001ffffffffff',
      'CapAmb:\t0000000000000000', 'NoNewPrivs:\t0', 'Seccomp:\t0', 'Seccomp_filters:\t0',
      'Speculation_Store_Bypass:\tunknown', 'SpeculationIndirectBranch:\tunsupported',
      'Cpus_allowed:\t3', 'Cpus_allowed_list:\t0-1', 'Mems_allowed:\t1', 'Mems_allowed_list:\t0',
      'voluntary_ctxt_switches:\t7', 'nonvoluntary_ctxt_switches:\t0',
    ].join('\n') + '\n');
    expect(CAP_FULL_SET).toBe(0x1ffffffffffn);
    expect(rlimitSigpendingDefault(1)).toBe(10); // clamped up to MIN_THREADS = 20
  });

  it('has a real Linux status file\'s keys in its order (less 6.18\'s Kthread and untag_mask, and HugetlbPages: no hugetlb)', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    const keys = (s: string): string[] => s.split('\n').filter((l) => l !== '').map((l) => l.slice(0, l.indexOf(':')));
    const linux = keys(fixture('linux-6.18-status.txt')).filter((k) => !['Kthread', 'untag_mask', 'HugetlbPages'].includes(k));
    expect(keys(procPidStatus(a, mmOf(w, 1), 2))).toEqual(linux);
    // and the same separators: "Key:\t" everywhere, the Vm block's values right-aligned in 8
    const host = fixture('linux-6.18-status.txt');
    expect(host).toMatch(/^VmHWM:\t {4}\d{4} kB$/m);
    expect(procPidStatus(a, mmOf(w, 1), 2)).toMatch(/^VmHWM:\t {6}36 kB$/m);
    expect(host).toMatch(/^Groups:\t \n/m);
  });

  it('a zombie (no mm) has no Vm block, CoreDumping or THP_enabled', () => {
    const w = new World();
    const { b } = threeProcesses(w);
    b.state = 'Z';
    const s = procPidStatus(b, null, 2);
    expect(s).toContain('State:\tZ (zombie)\nTgid:\t2');
    expect(s).toContain('NSsid:\t2\nThreads:\t1\n');
    expect(s).not.toMatch(/Vm|CoreDumping|THP_enabled/);
  });

  it('escapes Name, prints Umask as %#04o and groups space-separated with the trailing space', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    a.comm = 'a\\b\nc';
    a.umask = 0;
    a.groups = [4, 24, 1000];
    const s = procPidStatus(a, null, 2);
    expect(s.startsWith('Name:\ta\\\\b\\nc\nUmask:\t0000\n')).toBe(true);
    expect(s).toContain('Groups:\t4 24 1000 \n');
    a.umask = 0o777;
    expect(procPidStatus(a, null, 2)).toContain('Umask:\t0777\n');
  });

  it('cpumasks print as bitmap_string / bitmap_list do', () => {
    expect(bitmapString([0], 1)).toBe('1');
    expect(bitmapString([0, 1, 2, 3], 4)).toBe('f');
    expect(bitmapString([0, 2, 3], 6)).toBe('0d');
    expect(bitmapString([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('ff');
    expect(bitmapString([0, 32], 33)).toBe('1,00000001');
    expect(bitmapString([0], 64)).toBe('00000000,00000001');
    expect(bitmapList([0, 2, 3, 5, 6, 7])).toBe('0,2-3,5-7');
    expect(bitmapList([1])).toBe('1');
    // the host's Mems_allowed: 1024 node bits (x86 NODES_SHIFT 10) with node 0 set
    const host = fixture('linux-6.18-status.txt').match(/^Mems_allowed:\t(.*)$/m)![1];
    expect(bitmapString([0], host!.split(',').length * 32)).toBe(host);
  });
});

describe('/proc/PID/stat', () => {
  it('the 52 fields of do_task_stat for pid 1', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    Object.assign(a, { minFlt: 42, majFlt: 3, cminFlt: 5, utimeNs: 1.234e9, stimeNs: 0.05e9, startTimeNs: 20e6, processor: 1 });
    const text = doTaskStat(a, mmOf(w, 1));
    const argStart = ARGS_AT;
    expect(text).toBe([
      1, '(prog)', 'R', 0, 1, 1, 0, -1, 0, 42, 5, 3, 0, 123, 5, 0, 0, 20, 0, 1, 0, 2,
      25 * 4096, 9, '18446744073709551615', 0x10000, 0x11800, ARGS_AT - 0x10, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 17, 1, 0, 0, 0, 0, 0,
      0x12000, 0x12800, 0x13000, argStart, argStart + 8, argStart + 8, argStart + 12, 0,
    ].join(' ') + '\n');
    expect(text.trim().split(' ')).toHaveLength(52);
    expect(fixture('linux-6.18-stat.txt').trim().split(' ')).toHaveLength(52);
  });

  it('wchan is 1 for a sleeping task; signals are the low 31 bits in decimal', () => {
    const w = new World();
    const { a } = threeProcesses(w);
    a.state = 'S';
    a.sigBlocked = (1n << 63n) | (1n << 1n) | (1n << 31n);
    const f = doTaskStat(a, mmOf(w, 1)).trim().split(' ');
    expect(f[2]).toBe('S');
    expect(f[31]).toBe('2'); // blocked: bit 63 and bit 31 masked away
    expect(f[34]).toBe('1');
  });
});

describe('/proc/PID/statm', () => {
  it('size resident shared text 0 data 0, in pages', () => {
    const w = new World();
    threeProcesses(w);
    // resident 9 = anon 6 + file 2 + shmem 1; shared = file + shmem; data = data_vm 19 + stack_vm 2
    expect(procPidStatm(mmOf(w, 1))).toBe('25 9 3 2 0 21 0\n');
    expect(procPidStatm(null)).toBe('0 0 0 0 0 0 0\n');
    expect(fixture('linux-6.18-statm.txt').trim().split(' ')).toHaveLength(7);
  });
});
