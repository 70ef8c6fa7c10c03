// Machine configuration: defaults, and validation that refuses an impossible
// config with a one-line reason (ConfigError) before anything is allocated.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { DEFAULT_GEOMETRY, geometryProblem } from '../../shared/coherence/layout.ts';
import type { MachineConfig } from '../../shared/config.ts';
import { MUTATIONS } from '../../shared/coherence/mutations.ts';
import { DEFAULT_TLB, tlbGeometryProblem } from '../../shared/tlb_geometry.ts';
import { DEFAULT_HZ, HZ_CHOICES } from '../kernel/time/tick.ts';

export type { BootMode, Engine, MachineConfig, MemoryModel, NicConfig } from '../../shared/config.ts';

export const DEFAULT_CONFIG: MachineConfig = {
  cores: 4,
  threads: 4,
  ramBytes: 256 * 1024 * 1024,
  ramBase: 0x1000,
  quantum: 20_000,
  adaptiveQuantum: true,
  interleave: 50,
  adaptiveInterleave: true,
  memory: 'caches',
  boot: 'spmd',
  mmu: 'sv39',
  maxInsns: 0,
  stackBytes: 256 * 1024,
  clockHz: 1_000_000_000,
  timebaseHz: 10_000_000,
  flatLatency: 1,
  caches: DEFAULT_GEOMETRY,
  checkInvariants: false,
  mutation: '',
  lrscHoldCycles: 80,
  tlb: DEFAULT_TLB,
  engine: 'jit',
  nic: { ratePps: 0, cpus: [0], workCycles: 2000 },
  hz: DEFAULT_HZ,
};

/** The NIC's limits: a rate a host can simulate, per-packet work that fits a core's second. */
export const NIC_MAX_PPS = 100_000_000;
export const NIC_MAX_WORK = 1_000_000_000;

/** --boot linux: RAM for the kernel's structures, a 4 MiB buddy block and a small process. */
export const LINUX_MIN_RAM = 8 << 20;

/** The interleave default with --memory flat. */
export const FLAT_INTERLEAVE = 2000;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Fills defaults (threads defaults to cores: one worker per core) and validates; throws ConfigError. */
export function makeConfig(given: Partial<MachineConfig> = {}): MachineConfig {
  // An explicitly undefined field means "the default", as if it were absent.
  const partial = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<MachineConfig>;
  const cores = partial.cores ?? DEFAULT_CONFIG.cores;
  const dc = DEFAULT_CONFIG.caches;
  const pc: Partial<MachineConfig['caches']> = partial.caches ?? {};
  // A level given in part keeps the default for the rest (e.g. only its latency).
  const caches = { ...dc, ...pc, l1i: { ...dc.l1i, ...pc.l1i }, l1d: { ...dc.l1d, ...pc.l1d }, l2: { ...dc.l2, ...pc.l2 }, l3: { ...dc.l3, ...pc.l3 } };
  const memory = partial.memory ?? DEFAULT_CONFIG.memory;
  const interleave = partial.interleave ?? (memory === 'flat' ? FLAT_INTERLEAVE : DEFAULT_CONFIG.interleave);
  const dt = DEFAULT_CONFIG.tlb;
  const pt: Partial<MachineConfig['tlb']> = partial.tlb ?? {};
  const tlb = { ...dt, ...pt, itlb: { ...dt.itlb, ...pt.itlb }, dtlb: { ...dt.dtlb, ...pt.dtlb }, stlb: { ...dt.stlb, ...pt.stlb } };
  const nic = { ...DEFAULT_CONFIG.nic, ...partial.nic };
  const engine = partial.engine ?? envEngine() ?? DEFAULT_CONFIG.engine;
  const c: MachineConfig = { ...DEFAULT_CONFIG, ...partial, cores, threads: partial.threads ?? cores, caches, interleave, tlb, nic, engine };
  validate(c);
  return c;
}

/** SMPEMU_ENGINE=interp|jit sets the engine of every machine that does not choose one (CI runs suites under both). */
export function envEngine(): MachineConfig['engine'] | undefined {
  const e = process.env.SMPEMU_ENGINE;
  if (e === undefined || e === '') return undefined;
  if (e !== 'interp' && e !== 'jit') throw new ConfigError(`SMPEMU_ENGINE must be 'interp' or 'jit' (got '${e}')`);
  return e;
}

