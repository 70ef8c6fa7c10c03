// The signal code without a machine: struct sigpending's order, the rt_sigframe layout and its
// round trip (randomized registers, printed seed), the syscall restart rules of handle_signal
// and do_signal, the default actions, and send_signal's choices (ignored, merged, queued,
// which thread is woken). A fake core and user memory (test/kernel/syscalls/helpers.ts) and
// a fake kernel (SignalHost) stand in for the machine.

import { describe, expect, it } from 'vitest';
import { TRAP_RESUME, TRAP_STOP, type Cpu } from '../../../src/kernel/cpu.ts';
import { exitToUserMode, SIG_RESUMED, signalSyscall, trapEntry, type SignalHost, type SigTask } from '../../../src/kernel/signal/index.ts';
import { NOT_MINE } from '../../../src/kernel/syscalls/task_context.ts';
import { rtSigreturn } from '../../../src/kernel/signal/deliver.ts';
import { RT_SIGFRAME_SIZE, restoreRtFrame, setupRtFrame, UC_MCONTEXT, UC_SIGMASK } from '../../../src/kernel/signal/rt_sigframe.ts';
import { sendSignal } from '../../../src/kernel/signal/send.ts';
import { killInfo, SIGINFO_SIZE } from '../../../src/kernel/signal/siginfo.ts';
import { SigPending } from '../../../src/kernel/signal/sigpending.ts';
import {
  ERESTART_RESTARTBLOCK, ERESTARTNOHAND, ERESTARTSYS, SA_NODEFER, SA_RESETHAND, SA_RESTART, SI_QUEUE, SI_USER, SIG_DFL, SIG_IGN,
  SIGBUS, SIGCHLD, SIGCONT, SIGINT, SIGSEGV, SIGSTOP, SIGTERM, SIGTSTP, SIGUSR1, SIGUSR2, sigmask, SIGRTMIN,
} from '../../../src/kernel/signal/uapi.ts';
import { EAGAIN, EINTR } from '../../../src/kernel/syscalls/numbers.ts';
import { LinuxProcessState, RLIMIT_SIGPENDING } from '../../../src/kernel/syscalls/process_state.ts';
import { BASE, FakeCpu, FakeUser, PAGE } from '../syscalls/helpers.ts';

const STACK_TOP = BASE + 7 * PAGE + 0x7f8; // below the hole page, not 16-aligned on purpose
const TRAMP = 0x7fff_f000;
const HANDLER = 0x4_0000;

class FpCpu extends FakeCpu {
  readonly f = { w: new Int32Array(64) };
  frm = 0;
  fflags = 0;
}

function reg(cpu: Cpu, i: number): number {
  return cpu.xh[i]! * 4294967296 + (cpu.xl[i]! >>> 0);
}
function set(cpu: Cpu, i: number, v: number): void {
  cpu.xl[i] = v | 0;
  cpu.xh[i] = Math.floor(v / 4294967296) | 0;
}

/** A process of `n` threads (tids 1..n) with the trampoline already mapped, and a fake kernel around it. */
function world(n = 1) {
  const state = new LinuxProcessState({ totalramPages: 1024 });
  state.sigreturnTrampoline = TRAMP;
  const group: SigTask[] = [];
  for (let i = 1; i <= n; i++) group.push({ pid: 1, tid: i, task: i, comm: 't', state, group });
  const cpu = new FpCpu();
  const user = new FakeUser();
  const log: string[] = [];
  let current: SigTask | undefined = group[0];
  const host: SignalHost = {
    clockHz: 1e9,
    current: () => current,
    thread: (tid) => group.find((t) => t.tid === tid),
    process: (pid) => (pid === 1 ? { leader: group[0]!, zombie: false } : undefined),
    processes: () => [group[0]!],
    interrupt: (_c, t, ret) => {
      log.push(`interrupt ${t.tid} ${ret}`);
      return -1;
    },
    kick: (_c, t) => void log.push(`kick ${t.tid}`),
    wake: (_c, t) => void log.push(`wake ${t.tid}`),
    sleep: (_c, t, cycles) => void log.push(`sleep ${t.tid} ${cycles}`),
    parent: () => undefined,
    stop: (_c, t) => {
      log.push(`stop ${t.tid}`);
      current = undefined;
    },
    resume: (_c, t) => void log.push(`resume ${t.tid}`),
    user: () => user,
    mm: () => undefined,
    drain: () => {},
    fatal: (_c, sig, what) => {
      log.push(`fatal ${sig} ${what}`);
      current = undefined;
      return TRAP_STOP;
    },
  };
  set(cpu, 2, STACK_TOP);
  return { state, group, cpu, user, host, log, ts: state.task(1) };
}

