// The collect phase alone: fabricated worker reports and stop words in, the RunResult out.
// No workers, no shared memory.

import { describe, expect, it } from 'vitest';
import {
  STOP_ALL_EXITED,
  STOP_EXIT_GROUP,
  STOP_FAULT,
  STOP_INVARIANT,
  STOP_MAX_INSNS,
  STOP_NONE,
} from '../../shared/control.ts';
import { CTR, counterLength, transitionIndex, CAUSE_LOCAL } from '../../shared/coherence/stats.ts';
import { E, M } from '../../shared/coherence/mesi.ts';
import { collect, type CollectInput, type StopWord } from '../../src/machine/collect.ts';
import { makeConfig, type MachineConfig } from '../../src/machine/config.ts';
import type { PoolOutcome, WorkerReport } from '../../src/machine/pool.ts';
import { SymbolTable } from '../../src/loader/symbols.ts';

const symbols = new SymbolTable([
  { name: 'main', value: 0x10000, size: 0x40, type: 'func' },
  { name: 'spin', value: 0x10040, size: 0x20, type: 'func' },
]);

function report(over: Partial<WorkerReport> = {}): WorkerReport {
  return { time: 0, cores: [], syscalls: [], enosys: [], faults: [], c2c: [], invariantChecks: 0, violations: [], ...over };
}

const EXIT: StopWord = { reason: STOP_ALL_EXITED, stopCore: -1, exitCode: 0 };

function input(config: MachineConfig, outcome: Partial<PoolOutcome>, stop: StopWord = EXIT, more: Partial<CollectInput> = {}): CollectInput {
  return { config, hostCpus: 2, outcome: { starts: [], reports: [], ...outcome }, stop, symbols, ...more };
}

const flat = makeConfig({ cores: 3, threads: 2, memory: 'flat' });