function int(name: string, v: number, min: number, max: number): void {
  if (!Number.isSafeInteger(v)) throw new ConfigError(`${name} must be an integer (got ${JSON.stringify(v) ?? String(v)})`);
  if (v < min || v > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${v})`);
}

export function validate(c: MachineConfig): void {
  int('cores', c.cores, 1, 64);
  int('threads', c.threads, 1, 64);
  if (c.threads > c.cores) throw new ConfigError(`threads (${c.threads}) cannot exceed cores (${c.cores})`);
  int('ram', c.ramBytes, 1 << 20, 2 ** 31);
  if (c.ramBytes % 4096 !== 0) throw new ConfigError(`ram must be a multiple of 4096 bytes (got ${c.ramBytes})`);
  // Page 0 stays unmapped so that a null pointer faults.
  if (typeof c.ramBase === 'number' && c.ramBase < 4096) throw new ConfigError(`ramBase must be at least 4096: page 0 stays unmapped so that a null pointer faults (got ${c.ramBase})`);
  int('ramBase', c.ramBase, 4096, c.ramBytes - 4096);
  if (c.ramBase % 4096 !== 0) throw new ConfigError(`ramBase must be a multiple of 4096 (got ${c.ramBase})`);
  int('quantum', c.quantum, 100, 1e12);
  int('interleave', c.interleave, 1, 1e12);
  int('max-insns', c.maxInsns, 0, Number.MAX_SAFE_INTEGER);
  int('stack', c.stackBytes, 4096, c.ramBytes);
  if (c.stackBytes % 16 !== 0) throw new ConfigError(`stack size must be a multiple of 16 (got ${c.stackBytes})`);
  int('clock', c.clockHz, 1_000, 1e12);
  int('timebase', c.timebaseHz, 1, c.clockHz);
  int('flat latency', c.flatLatency, 0, 10_000);
  int('lrscHoldCycles', c.lrscHoldCycles, 1, 1_000_000);
  if (c.memory !== 'flat' && c.memory !== 'caches') throw new ConfigError(`memory must be 'flat' or 'caches' (got '${c.memory}')`);
  if (typeof c.checkInvariants !== 'boolean') throw new ConfigError(`checkInvariants must be true or false (got ${JSON.stringify(c.checkInvariants)})`);
  if (typeof c.mutation !== 'string') throw new ConfigError(`mutation must be a string (got ${JSON.stringify(c.mutation)})`);
  if (c.memory === 'caches') {
    int('caches.ramLatency', c.caches.ramLatency, 0, 1_000_000);
    int('caches.hitmLatency', c.caches.hitmLatency, 0, 1_000_000);
    if (typeof c.caches.l1WriteThrough !== 'boolean') throw new ConfigError(`caches.l1WriteThrough must be true or false (got ${JSON.stringify(c.caches.l1WriteThrough)})`);
    for (const level of ['l1i', 'l1d', 'l2', 'l3'] as const) {
      const l = c.caches[level];
      int(`caches.${level}.sizeBytes`, l.sizeBytes, 1, 2 ** 31);
      int(`caches.${level}.ways`, l.ways, 1, 1024);
      int(`caches.${level}.latency`, l.latency, 0, 1_000_000);
    }
    const problem = geometryProblem({ ...c.caches, cores: c.cores });
    if (problem) throw new ConfigError(problem);
  }
  const tlbProblem = tlbGeometryProblem(c.tlb);
  if (tlbProblem) throw new ConfigError(tlbProblem);
  if (c.mutation && !MUTATIONS.some((m) => m.name === c.mutation)) {
    throw new ConfigError(`unknown mutation '${c.mutation}' (smpemu stress --list-mutations lists them)`);
  }
  if (c.mutation && c.memory !== 'caches') throw new ConfigError('--mutate needs --memory caches');
  if (c.checkInvariants && c.memory !== 'caches') throw new ConfigError('--check-invariants needs --memory caches');
  if (c.engine !== 'interp' && c.engine !== 'jit') throw new ConfigError(`engine must be 'interp' or 'jit' (got '${c.engine}')`);
  if (c.boot !== 'spmd' && c.boot !== 'linux') throw new ConfigError(`boot must be 'spmd' or 'linux' (got '${c.boot}')`);
  if (c.mmu !== 'sv39' && c.mmu !== 'sv48') throw new ConfigError(`mmu must be 'sv39' or 'sv48' (got '${String(c.mmu)}')`);
  validateNic(c);
  if (!HZ_CHOICES.includes(c.hz)) throw new ConfigError(`hz must be one of ${HZ_CHOICES.join(', ')} (got ${JSON.stringify(c.hz) ?? String(c.hz)})`);
  if (c.boot === 'linux' && c.ramBytes < LINUX_MIN_RAM) {
    throw new ConfigError(`--boot linux needs at least ${LINUX_MIN_RAM >> 20}M of RAM (got ${c.ramBytes} bytes)`);
  }
  if (c.cores * c.stackBytes > c.ramBytes / 2) {
    throw new ConfigError(`${c.cores} stacks of ${c.stackBytes} bytes do not fit in half of ${c.ramBytes} bytes of RAM`);
  }
}

function validateNic(c: MachineConfig): void {
  const n = c.nic;
  if (typeof n !== 'object' || n === null) throw new ConfigError('nic must be an object such as {"ratePps": 10000, "cpus": [0], "workCycles": 2000}');
  int('nic.ratePps', n.ratePps, 0, NIC_MAX_PPS);
  int('nic.workCycles', n.workCycles, 1, NIC_MAX_WORK);
  if (!Array.isArray(n.cpus) || n.cpus.length === 0) throw new ConfigError(`nic.cpus must be a non-empty list of cores (got ${JSON.stringify(n.cpus) ?? String(n.cpus)})`);
  const seen = new Set<number>();
  for (const cpu of n.cpus) {
    if (!Number.isSafeInteger(cpu) || cpu < 0 || cpu >= c.cores) throw new ConfigError(`nic.cpus: ${JSON.stringify(cpu) ?? String(cpu)} is not a core of this machine (0-${c.cores - 1})`);
    if (seen.has(cpu)) throw new ConfigError(`nic.cpus: core ${cpu} given twice`);
    seen.add(cpu);
  }
  if (n.ratePps > 0 && c.boot !== 'linux') throw new ConfigError('the NIC (nic.ratePps > 0, --nic-rate) needs --boot linux');
}

/**
 * Host CPUs this process may run on: os.availableParallelism() (the affinity mask on
 * Linux) and, when a cgroup CPU quota is set (containers), that quota rounded up.
 */
export function hostCpus(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const q = cgroupCpuQuota();
  return Math.max(1, q !== undefined ? Math.min(n, q) : n);
}

let quota: number | undefined | null = null;

/** The CPU quota of this process's cgroup (v2 cpu.max or v1 cfs_quota_us), in CPUs; undefined when unlimited. */
function cgroupCpuQuota(): number | undefined {
  if (quota !== null) return quota;
  quota = undefined;
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const v2path = /^0::(\/.*)$/m.exec(read('/proc/self/cgroup') ?? '')?.[1] ?? '/';
  const max = read(`/sys/fs/cgroup${v2path === '/' ? '' : v2path}/cpu.max`) ?? read('/sys/fs/cgroup/cpu.max');
  let q: number | undefined;
  let period: number | undefined;
  if (max) {
    const [a, b] = max.split(/\s+/);
    if (a !== 'max') [q, period] = [Number(a), Number(b)];
  } else {
    const a = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
    const b = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
    if (a > 0) [q, period] = [a, b];
  }
  if (q !== undefined && period !== undefined && q > 0 && period > 0) quota = Math.ceil(q / period);
  return quota;
}

/**
 * The default worker count: one per core, but no more than the host CPUs. Contention
 * counts (HITM, invalidations) need every worker on a CPU of its own: workers that take
 * turns on one CPU rarely overlap, so cores that share a line seldom contend.
 */
export function defaultThreads(cores: number): number {
  return Math.max(1, Math.min(cores, hostCpus()));
}