/** The frame the last delivery wrote: at the handler's sp. */
function frameAt(w: ReturnType<typeof world>) {
  const sp = reg(w.cpu, 2);
  const dv = w.user.dv(sp, RT_SIGFRAME_SIZE);
  const mc = SIGINFO_SIZE + UC_MCONTEXT;
  return {
    sp,
    pc: Number(dv.getBigUint64(mc, true)),
    x: (i: number) => Number(dv.getBigInt64(mc + 8 * i, true)),
    mask: dv.getBigUint64(SIGINFO_SIZE + UC_SIGMASK, true),
    signo: dv.getInt32(0, true),
  };
}

/** The task comes back from syscall `nr` (its ecall at 0x1000, orig_a0 7) with a0 = ret. */
function returnFromSyscall(w: ReturnType<typeof world>, ret: number): void {
  w.cpu.pc = 0x1000;
  set(w.cpu, 17, 63);
  set(w.cpu, 10, 7);
  trapEntry(w.cpu, w.group[0]!, true);
  set(w.cpu, 10, ret);
  w.cpu.pc = 0x1004;
}

describe('struct sigpending', () => {
  it('faults first, then the lowest number; a classic signal merges, a real-time one queues in order', () => {
    const p = new SigPending();
    p.add(SIGUSR2, killInfo(SIGUSR2, SI_USER, 5, 0));
    p.add(SIGTERM, killInfo(SIGTERM, SI_USER, 6, 0));
    p.add(SIGBUS, killInfo(SIGBUS, SI_USER, 7, 0));
    expect(p.next(0n)).toBe(SIGBUS);
    expect(p.next(sigmask(SIGBUS))).toBe(SIGUSR2);
    expect(p.isLegacyPending(SIGTERM)).toBe(true);
    const rt = SIGRTMIN + 2;
    for (let i = 0; i < 3; i++) p.add(rt, killInfo(rt, SI_QUEUE, 100 + i, 0));
    expect(p.isLegacyPending(rt)).toBe(false);
    const pids = [0, 1, 2].map(() => new DataView(p.collect(rt).buffer).getInt32(16, true));
    expect(pids).toEqual([100, 101, 102]);
    expect(p.signal & sigmask(rt)).toBe(0n);
    p.flush(sigmask(SIGUSR2) | sigmask(SIGTERM));
    expect(p.next(0n)).toBe(SIGBUS);
  });
});

