// The `smpemu` command.

import { cpulist_parse } from '../kernel/sched/cpumask.ts';
import { parseTlbLevel, type TlbLevelGeometry } from '../../shared/tlb_geometry.ts';
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ElfError, parseElf } from '../loader/elf.ts';
import { guessBoot, type BootKind } from '../loader/elf_kind.ts';
import { ConfigError, DEFAULT_CONFIG, defaultThreads, FLAT_INTERLEAVE, hostCpus, makeConfig, type MachineConfig } from '../machine/config.ts';
import { parseConfigText } from '../machine/config_file.ts';
import { runMachine, type RunResult } from '../machine/machine.ts';
import { MAIN_THREAD_CYCLES } from '../machine/main_thread.ts';
import { c2cNaming } from '../machine/collect.ts';
import { basename, dirname, resolve } from 'node:path';
import { SymbolTable } from '../loader/symbols.ts';
import { formatLineView } from '../machine/inspect.ts';
import { analyzeC2c, formatC2c } from '../report/c2c.ts';
import { runDemo } from './demo.ts';
import { registerLitmus } from './litmus.ts';
import { registerStress } from './stress.ts';
import { formatSummary, ranOn } from './summary.ts';
import { Progress } from './progress.ts';
import { startupMark } from '../../bin/startup_trace.mjs';
import { hostFlushed, hostIsTty, hostWrite, trackStdio } from '../machine/host_output.ts';

class UsageError extends Error {}

function intArg(name: string, min = 0): (v: string) => number {
  return (v: string) => {
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** --proc-at: positive cycle counts, one or a comma list, accumulated over repeats. */
function procAtArg(v: string, prev: number[] = []): number[] {
  const out = [...prev];
  for (const part of v.split(',')) {
    const n = /^\s*[0-9][0-9_]*\s*$/.test(part) ? Number(part.replace(/[_\s]/g, '')) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${part}' is not a positive integer (a cycle count)`);
    out.push(n);
  }
  return out;
}

/** A cpulist as Linux prints them (cpuset, smp_affinity_list): "0", "0-3", "0,2,5-7". */
export function cpuListArg(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) throw new InvalidArgumentError(`'${v}' is not a cpu list (examples: 0, 0-3, 0,2)`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new InvalidArgumentError(`'${part.trim()}' is a descending range`);
    for (let c = a; c <= b && out.length <= 4096; c++) out.push(c);
  }
  return out;
}

/** --top's interval: simulated seconds, a positive decimal (top -d). */
function secondsArg(v: string): number {
  const n = /^\s*\d*\.?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!(n > 0) || n > 1e6) throw new InvalidArgumentError(`'${v}' is not a positive number of seconds (example: 0.5)`);
  return n;
}

/** Sizes like 256M, 64K, 1G, 4096. */
export function parseSize(v: string): number {
  const m = /^(\d+)\s*([kKmMgG]?)(i?[bB])?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`'${v}' is not a size (examples: 4096, 64K, 256M, 1G)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

function levelArg(v: string): { sizeBytes: number; ways: number } {
  const m = /^([^:]+):(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`'${v}' is not SIZE:WAYS (example: 32K:8)`);
  return { sizeBytes: parseSize(m[1]), ways: Number(m[2]) };
}

function tlbLevelArg(v: string): TlbLevelGeometry {
  const r = parseTlbLevel(v);
  if (typeof r === 'string') throw new InvalidArgumentError(r);
  return r;
}

const LATENCY_KEYS = ['l1', 'l2', 'l3', 'ram', 'hitm', 'stlb'] as const;
function latencyArg(v: string): Partial<Record<(typeof LATENCY_KEYS)[number], number>> {
  const out: Partial<Record<(typeof LATENCY_KEYS)[number], number>> = {};
  for (const part of v.split(',')) {
    const m = /^(\w+)=(\d+)$/.exec(part.trim());
    if (!m || !(LATENCY_KEYS as readonly string[]).includes(m[1])) {
      throw new InvalidArgumentError(`'${part}' is not one of ${LATENCY_KEYS.map((k) => `${k}=N`).join(', ')}`);
    }
    out[m[1] as (typeof LATENCY_KEYS)[number]] = Number(m[2]);
  }
  return out;
}

interface RunFlags {
  cores: number;
  threads?: number;
  boot: string;
  quantum: number;
  interleave?: number;
  deterministic?: boolean;
  memory: string;
  engine?: string;
  maxInsns: number;
  ram: number;
  statsJson?: string;
  quiet?: boolean;
  progress?: boolean;
  mainThreadStart?: boolean;
  lineSize?: number;
  l1i?: { sizeBytes: number; ways: number };
  l1d?: { sizeBytes: number; ways: number };
  l2?: { sizeBytes: number; ways: number };
  l3?: { sizeBytes: number; ways: number };
  latency?: ReturnType<typeof latencyArg>;
  l1WriteThrough?: boolean;
  itlb?: TlbLevelGeometry;
  dtlb?: TlbLevelGeometry;
  stlb?: TlbLevelGeometry;
  config?: string;
  inspect?: (number | string)[];
  report?: string;
  checkInvariants?: boolean;
  fixedQuantum?: boolean;
  fixedInterleave?: boolean;
  mutate?: string;
  env?: string[];
  proc?: string[];
  procAt?: number[];
  mmu?: string;
  root?: string;
  rootRw?: boolean;
  affinity?: string;
  nicRate?: number;
  nicCpu?: number[];
  nicWork?: number;
  top?: number;
  hz?: number;
}

function readConfigFile(file: string): Partial<MachineConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]}`);
  }
  try {
    return parseConfigText(text);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`config ${file}: ${e.message}`);
    throw e;
  }
}