describe('collect', () => {
  it('merges the workers: cores by id, syscalls summed by number with names, host time from first start to last end', () => {
    const r = collect(input(flat, {
      starts: [1000, 1200],
      reports: [
        report({ time: 3000, cores: [{ id: 1, instructions: 10, cycles: 15, pc: 0x10004, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 }], syscalls: [[64, 1], [93, 1]], enosys: [[999, 2]] }),
        report({ time: 2500, cores: [{ id: 2, instructions: 7, cycles: 9, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 }, { id: 0, instructions: 3, cycles: 4, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 }], syscalls: [[93, 2], [64, 3]], enosys: [[999, 1]] }),
      ],
    }));
    expect(r.cores.map((c) => c.id)).toEqual([0, 1, 2]);
    expect(r.instructions).toBe(20);
    expect(r.syscalls).toEqual([
      { nr: 64, name: 'write', count: 4 },
      { nr: 93, name: 'exit', count: 3 },
    ]);
    expect(r.unimplementedSyscalls.map((s) => [s.nr, s.count])).toEqual([[999, 3]]);
    expect(r.hostSeconds).toBe(2);
    expect(r.guestMips).toBeCloseTo(20 / 2 / 1e6, 12);
    expect(r.exitCode).toBe(0);
    expect(r.stopReason).toBe('exit');
    expect(r.error).toBeUndefined();
    expect(r.hostCpus).toBe(2);
    expect(r.oversubscribed).toBe(false);
    expect(collect(input(makeConfig({ cores: 3, threads: 3, memory: 'flat' }), {})).oversubscribed).toBe(true);
  });

  it('no start or end times: zero host seconds and zero MIPS, not NaN', () => {
    const r = collect(input(flat, { reports: [report({ cores: [{ id: 0, instructions: 5, cycles: 5, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 }] })] }));
    expect(r.hostSeconds).toBe(0);
    expect(r.guestMips).toBe(0);
  });

  it('exit_group keeps the guest exit code', () => {
    const r = collect(input(flat, {}, { reason: STOP_EXIT_GROUP, stopCore: 1, exitCode: 7 }));
    expect([r.exitCode, r.stopReason, r.error]).toEqual([7, 'exit_group', undefined]);
  });

  it('a fault: the stopping core\'s fault, with its symbol, exit 2', () => {
    const faults = [
      { core: 0, pc: 0x10044, cause: 5, causeName: 'load access fault', tval: 0x8 },
      { core: 2, pc: 0x10008, cause: 2, causeName: 'illegal instruction', tval: 0, encoding: 0xffffffff },
    ];
    const r = collect(input(flat, { reports: [report({ faults })] }, { reason: STOP_FAULT, stopCore: 2, exitCode: 0 }));
    expect(r.exitCode).toBe(2);
    expect(r.stopReason).toBe('fault');
    expect(r.fault).toEqual({ ...faults[1], symbol: 'main+0x8' });
    expect(r.error).toBe('core 2: illegal instruction at pc 0x10008 (main+0x8): encoding 0xffffffff');
    const other = collect(input(flat, { reports: [report({ faults })] }, { reason: STOP_FAULT, stopCore: 1, exitCode: 0 }));
    expect(other.error, 'no fault from the stopping core: the first one').toBe('core 0: load access fault at pc 0x10044 (spin+0x4): address 0x8');
    const none = collect(input(flat, {}, { reason: STOP_FAULT, stopCore: 1, exitCode: 0 }));
    expect([none.error, none.fault]).toEqual(['core 1: fault', undefined]);
  });

  it('a crash outranks every stop reason', () => {
    const r = collect(input(flat, { crash: 'worker 1 (cores 1) crashed: boom' }, { reason: STOP_FAULT, stopCore: 1, exitCode: 70 }));
    expect([r.exitCode, r.stopReason, r.error, r.fault]).toEqual([2, 'crash', 'worker 1 (cores 1) crashed: boom', undefined]);
  });

  it('the instruction limit names the core and where it stood', () => {
    const r = collect(input(flat, { reports: [report({ cores: [{ id: 1, instructions: 100, cycles: 100, pc: 0x10048, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 }] })] }, { reason: STOP_MAX_INSNS, stopCore: 1, exitCode: 0 }));
    expect(r.error).toBe(`core 1: instruction limit reached (--max-insns ${flat.maxInsns}) at pc 0x10048 (spin+0x8)`);
    expect(r.exitCode).toBe(2);
  });

  it('invariant violations: counted and listed with checkInvariants, an error even after a clean exit', () => {
    const cfg = makeConfig({ cores: 2, threads: 2, checkInvariants: true });
    const r = collect(input(cfg, { reports: [report({ invariantChecks: 5, violations: ['after quantum 3: SWMR', 'after quantum 3: data'] }), report({ invariantChecks: 0 })] }));
    expect(r.invariantChecks).toBe(5);
    expect(r.violations).toHaveLength(2);
    expect(r.error).toBe('coherence invariant violated after quantum 3: SWMR (and 1 more)');
    expect(r.exitCode).toBe(2);
    const stopped = collect(input(cfg, {}, { reason: STOP_INVARIANT, stopCore: -1, exitCode: 2 }));
    expect(stopped.error).toBe('coherence invariant violated ');
    expect(collect(input(flat, {})).invariantChecks, 'not asked for: not in the result').toBeUndefined();
  });

  it('no stop reason at all is an error', () => {
    const r = collect(input(flat, {}, { reason: STOP_NONE, stopCore: -1, exitCode: 0 }));
    expect([r.exitCode, r.error]).toEqual([2, 'machine stopped without a reason']);
  });

  it('caches mode: cache stats from the counters, which leave the cores; the input is not changed', () => {
    const cfg = makeConfig({ cores: 2, threads: 1 });
    const counters = (loads: number, em: number) => {
      const c = new Array<number>(counterLength(2)).fill(0);
      c[CTR.loads] = loads;
      c[transitionIndex(2, CAUSE_LOCAL, E, M)] = em;
      return c;
    };
    const cores = [{ id: 1, instructions: 4, cycles: 8, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0, counters: counters(3, 1) }, { id: 0, instructions: 2, cycles: 2, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0, counters: counters(5, 0) }];
    const rep = report({ cores, c2c: [{ line: 0x20000, offset: 0, core: 0, pc: 0x10000, counts: [1, 0, 0, 0, 0, 0] }] });
    const before = structuredClone(rep);
    const r = collect(input(cfg, { reports: [rep] }));
    expect(rep, 'input untouched').toEqual(before);
    expect(r.cores).toEqual([{ id: 0, instructions: 2, cycles: 2, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 }, { id: 1, instructions: 4, cycles: 8, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 }]);
    expect(r.totals?.loads).toBe(8);
    expect(r.caches?.cores.map((c) => c.loads)).toEqual([5, 3]);
    expect(r.caches?.transitions).toEqual([{ from: 'E', to: 'M', cause: 'local', count: 1 }]);
    expect(r.c2cEntries).toEqual(rep.c2c);
    expect(r.c2c).toBeDefined();
    expect(r.inspect, 'no lines asked for').toEqual([]);
    expect(collect(input(flat, { reports: [report({ cores: [{ id: 0, instructions: 1, cycles: 1, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 }] })] })).totals, 'flat: no cache stats').toBeUndefined();
  });

  it('readback and inspect pass through as read', () => {
    const cfg = makeConfig({ cores: 1, threads: 1 });
    const cores = [{ id: 0, instructions: 1, cycles: 1, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0, counters: new Array<number>(counterLength(1)).fill(0) }];
    const readback = [Uint8Array.of(1, 2, 3)];
    const r = collect(input(cfg, { reports: [report({ cores })] }, EXIT, { readback, inspect: [] }));
    expect(r.readback).toBe(readback);
    expect(r.inspect).toEqual([]);
  });

  it('keeps the stats object\'s key order (what --stats-json writes)', () => {
    const cfg = makeConfig({ cores: 1, threads: 1, checkInvariants: true });
    const cores = [{ id: 0, instructions: 1, cycles: 1, pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0, counters: new Array<number>(counterLength(1)).fill(0) }];
    const r = collect(input(cfg, { reports: [report({ cores, faults: [{ core: 0, pc: 0, cause: 5, causeName: 'load access fault', tval: 0 }] })] }, { reason: STOP_FAULT, stopCore: 0, exitCode: 0 }, { readback: [] }));
    expect(Object.keys(r)).toEqual([
      'exitCode', 'stopReason', 'guestMips', 'hostSeconds', 'instructions', 'config', 'hostCpus', 'oversubscribed', 'cores',
      'syscalls', 'unimplementedSyscalls', 'readback', 'invariantChecks', 'violations', 'totals', 'caches', 'c2cEntries', 'c2c',
      'inspect', 'fault', 'error',
    ]);
  });
});