describe('rt_sigframe', () => {
  it('setup then rt_sigreturn gives back every register, pc, FP register, fcsr and the mask (random registers)', () => {
    const seed = Number(process.env.SIGFRAME_SEED ?? Date.now() % 100000) | 0;
    let s = seed;
    const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) | 0);
    for (let round = 0; round < 20; round++) {
      const w = world();
      const cpu = w.cpu;
      for (let i = 1; i < 32; i++) {
        cpu.xl[i] = rnd();
        cpu.xh[i] = rnd();
      }
      set(cpu, 2, STACK_TOP - (rnd() & 0xff));
      for (let i = 0; i < 64; i++) cpu.f.w[i] = rnd();
      cpu.frm = rnd() & 7;
      cpu.fflags = rnd() & 0x1f;
      cpu.pc = 0x2_0000 + (rnd() & 0xfffe);
      const spBefore = reg(cpu, 2);
      const before = { xl: [...cpu.xl], xh: [...cpu.xh], f: [...cpu.f.w], frm: cpu.frm, fflags: cpu.fflags, pc: cpu.pc };
      const oldset = BigInt.asUintN(64, BigInt(rnd()) << 20n) & ~(sigmask(9) | sigmask(19));
      const ok = setupRtFrame(cpu, w.user, w.ts, SIGUSR1, killInfo(SIGUSR1, SI_USER, 3, 0), { handler: BigInt(HANDLER), flags: 0n, mask: 0n }, oldset, TRAMP);
      expect(ok, `seed ${seed} (SIGFRAME_SEED=${seed} to replay)`).toBe(true);
      const sp = reg(cpu, 2);
      expect(sp % 16).toBe(0);
      expect(spBefore - RT_SIGFRAME_SIZE - sp).toBeGreaterThanOrEqual(0);
      expect(spBefore - RT_SIGFRAME_SIZE - sp).toBeLessThan(16);
      expect([cpu.pc, reg(cpu, 1), reg(cpu, 10), reg(cpu, 11), reg(cpu, 12)]).toEqual([HANDLER, TRAMP, SIGUSR1, sp, sp + SIGINFO_SIZE]);
      const f = frameAt(w);
      expect(f.pc).toBe(before.pc);
      expect(f.signo).toBe(SIGUSR1);
      expect(f.mask).toBe(oldset);
      // The handler scribbles over everything; rt_sigreturn (sp at the frame) restores it.
      for (let i = 1; i < 32; i++) if (i !== 2) cpu.xl[i] = cpu.xh[i] = 0;
      cpu.f.w.fill(0);
      cpu.frm = cpu.fflags = 0;
      w.ts.blocked = 0n;
      expect(restoreRtFrame(cpu, w.user, w.ts)).toBe(true);
      expect({ xl: [...cpu.xl], xh: [...cpu.xh], f: [...cpu.f.w], frm: cpu.frm, fflags: cpu.fflags, pc: cpu.pc }, `seed ${seed} (SIGFRAME_SEED=${seed} to replay)`).toEqual(before);
      expect(w.ts.blocked).toBe(oldset);
    }
  });

  it('a stack that cannot take the frame: setup fails (the caller forces SIGSEGV)', () => {
    const w = world();
    set(w.cpu, 2, BASE + 9 * PAGE + 64); // the frame would reach into the hole page below
    expect(setupRtFrame(w.cpu, w.user, w.ts, SIGUSR1, killInfo(SIGUSR1, 0, 1, 0), { handler: 1n, flags: 0n, mask: 0n }, 0n, TRAMP)).toBe(false);
  });
});