/** The boot a program wants (src/loader/elf_kind.ts); a file that is no ELF is refused later, by the boot. */
function bootOf(elf: Uint8Array): BootKind | undefined {
  try {
    return guessBoot(parseElf(elf)).boot;
  } catch (e) {
    if (e instanceof ElfError) return undefined;
    throw e;
  }
}

/** How the worker count was chosen: the default, or given (--threads, --deterministic, a config file). */
type ThreadsSource = 'default' | 'given';

function configFrom(f: RunFlags, cmd: Command, guessed?: BootKind): { config: MachineConfig; threadsSource: ThreadsSource } {
  if (f.deterministic && f.threads !== undefined && f.threads !== 1) {
    throw new ConfigError(`--deterministic means --threads 1 (got --threads ${f.threads})`);
  }
  const base: Partial<MachineConfig> = f.config ? readConfigFile(f.config) : {};
  // Options given on the command line override the file; defaults do not.
  const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
  const pick = <T>(name: string, v: T, fileV: T | undefined): T | undefined => (given(name) ? v : (fileV ?? (f.config ? undefined : v)));
  const dc = DEFAULT_CONFIG.caches;
  const fc: Partial<MachineConfig['caches']> = base.caches ?? {};
  const lat = f.latency ?? {};
  const caches = {
    ...dc,
    ...fc,
    lineBytes: f.lineSize ?? fc.lineBytes ?? dc.lineBytes,
    l1i: { ...dc.l1i, ...fc.l1i, ...f.l1i, ...(lat.l1 !== undefined ? { latency: lat.l1 } : {}) },
    l1d: { ...dc.l1d, ...fc.l1d, ...f.l1d, ...(lat.l1 !== undefined ? { latency: lat.l1 } : {}) },
    l2: { ...dc.l2, ...fc.l2, ...f.l2, ...(lat.l2 !== undefined ? { latency: lat.l2 } : {}) },
    l3: { ...dc.l3, ...fc.l3, ...f.l3, ...(lat.l3 !== undefined ? { latency: lat.l3 } : {}) },
    ramLatency: lat.ram ?? fc.ramLatency ?? dc.ramLatency,
    hitmLatency: lat.hitm ?? fc.hitmLatency ?? dc.hitmLatency,
    l1WriteThrough: f.l1WriteThrough ?? fc.l1WriteThrough ?? dc.l1WriteThrough,
  };
  const cores = pick('cores', f.cores, base.cores) ?? DEFAULT_CONFIG.cores;
  // Values derived from others are derived again when the command line overrides what they
  // came from: a saved config's threads follow its cores, its interleave its memory model.
  let threads: number | undefined;
  let threadsSource: ThreadsSource = 'given';
  if (f.deterministic) threads = 1;
  else if (given('threads')) threads = f.threads;
  else if (base.threads !== undefined && !given('cores')) threads = base.threads;
  else {
    threads = defaultThreads(cores);
    threadsSource = 'default';
  }
  const interleave = given('interleave') ? f.interleave : given('memory') ? undefined : base.interleave;
  const config = makeConfig({
    ...base,
    cores,
    threads,
    // --boot auto (the default): the config file's boot if it has one, else what the ELF says.
    boot: given('boot') && f.boot !== 'auto' ? (f.boot as MachineConfig['boot']) : (base.boot ?? guessed),
    quantum: pick('quantum', f.quantum, base.quantum),
    adaptiveQuantum: f.fixedQuantum ? false : (base.adaptiveQuantum ?? DEFAULT_CONFIG.adaptiveQuantum),
    interleave,
    adaptiveInterleave: f.fixedInterleave ? false : (base.adaptiveInterleave ?? DEFAULT_CONFIG.adaptiveInterleave),
    memory: pick('memory', f.memory as MachineConfig['memory'], base.memory),
    engine: pick('engine', f.engine as MachineConfig['engine'], base.engine),
    mmu: pick('mmu', f.mmu as MachineConfig['mmu'], base.mmu),
    hz: pick('hz', f.hz, base.hz),
    maxInsns: pick('maxInsns', f.maxInsns, base.maxInsns),
    ramBytes: pick('ram', f.ram, base.ramBytes),
    checkInvariants: f.checkInvariants ?? base.checkInvariants,
    mutation: f.mutate ?? base.mutation,
    caches,
    nic: {
      ...DEFAULT_CONFIG.nic,
      ...base.nic,
      ...(f.nicRate !== undefined ? { ratePps: f.nicRate } : {}),
      ...(f.nicCpu !== undefined ? { cpus: f.nicCpu } : {}),
      ...(f.nicWork !== undefined ? { workCycles: f.nicWork } : {}),
    },
    tlb: {
      ...DEFAULT_CONFIG.tlb,
      ...base.tlb,
      ...(f.itlb ? { itlb: f.itlb } : {}),
      ...(f.dtlb ? { dtlb: f.dtlb } : {}),
      ...(f.stlb ? { stlb: f.stlb } : {}),
      ...(lat.stlb !== undefined ? { stlbLatency: lat.stlb } : {}),
    },
  });
  return { config, threadsSource };
}

