// Signal delivery under `--boot linux` (test/machine/linux/signals.c, built with Debian's
// riscv64-linux-gnu-gcc -static -pthread): handlers through raise, kill, sigqueue and
// pthread_kill; siginfo; a SIGSEGV handler leaving by siglongjmp; abort(); masks and
// sigpending; EINTR from futex, nanosleep and wait4; rt_sigsuspend, rt_sigtimedwait; the
// alternate stack; SA_NODEFER, SA_RESETHAND; the registers after rt_sigreturn; pthread_cancel
// (SIGCANCEL, and libgcc's unwinder recognising the sigreturn trampoline); bad input.
// Each case's output is compared with qemu-riscv64's, and with the expected text (qemu's,
// recorded) where qemu is not installed.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
const withQemu = qemuInstalled || qemuRequired;

let bin: Uint8Array;
let binFile: string;

async function run(arg: string, o: { memory: 'flat' | 'caches'; cores: number; threads: number } = { memory: 'flat', cores: 1, threads: 1 }) {
  const out = sink();
  const err = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', ...o }), bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/signals', args: [arg] } });
  return { r, out: out.text(), err: err.text() };
}

function qemu(arg: string) {
  return spawnSync('qemu-riscv64', [binFile, arg], { encoding: 'utf8', timeout: 60_000 });
}

/** What each case prints: recorded from qemu-riscv64 (Debian qemu-user 7.2) and checked against it again where it is installed. */
const EXPECTED: Record<string, string> = {
  raise: 'after raise: hits 1 sig 10\nafter kill: hits 2\nignored: hits 2\n',
  siginfo: 'kill: signo 12 code 0 pid-is-me 1 uid 0\nraise: signo 12 code -6 (SI_TKILL -6) pid-is-me 1\n' +
    'sigqueue: signo-is-rtmin+1 1 code -1 (SI_QUEUE -1) value 42\nhits 3\n',
  segv: 'null store: signo 11 code 1 (SEGV_MAPERR 1) addr 16\nuc_sigmask: USR2 1 SEGV 0; blocked in the handler: SEGV 1\n' +
    'text store: code 2 (SEGV_ACCERR 2) addr-is-t_segv 1\njump to 0x1000: code 1 addr 0x1000, uc pc is it 1\nSIGSEGV blocked after siglongjmp: 0\n',
  pthread_kill: 'handler ran in the worker: 1\n',
  mask: 'blocked: hits 0 pending USR1 1 USR2 0\nunblocked: hits 2 pending USR1 0\n',
  eintr: 'futex wait: EINTR, handler ran 1\n',
  nanosleep: 'nanosleep: -1 EINTR, rem in (0, 100 s): 1\n',
  sigchld: 'sigchld: hits 1 signo 17 code 1 (CLD_EXITED 1) status 7 pid-is-child 1; waitpid 1 exit 7\n',
  wait_eintr: 'waitpid: EINTR first, then reaped 1 signaled 1 by 9\n',
  sigsuspend: 'sigsuspend: -1 EINTR hits 1, USR1 blocked again 1\n',
  stop: 'CLD_STOPPED by 19, CLD_CONTINUED by 18, then killed by 9\n',
  pause: 'pause: -1 EINTR, handler ran 1; ppoll 10 ms: 0, left 0.010000000\n',
  sigtimedwait: 'sigtimedwait: 12 code 0 hits 0\nnothing pending: -1 EAGAIN\n10 ms timeout: -1 EAGAIN\n',
  altstack: 'altstack: handler on it 1, flags there 1 (SS_ONSTACK 1), flags after 0\n',
  nodefer: 'SA_NODEFER: max depth 2\ndefault: max depth 1, handler ran 2 times\n',
  regs: 'after the handler: s2 77 s3 88 fs2 2.5 frm 1\n',
  cancel: 'deferred: canceled 1 cleanup ran 1\nasynchronous: canceled 1\n',
  // 600 forks exceed the 512 task slots unless each child is reaped at its exit.
  nocldwait: '600 forks, 0 failed; wait: -1 ECHILD\n',
  bad: [
    'kill sig 65: 22', 'kill sig -1: 22', 'kill sig 0 to me: 0', 'kill no such pid: 3', 'tgkill tid 0: 22', 'tgkill tgid -1: 22',
    'tgkill wrong tgid: 3', 'tgkill sig 65: 22', 'tkill no such tid: 3', 'sigaction SIGKILL: 22', 'sigaction SIGSTOP: 22',
    'rt_sigaction sig 0: 22', 'rt_sigaction sig 65: 22', 'rt_sigaction bad act: 14', 'rt_sigprocmask bad set: 14',
    'rt_sigpending bad set: 14', 'rt_sigpending size 16: 22', 'rt_sigsuspend bad set: 14', 'rt_sigqueueinfo bad info: 14',
    'rt_sigqueueinfo SI_USER to another pid: 1', 'rt_sigtimedwait bad timeout: 14',
  ].join('\n') + '\n',
};