describe('handle_signal and do_signal: syscall restarts', () => {
  const handler = (flags = 0n, mask = 0n) => ({ handler: BigInt(HANDLER), flags, mask });

  it.each([
    ['ERESTARTSYS with SA_RESTART: the ecall again with orig_a0', ERESTARTSYS, SA_RESTART, 0x1000, 7],
    ['ERESTARTSYS without SA_RESTART: -EINTR', ERESTARTSYS, 0n, 0x1004, -EINTR],
    ['ERESTARTNOHAND: -EINTR even with SA_RESTART', ERESTARTNOHAND, SA_RESTART, 0x1004, -EINTR],
    ['ERESTART_RESTARTBLOCK: -EINTR even with SA_RESTART', ERESTART_RESTARTBLOCK, SA_RESTART, 0x1004, -EINTR],
    ['a finished syscall: its result stays', -3, SA_RESTART, 0x1004, 3],
  ] as const)('%s', (_name, code, flags, pc, a0) => {
    const w = world();
    w.state.actions[SIGUSR1 - 1] = handler(flags);
    returnFromSyscall(w, code === -3 ? 3 : -code);
    w.ts.pending.add(SIGUSR1, killInfo(SIGUSR1, SI_USER, 1, 0));
    expect(exitToUserMode(w.cpu, w.host, w.group[0]!)).toBe(TRAP_RESUME);
    expect(w.cpu.pc).toBe(HANDLER);
    const f = frameAt(w);
    expect([f.pc, f.x(10)]).toEqual([pc, a0]);
    expect(w.ts.inSyscall).toBe(false);
  });

  it('no handler to run (SIG_IGN): an interrupted call is restarted; a saved sigsuspend mask comes back', () => {
    const w = world();
    w.state.actions[SIGUSR1 - 1] = { handler: SIG_IGN, flags: 0n, mask: 0n };
    returnFromSyscall(w, -ERESTARTNOHAND);
    w.ts.savedSigmask = sigmask(SIGUSR2);
    w.ts.blocked = 0n;
    w.ts.pending.add(SIGUSR1, killInfo(SIGUSR1, SI_USER, 1, 0));
    expect(exitToUserMode(w.cpu, w.host, w.group[0]!)).toBe(TRAP_RESUME);
    expect([w.cpu.pc, reg(w.cpu, 10)]).toEqual([0x1000, 7]);
    expect(w.ts.blocked).toBe(sigmask(SIGUSR2));
    expect(w.ts.savedSigmask).toBe(null);
  });

  it('the handler runs with sa_mask and the signal blocked (not with SA_NODEFER); the frame keeps the mask to restore; SA_RESETHAND resets', () => {
    const w = world();
    w.ts.blocked = sigmask(SIGINT);
    w.state.actions[SIGUSR1 - 1] = handler(SA_RESETHAND, sigmask(SIGTERM) | sigmask(9));
    w.state.actions[SIGUSR2 - 1] = handler(SA_NODEFER);
    w.ts.pending.add(SIGUSR1, killInfo(SIGUSR1, SI_USER, 1, 0));
    exitToUserMode(w.cpu, w.host, w.group[0]!);
    expect(frameAt(w).mask).toBe(sigmask(SIGINT));
    expect(w.ts.blocked).toBe(sigmask(SIGINT) | sigmask(SIGTERM) | sigmask(SIGUSR1)); // never SIGKILL
    expect(w.state.actions[SIGUSR1 - 1]!.handler).toBe(SIG_DFL);
    // Nested: USR2 (SA_NODEFER) delivered on top; rt_sigreturn unwinds one frame at a time.
    w.ts.pending.add(SIGUSR2, killInfo(SIGUSR2, SI_USER, 1, 0));
    exitToUserMode(w.cpu, w.host, w.group[0]!);
    expect(w.ts.blocked & sigmask(SIGUSR2)).toBe(0n);
    rtSigreturn(w.cpu, w.host, w.group[0]!);
    expect([w.cpu.pc, w.ts.blocked]).toEqual([HANDLER, sigmask(SIGINT) | sigmask(SIGTERM) | sigmask(SIGUSR1)]);
    rtSigreturn(w.cpu, w.host, w.group[0]!);
    expect([reg(w.cpu, 2), w.ts.blocked]).toEqual([STACK_TOP, sigmask(SIGINT)]);
  });

  it('default actions: SIGCHLD and SIGCONT ignored, SIGTERM fatal with who sent it', () => {
    const w = world();
    for (const sig of [SIGCHLD, SIGCONT]) w.ts.pending.add(sig, killInfo(sig, SI_USER, 1, 0));
    expect(exitToUserMode(w.cpu, w.host, w.group[0]!)).toBe(TRAP_RESUME);
    expect(w.log).toEqual([]);
    w.state.shared.add(SIGTERM, killInfo(SIGTERM, SI_USER, 42, 0));
    expect(exitToUserMode(w.cpu, w.host, w.group[0]!)).toBe(TRAP_STOP);
    expect(w.log).toEqual(['fatal 15 sent by kill() from pid 42']);
  });

  it('a stop signal stops the whole group (the other thread is woken to stop too); SIGCONT, sent, resumes every thread', () => {
    const w = world(2);
    w.state.shared.add(SIGTSTP, killInfo(SIGTSTP, SI_USER, 1, 0));
    expect(exitToUserMode(w.cpu, w.host, w.group[0]!)).toBe(TRAP_RESUME);
    expect(w.log).toEqual(['interrupt 2 -516', 'kick 2', 'stop 1']);
    expect(w.state.groupStop).toBe(SIGTSTP);
    // Thread 2 comes back to user mode: it stops as well, with nothing pending.
    expect(exitToUserMode(w.cpu, w.host, w.group[1]!)).toBe(TRAP_RESUME);
    expect(w.log.at(-1)).toBe('stop 2');
    sendSignal(w.cpu, w.host, SIGCONT, killInfo(SIGCONT, SI_USER, 1, 0), w.group[0]!, true);
    expect(w.log.slice(-2)).toEqual(['resume 1', 'resume 2']);
    expect(w.state.groupStop).toBe(0);
    expect(w.state.shared.signal).toBe(0n); // SIGCONT's default: ignored once it has done its work
  });

  it('a frame that cannot be written forces SIGSEGV; with its own handler failing too, the default kills', () => {
    const w = world();
    w.state.actions[SIGUSR1 - 1] = handler();
    w.state.actions[SIGSEGV - 1] = handler();
    set(w.cpu, 2, BASE + 9 * PAGE + 64);
    w.ts.pending.add(SIGUSR1, killInfo(SIGUSR1, SI_USER, 1, 0));
    expect(exitToUserMode(w.cpu, w.host, w.group[0]!)).toBe(TRAP_STOP);
    expect(w.log).toEqual(['fatal 11 sent by the kernel']);
  });
});