/**
 * Said once, before the run, when the worker count given is above the host CPUs: workers
 * then take turns on a CPU instead of running at once, so cores that share a line seldom
 * contend and HITM and invalidation counts come out far too low.
 */
export function warnOversubscribed(config: MachineConfig, defaultThreadsHere = defaultThreads(config.cores)): void {
  const cpus = hostCpus();
  if (config.threads <= cpus) return;
  process.stderr.write(
    `smpemu: warning: ${config.threads} worker threads on ${cpus} host CPU${cpus === 1 ? '' : 's'}: workers take turns on a CPU, so cores that share a line ` +
      `rarely run at the same moment` +
      (config.memory === 'caches'
        ? ` and contention counts (HITM, invalidations) will be under-reported; the default (--threads ${defaultThreadsHere}) or --deterministic counts them`
        : `; --threads ${cpus} is usually faster`) +
      '\n',
  );
}

/** Refuses a stats file that cannot be written, before anything runs. */
function checkWritable(file: string): void {
  let st: Stats | undefined;
  try {
    st = statSync(file);
  } catch {
    // Does not exist yet: its directory must.
  }
  if (st?.isDirectory()) throw new UsageError(`--stats-json ${file}: is a directory`);
  const dir = dirname(resolve(file));
  if (!existsSync(dir)) throw new UsageError(`--stats-json ${file}: no directory ${dir}`);
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--stats-json ${file}: ${dir} is not a directory`);
    accessSync(st ? file : dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--stats-json ${file}: cannot write there (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function addMachineOptions(cmd: Command): Command {
  return cmd
    .option('-c, --cores <n>', 'simulated cores', intArg('--cores', 1), DEFAULT_CONFIG.cores)
    .option('-t, --threads <n>', 'host worker threads (default: one per core, at most one per host CPU)', intArg('--threads', 1))
    .option('--deterministic', 'one worker for all cores: identical results on every run (= --threads 1)')
    .addOption(new Option('--boot <mode>', 'boot mode: linux (one Linux process: page tables, demand paging, syscalls), spmd (bare-metal: every core runs the program), or auto: linux for a program built for Linux (a libc), spmd for a bare-metal one').choices(['auto', 'spmd', 'linux']).default('auto'))
    .option('--env <K=V>', '--boot linux: an environment variable for the program (repeatable; replaces the default environment)', (v: string, prev: string[] = []) => {
      if (!/^[^=]+=/.test(v)) throw new InvalidArgumentError(`'${v}' is not NAME=VALUE`);
      return [...prev, v];
    })
    .option('--root <dir>', '--boot linux: host directory that is the guest file tree (default: a fresh tree holding the program)')
    .option('--root-rw', '--boot linux: allow the guest to write in its file tree')
    .option('--affinity <cpus>', "--boot linux: the CPUs the first task may run on, as taskset's list (e.g. 0-1,3; inherited by its threads and children)")
    .option('--proc <path>', '--boot linux: print this /proc file (e.g. /proc/self/status, /proc/meminfo) on stderr as it reads when the process exits (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('--engine <engine>', 'interp (the reference interpreter) or jit (hot blocks translated to JavaScript; identical counts; the default)').choices(['interp', 'jit']))
    .option('--proc-at <cycles>', '--boot linux, with --proc: also print the --proc files as they read when core 0 first reaches this cycle (at its next run-loop stop at or after it; repeatable or a comma list)', procAtArg)
    .addOption(new Option('--mmu <mode>', '--boot linux: page tables of the process, sv39 (3 levels, 256 GiB user space) or sv48 (4 levels, 128 TiB)').choices(['sv39', 'sv48']).default('sv39'))
    .option('--nic-rate <pps>', '--boot linux: a simulated NIC receiving this many packets per simulated second (0: none)', intArg('--nic-rate'))
    .option('--nic-cpu <list>', "the NIC's receive queues, one per core in this cpu list, each interrupt pinned to its core (default 0; e.g. 0-3)", cpuListArg)
    .option('--nic-work <cycles>', 'NET_RX work per packet, in cycles (default 2000)', intArg('--nic-work', 1))
    .option('--hz <hz>', '--boot linux: CONFIG_HZ, the timer tick per simulated second (100, 250, 300 or 1000; default 250)', intArg('--hz', 1))
    .option('--top <seconds>', "--boot linux: print top's view (the %Cpu(s) line, per-CPU lines, every task with its %CPU, TIME+ and last CPU) on stderr every this many simulated seconds; its figures come from /proc in 10 ms jiffies, as top's do, so intervals under ~0.1 s show that granularity", secondsArg)
    .addOption(new Option('--memory <model>', 'memory model: caches (L1/L2/L3 with MESI) or flat (fast functional)').choices(['caches', 'flat']).default('caches'))
    .option('--line-size <bytes>', 'cache line size', intArg('--line-size', 1))
    .option('--l1i <size:ways>', 'L1 instruction cache, e.g. 32K:8', levelArg)
    .option('--l1d <size:ways>', 'L1 data cache, e.g. 32K:8', levelArg)
    .option('--l2 <size:ways>', 'private L2, e.g. 256K:8', levelArg)
    .option('--l3 <size:ways>', 'shared L3, e.g. 4M:16', levelArg)
    .option('--latency <list>', 'latencies in cycles, e.g. l1=4,l2=12,l3=40,ram=200,hitm=70 (stlb=N: an L1 TLB miss that hits the STLB)', latencyArg)
    .option('--itlb <entries:ways>', 'L1 instruction TLB per core under --boot linux, e.g. 32:fully (default), 64:4', tlbLevelArg)
    .option('--dtlb <entries:ways>', 'L1 data TLB per core under --boot linux, e.g. 32:fully (default), 64:4', tlbLevelArg)
    .option('--stlb <entries:ways>', 'second-level TLB per core (shared by fetches and data), e.g. 512:4 (default)', tlbLevelArg)
    .option('--mutate <name>', 'inject one protocol bug (see shared/coherence/mutations.ts) to test the testers')
    .option('--check-invariants', 'check SWMR, data value and inclusion at every quantum boundary (slow)')
    .option('--l1-write-through', 'L1d write-through (every store pays the L2 latency) instead of write-back')
    .addOption(new Option('--report <kind>', 'after the run, print a report on stdout: c2c (perf c2c tables and a false-sharing verdict)').choices(['c2c']))
    .option('--config <file>', 'machine configuration as JSON (command-line options override it)')
    .option('--inspect <addr|symbol>', 'at the end, show this cache line in every cache and in RAM (repeatable)', (v: string, prev: (number | string)[] = []) => [...prev, /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : v])
    .option('--quantum <cycles>', 'cycles between worker barriers', intArg('--quantum', 1), DEFAULT_CONFIG.quantum)
    .option('--fixed-quantum', 'keep the quantum fixed with several workers (default: it doubles, up to 256x, 16x under --boot linux, while no data crosses workers)')
    .option('--interleave <cycles>', `cycles a core runs before its worker switches cores (default ${DEFAULT_CONFIG.interleave} with caches, ${FLAT_INTERLEAVE} flat)`, intArg('--interleave', 1))
    .option('--fixed-interleave', 'keep the interleave fixed with several workers (default: a worker\'s slice doubles, up to the quantum, while its cores share no data)')
    .option('--max-insns <n>', 'stop when a core has retired this many instructions (0: no limit)', intArg('--max-insns'), 0)
    .option('--ram <size>', 'physical RAM (e.g. 256M)', parseSize, DEFAULT_CONFIG.ramBytes)
    .option('--stats-json <file>', 'write the stats object as JSON to FILE')
    .option('--no-main-thread-start', `bare-metal: run in the worker threads only (by default the main thread also runs the machine, interleaved as --threads 1, while the workers start, and that run is the run if it ends within its first ${MAIN_THREAD_CYCLES / 1e6} M cycles before they are ready)`)
    .option('-q, --quiet', 'no per-core summary on stderr')
    .option('--no-progress', 'no progress line, even on a terminal');
}

async function runProgram(file: string, args: string[], f: RunFlags, cmd: Command): Promise<number> {
  let elf: Uint8Array;
  try {
    elf = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const { config, threadsSource } = configFrom(f, cmd, bootOf(elf));
  // Everything that can be refused is refused here, before the machine runs.
  if (f.report === 'c2c' && config.memory !== 'caches') throw new UsageError('--report c2c needs --memory caches (flat memory has no caches to report on)');
  if (f.statsJson) checkWritable(f.statsJson);
  if (args.length > 0 && config.boot === 'spmd') process.stderr.write(`smpemu: note: program arguments are ignored with --boot spmd\n`);
  if (config.boot !== 'linux' && (f.env || f.root || f.rootRw || f.proc || f.procAt || f.affinity || f.top || f.hz !== undefined)) throw new UsageError('--env, --proc, --proc-at, --root, --root-rw, --affinity, --hz and --top need --boot linux');
  const affinity = f.affinity === undefined ? undefined : cpulist_parse(f.affinity, config.cores);
  if (typeof affinity === 'string') throw new UsageError(`--affinity ${f.affinity}: ${affinity}`);
  if (f.procAt && !f.proc) throw new UsageError('--proc-at needs --proc PATH (the files to snapshot)');
  for (const p of f.proc ?? []) if (!p.startsWith('/proc/')) throw new UsageError(`--proc ${p}: not a path under /proc/`);
  if (f.root !== undefined) {
    let st: Stats | undefined;
    try {
      st = statSync(f.root);
    } catch {
      // reported below
    }
    if (!st?.isDirectory()) throw new UsageError(`--root ${f.root}: not a directory`);
  }
  if (threadsSource === 'given') warnOversubscribed(config);
  const progress = f.progress !== false && hostIsTty(2) ? new Progress(process.stderr, config) : undefined;
  let result: RunResult;
  try {
    startupMark('options parsed');
    result = await runMachine(config, elf, {
      onProgress: progress ? (p) => progress.update(p) : undefined,
      inspect: f.inspect,
      // The CLI exits once the results are printed (the end of this file).
      endWorkersInBackground: true,
      ...(f.mainThreadStart !== false ? { mainThreadCycles: MAIN_THREAD_CYCLES } : {}),
      linux: {
        execfn: guestPathOf(file, f.root), args, ...(f.env ? { envp: f.env } : {}), ...(f.proc ? { proc: f.proc } : {}), ...(f.procAt ? { procAt: f.procAt } : {}),
        ...(f.root !== undefined ? { root: f.root } : {}), rootRw: f.rootRw === true, ...(affinity ? { affinity } : {}), ...(f.top ? { topIntervalNs: Math.round(f.top * 1e9) } : {}),
        // Only a linux guest asks (process.stdin is made on first use: a stream, with node:net for a pipe).
        tty: config.boot === 'linux' ? [process.stdin.isTTY === true, process.stdout.isTTY === true, process.stderr.isTTY === true] : [false, false, false],
      },
    });
  } catch (e) {
    if (e instanceof ElfError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  } finally {
    progress?.clear();
  }
  let exitCode = result.exitCode;
  let statsError: string | undefined;
  if (f.statsJson) {
    const { c2cEntries: _records, ...stats } = result;
    try {
      writeFileSync(f.statsJson, JSON.stringify(stats, null, 2) + '\n');
    } catch (e) {
      statsError = `cannot write --stats-json ${f.statsJson}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]}`;
      exitCode = 2;
    }
  }
  if (f.report === 'c2c' && result.c2cEntries) {
    const symbols = new SymbolTable(parseElf(elf).symbols);
    const lines = analyzeC2c(result.c2cEntries, symbols, config.caches.lineBytes, c2cNaming(config, result.process));
    process.stdout.write(
      `# smpemu: ${config.cores} cores on ${ranOn(result)}, ${result.hostCpus} host CPU${result.hostCpus === 1 ? '' : 's'}` +
        (result.oversubscribed ? ': oversubscribed, contention counts are under-reported' : '') +
        '\n',
    );
    process.stdout.write(formatC2c(lines, { lineBytes: config.caches.lineBytes, program: basename(file) }));
  }
  if (!f.quiet) hostWrite(2, formatSummary(result));
  for (const x of result.inspect ?? []) hostWrite(2, formatLineView(x, x.symbol));
  const procs = result.process?.proc ?? [];
  for (const at of f.procAt ?? []) {
    if (!procs.some((p) => p.at === at)) hostWrite(2, `smpemu: note: --proc-at ${at}: not reached (the process ended first)\n`);
  }
  for (const p of procs) hostWrite(2, `==> ${p.path} (${p.cycle !== undefined ? `at cycle ${p.cycle}` : 'at exit'}) <==\n${p.text}`);
  if (result.error) hostWrite(2, `smpemu: ${result.error}\n`);
  if (statsError) hostWrite(2, `smpemu: ${statsError}\n`);
  return exitCode;
}