describe.skipIf(!have)('--boot linux: signal delivery', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/signals.c', import.meta.url));
    binFile = join(mkdtempSync(join(tmpdir(), 'smpemu-sig-')), 'signals');
    writeFileSync(binFile, bin);
    chmodSync(binFile, 0o755);
  }, 120_000);

  it.each(Object.keys(EXPECTED))('%s: the same output as qemu-riscv64', async (arg) => {
    const { r, out } = await run(arg);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(out).toBe(EXPECTED[arg]);
    if (withQemu) {
      const q = qemu(arg);
      expect(q.status).toBe(0);
      expect(q.stdout).toBe(out);
    }
    // Every signal syscall the case makes is implemented (glibc's rseq and clone3 probes aside).
    expect(r.unimplementedSyscalls.filter((x) => x.name !== 'rseq' && x.name !== 'clone3')).toEqual([]);
  }, 120_000);

  it.each(Object.keys(EXPECTED))('%s on 4 cores with caches (threads and processes spread over them): the same output', async (arg) => {
    const { r, out } = await run(arg, { memory: 'caches', cores: 4, threads: 1 });
    expect(r.error).toBeUndefined();
    expect(out).toBe(EXPECTED[arg]);
  }, 300_000);

  it('abort(): SIGABRT kills the process: exit status 134 and the report, as qemu', async () => {
    const { r, out } = await run('abort');
    expect(out).toBe('before abort\n');
    expect(r.exitCode).toBe(134);
    expect(r.error).toMatch(/^core 0: pid 1 \(signals\) SIGABRT at pc 0x[0-9a-f]+ \([^)]*\): sent by tgkill\(\) from pid 1$/);
    if (withQemu) {
      const q = qemu('abort');
      expect(q.signal).toBe('SIGABRT');
      expect(q.stdout).toBe(out);
    }
  }, 60_000);

  it('SA_RESETHAND: the second SIGUSR1 takes the default action (exit 138), as qemu', async () => {
    const { r, out } = await run('resethand');
    expect(out).toBe('first: hits 1\n');
    expect(r.exitCode).toBe(138);
    expect(r.error).toMatch(/SIGUSR1 at pc 0x[0-9a-f]+ .*: sent by tgkill\(\) from pid 1$/);
    if (withQemu) {
      const q = qemu('resethand');
      expect(q.signal).toBe('SIGUSR1');
      expect(q.stdout).toBe(out);
    }
  }, 60_000);

  it('SIGTERM from a child while pid 1 runs user code: taken at the timer tick, exit 143, as qemu', async () => {
    const { r, out } = await run('term');
    expect(out).toBe('spinning\n');
    expect(r.exitCode).toBe(143);
    expect(r.error).toMatch(/^core 0: pid 1 \(signals\) SIGTERM at pc 0x[0-9a-f]+ \((main|t_term)\+0x[0-9a-f]+\): sent by kill\(\) from pid 3$/); // pid 2 is ksoftirqd/0
    if (withQemu) {
      const q = qemu('term');
      expect(q.signal).toBe('SIGTERM');
      expect(q.stdout).toBe(out);
    }
  }, 60_000);

  it('SIGPIPE: a write to a pipe without readers runs the handler and says EPIPE; by default it kills (141), as qemu', async () => {
    const { r, out } = await run('sigpipe');
    expect(out).toBe('write: -1 EPIPE, handler ran 1 for 13\n');
    expect(r.exitCode).toBe(141);
    expect(r.error).toMatch(/SIGPIPE at pc 0x[0-9a-f]+ .*: a write to a pipe with no reader/);
    if (withQemu) {
      const q = qemu('sigpipe');
      expect(q.signal).toBe('SIGPIPE');
      expect(q.stdout).toBe(out);
    }
  }, 60_000);

  it('a stopped child is off the run queue: its parent waiting for it is a deadlock smpemu reports (Linux would hang)', async () => {
    const { r, out } = await run('stophang');
    expect(out).toBe('stopped\n');
    expect(r.exitCode).toBe(137);
    expect(r.error).toBe('core 0: every task is asleep with nothing to wake it: 1 (signals, wait4), 3 (signals, stopped)'); // pid 2 is ksoftirqd/0
  }, 60_000);

  it('/proc/self/status: SigQ, SigPnd (the thread\'s), ShdPnd (the process\'s), SigBlk, SigIgn, SigCgt as the process set them', async () => {
    const { r, out, err } = await run('procstatus');
    expect(r.error).toBeUndefined();
    expect(out).toBe('done\n');
    expect(err).toBe('status: the signal lines match\n');
  }, 60_000);

  it('the sigreturn trampoline is one r-x page below 2 GiB, mapped at the first handler', async () => {
    const out = sink();
    const err = sink();
    const r = await runMachine(makeConfig({ boot: 'linux', memory: 'flat', cores: 1, threads: 1 }), bin, {
      stdout: out.out, stderr: err.out, linux: { execfn: '/signals', args: ['raise'], proc: ['/proc/1/maps'] },
    });
    expect(r.error).toBeUndefined();
    const maps = r.process!.proc!.find((p) => p.path === '/proc/1/maps')!.text;
    expect(maps).toMatch(/^7ffff000-80000000 r-xp 00000000 00:00 0 *$/m);
  }, 60_000);
});