describe('send_signal', () => {
  it('an ignored signal is dropped unless blocked; a classic one merges; the receiving thread is woken', () => {
    const w = world();
    const cpu = w.cpu;
    w.state.actions[SIGUSR1 - 1] = { handler: SIG_IGN, flags: 0n, mask: 0n };
    expect(sendSignal(cpu, w.host, SIGUSR1, killInfo(SIGUSR1, SI_USER, 1, 0), w.group[0]!, true)).toBe(0);
    expect(w.state.shared.signal).toBe(0n);
    expect(sendSignal(cpu, w.host, SIGCHLD, killInfo(SIGCHLD, SI_USER, 1, 0), w.group[0]!, true)).toBe(0);
    expect(w.state.shared.signal).toBe(0n); // SIGCHLD's default is to ignore
    w.ts.blocked = sigmask(SIGUSR1);
    sendSignal(cpu, w.host, SIGUSR1, killInfo(SIGUSR1, SI_USER, 1, 0), w.group[0]!, true);
    expect(w.state.shared.signal).toBe(sigmask(SIGUSR1));
    expect(w.log).toEqual([]); // blocked: nobody to wake
    w.ts.blocked = 0n;
    sendSignal(cpu, w.host, SIGTERM, killInfo(SIGTERM, SI_USER, 1, 0), w.group[0]!, false);
    sendSignal(cpu, w.host, SIGTERM, killInfo(SIGTERM, SI_USER, 2, 0), w.group[0]!, false);
    expect(w.ts.pending.collect(SIGTERM)).toBeDefined();
    expect(w.ts.pending.signal).toBe(0n);
    expect(w.log).toEqual(['interrupt 1 -516', 'kick 1']); // the merged second one wakes (and kicks) nobody
  });

  it('a process signal goes to a thread that does not block it', () => {
    const w = world(3);
    w.state.task(1).blocked = sigmask(SIGUSR1);
    w.state.task(2).blocked = sigmask(SIGUSR1);
    sendSignal(w.cpu, w.host, SIGUSR1, killInfo(SIGUSR1, SI_USER, 9, 0), w.group[0]!, true);
    expect(w.log).toEqual(['interrupt 3 -516', 'kick 3']); // not asleep: kicked (kick_process sends only if it runs on another core)
  });

  it('SIGCONT cancels pending stop signals and a stop signal a pending SIGCONT; sigqueue beyond RLIMIT_SIGPENDING is EAGAIN', () => {
    const w = world();
    w.state.actions[SIGCONT - 1] = { handler: BigInt(HANDLER), flags: 0n, mask: 0n };
    w.state.actions[SIGTSTP - 1] = { handler: BigInt(HANDLER), flags: 0n, mask: 0n };
    sendSignal(w.cpu, w.host, SIGTSTP, killInfo(SIGTSTP, SI_USER, 1, 0), w.group[0]!, true);
    sendSignal(w.cpu, w.host, SIGCONT, killInfo(SIGCONT, SI_USER, 1, 0), w.group[0]!, true);
    expect(w.state.shared.signal).toBe(sigmask(SIGCONT));
    sendSignal(w.cpu, w.host, SIGSTOP, killInfo(SIGSTOP, SI_USER, 1, 0), w.group[0]!, true);
    expect(w.state.shared.signal).toBe(sigmask(SIGSTOP)); // SIGCONT flushed
    sendSignal(w.cpu, w.host, SIGCONT, killInfo(SIGCONT, SI_USER, 1, 0), w.group[0]!, true);
    expect(w.state.shared.signal).toBe(sigmask(SIGCONT)); // and the other way round
    w.state.shared.flush(sigmask(SIGCONT));
    w.state.rlimits[RLIMIT_SIGPENDING] = { cur: 2n, max: 2n };
    const rt = SIGRTMIN + 1;
    const q = () => sendSignal(w.cpu, w.host, rt, killInfo(rt, SI_QUEUE, 1, 0), w.group[0]!, true);
    expect([q(), q(), q()]).toEqual([0, 0, -EAGAIN]);
    expect(sendSignal(w.cpu, w.host, rt, killInfo(rt, SI_USER, 1, 0), w.group[0]!, true)).toBe(0); // kill() still sets the bit
    expect(w.state.shared.queued).toBe(2);
  });
});