/** The program's path in the guest tree: under --root when it lies inside it, else /NAME. */
function guestPathOf(file: string, root: string | undefined): string {
  if (root !== undefined) {
    const r = resolve(root), p = resolve(file);
    if (p.startsWith(r + '/')) return p.slice(r.length);
  }
  return `/${basename(file)}`;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The commands, each registered on the program by its own function. */
const COMMANDS = ['run', 'demo', 'litmus', 'stress'] as const;

/**
 * The program with every command, or with only `only` when the command line names it: a
 * command's options cost commander tens of thousands of host instructions each at every start,
 * and a run's parse, help and errors involve its own command alone.
 */
export function buildProgram(only?: string): Command {
  const wanted = (name: (typeof COMMANDS)[number]) => only === undefined || !(COMMANDS as readonly string[]).includes(only) || only === name;
  const program = new Command('smpemu')
    .description('SMP RISC-V (RV64IMA) emulator: every core a worker thread over shared RAM')
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureOutput({
      // One line, as every other error: `smpemu: <reason>` (commander says `error: ...`).
      outputError: (str, write) => write(`smpemu: ${str.replace(/^error: /, '').trim().replace(/\n+/g, ' ')}\n`),
    })
    .exitOverride();

  if (wanted('run')) addMachineOptions(
    program
      .command('run')
      .description('run a static RISC-V ELF program')
      .argument('<program>', 'ELF64 RISC-V static executable')
      .argument('[args...]', 'program arguments'),
  ).action(async (file: string, args: string[], f: RunFlags, cmd: Command) => {
    process.exitCode = await runProgram(file, args, f, cmd);
  });

  if (wanted('demo')) program
    .command('demo')
    .description('the built-in demo: false sharing, packed against padded counters on 4 cores')
    .option('-c, --cores <n>', 'simulated cores (2 to 8)', intArg('--cores', 2), 4)
    .option('-t, --threads <n>', 'host worker threads (default 1: deterministic)', intArg('--threads', 1), 1)
    .action(async (f: { cores: number; threads: number }) => {
      if (f.cores > 8) throw new ConfigError('the demo counters exist for up to 8 cores');
      warnOversubscribed(makeConfig({ cores: f.cores, threads: f.threads }), 1);
      const d = await runDemo({ cores: f.cores, threads: f.threads });
      process.stdout.write(d.text);
    });
  if (wanted('litmus')) registerLitmus(program);
  if (wanted('stress')) registerStress(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  startupMark('cli loaded');
  process.once('exit', () => startupMark('exit'));
  const program = buildProgram(argv[0]);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError || e instanceof ConfigError) {
      process.stderr.write(`smpemu: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`smpemu: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

// Not a top-level await: the launcher runs this module as CommonJS (bin/code_cache.mjs).
// Once the output is out, exit at once: letting the process wind down by itself frees every
// heap page and waits for the worker threads' teardown first, tens of milliseconds of a short run.
trackStdio();
void main(process.argv.slice(2)).then(async (code) => {
  process.exitCode = code;
  await Promise.all([hostFlushed(1), hostFlushed(2)]);
  process.exit(code);
});