describe('bad input', () => {
  it('random arguments to every signal syscall: an errno or a result, never a host exception (random, seed printed)', () => {
    const seed = Number(process.env.SIGNAL_FUZZ_SEED ?? Date.now() % 100000) | 0;
    console.log(`signal syscall fuzz: seed ${seed} (SIGNAL_FUZZ_SEED=${seed} repeats it)`);
    let x = seed;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0;
    const nrs = [73, 129, 130, 131, 133, 136, 137, 138, 139, 240];
    // Arguments: small ints (signal numbers, pids), the user buffer, the hole, far and negative values.
    const pick = () => [rnd() % 70, BASE + (rnd() % (16 * PAGE)), BASE + 8 * PAGE, 2 ** 40, -1, 0, 1, 8][rnd() % 8]!;
    for (let i = 0; i < 3000; i++) {
      const w = world(2);
      for (let a = 10; a < 16; a++) set(w.cpu, a, pick());
      const nr = nrs[rnd() % nrs.length]!;
      let r = 0;
      expect(() => {
        r = signalSyscall(w.cpu, w.host, w.group[0]!, nr);
        exitToUserMode(w.cpu, w.host, w.group[0]!);
      }, `seed ${seed} round ${i} nr ${nr}`).not.toThrow();
      expect(r === SIG_RESUMED || r === NOT_MINE || (Number.isInteger(r) && r >= -4095), `seed ${seed} round ${i}`).toBe(true);
    }
  });
});
