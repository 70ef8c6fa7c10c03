// Interpreter against translator (--engine interp | jit), in one run: guest MIPS of one core
// (one worker, deterministic) on compute_long (the integer kernel), varied (a varied integer
// program: every width of load and store, all ALU and M ops, data-dependent branches, calls
// through a table; bench/programs/varied.c, built here with the workloads' flags and runtime)
// and gc/nbody (the FP kernel), flat and with the full hierarchy, and qemu-riscv64 on the same
// program in the same run (wall time of the whole process, so its start-up counts against it).
// Prints one JSON object on stdout (progress on stderr); each figure is the median of --reps
// runs (default 3), the engines and qemu interleaved so that all see the same host load.
// Checks that both engines retired the same instructions in the same cycles and printed what
// qemu printed. *CpuMips counts the whole runMachine call's CPU, the worker's start-up too
// (~0.3 s here, a ceiling of ~400 MIPS on a 120M-instruction program however fast it runs);
// *RunCpuMips is the run alone: bench/inproc.ts in a child process, the CPU its run loop took
// (V8's compiler threads and GC included), start-up excluded; those children run after the timed
// runs, not between them: on this 2-vCPU host a run after a second with a CPU idle reads slower
// (compute_long flat jit, one process: 528-534 MIPS back to back, 446-458 after a child or a
// `sleep 1` between runs), and bench/jit.ts then read ~470 where bench/run.ts read ~530.
//   npx tsx bench/jit.ts [--reps 5] [--only compute_long,varied]

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
const inproc = fileURLToPath(new URL('./inproc.ts', import.meta.url));
/** MIPS per CPU second of the run loop alone (bench/inproc.ts in a fresh process). */
function runCpuMips(path: string, memory: string, engine: string): number {
  const r = spawnSync(process.execPath, [...process.execArgv, inproc, path, memory, engine], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/inproc.ts ${path} ${memory} ${engine}: exit ${r.status}\n${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { cpuMips: number }).cpuMips;
}
import { makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const reps = Number(arg('--reps') ?? 3);
const only = arg('--only')?.split(',');
const wl = (p: string) => fileURLToPath(new URL(`../workloads/${p}`, import.meta.url));

/** bench/programs/varied.c built as workloads/build.sh builds rv64ima programs, cached by content. */
function buildVaried(): string {
  const src = fileURLToPath(new URL('./programs/varied.c', import.meta.url));
  const inputs = [src, wl('runtime/start.S'), wl('runtime/rt.c'), wl('runtime/rt.h')];
  const hash = createHash('sha256').update(inputs.map((f) => readFileSync(f, 'utf8')).join('\0')).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'smpemu-bench');
  const out = join(dir, `varied-${hash}.elf`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  execFileSync('clang', [
    '--target=riscv64-unknown-elf', '-march=rv64ima', '-mabi=lp64', '-mcmodel=medlow', '-O2', '-ffreestanding', '-fno-builtin',
    '-fno-stack-protector', '-fno-pic', '-fno-asynchronous-unwind-tables', '-fno-unwind-tables', '-mno-relax', '-Wall', '-Wextra', '-Werror',
    '-I', wl('runtime'), '-nostdlib', '-static', '-fuse-ld=lld', '-Wl,--build-id=none', '-Wl,--no-undefined', '-Wl,-z,norelro',
    wl('runtime/start.S'), wl('runtime/rt.c'), src, '-o', `${out}.tmp`,
  ], { stdio: 'inherit' });
  renameSync(`${out}.tmp`, out);
  return out;
}

const paths: Record<string, string> = {
  compute_long: wl('bin/compute_long.elf'),
  varied: buildVaried(),
  nbody: wl('bin/gc/nbody.elf'),
};
const names = Object.keys(paths).filter((n) => !only || only.includes(n));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** qemu-riscv64 on the program: wall seconds and stdout (null: qemu is not installed). */
function qemu(path: string): { seconds: number; stdout: string } | null {
  const t0 = performance.now();
  const r = spawnSync('qemu-riscv64', [path], { encoding: 'utf8' });
  if (r.error) return null;
  if (r.status !== 0) throw new Error(`qemu-riscv64 ${path} exited ${r.status}`);
  return { seconds: (performance.now() - t0) / 1000, stdout: r.stdout };
}

/**
 * interpMips / jitMips: guest instructions over the run's host seconds (runMachine's guestMips).
 * *CpuMips: over the CPU time this process used meanwhile (the worker, V8's compiler threads, GC):
 * on a host shared with other jobs it moves far less with their load than wall time does.
 */
interface Row {
  interpMips: number; jitMips: number; speedup: number; interpCpuMips: number; jitCpuMips: number; cpuSpeedup: number;
  interpRunCpuMips: number; jitRunCpuMips: number; runCpuSpeedup: number; instructions: number; cycles: number;
}
const out: Record<string, Record<string, Row | number | null>> = {};
for (const name of names) {
  const program = readFileSync(paths[name]);
  out[name] = {};
  const qemuSeconds: number[] = [];
  let qemuOut: string | null = null;
  let instructions = 0;
  for (const memory of ['flat', 'caches'] as const) {
    const mips: Record<string, number[]> = { interp: [], jit: [] };
    const cpuMips: Record<string, number[]> = { interp: [], jit: [] };
    const runCpu: Record<string, number[]> = { interp: [], jit: [] };
    const counts = new Set<string>();
    let cycles = 0;
    for (let i = 0; i < reps; i++) {
      for (const engine of ['interp', 'jit'] as const) {
        const cfg: Partial<MachineConfig> = { cores: 1, threads: 1, memory, engine };
        let stdout = '';
        const c0 = process.cpuUsage();
        const r = await runMachine(makeConfig(cfg), program, { stdout: (d: Uint8Array) => { stdout += Buffer.from(d).toString(); } });
        if (r.exitCode !== 0) throw new Error(`${name} exited ${r.exitCode}: ${r.error ?? ''}`);
        const cu = process.cpuUsage(c0);
        mips[engine].push(r.guestMips);
        cpuMips[engine].push(r.instructions / ((cu.user + cu.system) / 1e6) / 1e6);
        instructions = r.instructions;
        cycles = r.cores[0].cycles;
        counts.add(`${r.instructions}/${r.cores[0].cycles}/${stdout}`);
        process.stderr.write(`${name} ${memory} ${engine}: ${r.guestMips.toFixed(1)} MIPS (${cpuMips[engine][cpuMips[engine].length - 1].toFixed(1)} per CPU second)\n`);
      }
      if (memory === 'flat') {
        const q = qemu(paths[name]);
        if (q) {
          qemuSeconds.push(q.seconds);
          qemuOut = q.stdout;
          process.stderr.write(`${name} qemu-riscv64: ${q.seconds.toFixed(3)} s\n`);
        }
      }
    }
    // The run alone, once the timed runs are done: a child process between them would leave the
    // other host CPU idle for a second, and a run right after that reads slower (the header).
    for (let i = 0; i < reps; i++) {
      for (const engine of ['interp', 'jit'] as const) {
        runCpu[engine].push(runCpuMips(paths[name], memory, engine));
        process.stderr.write(`${name} ${memory} ${engine}: ${runCpu[engine][runCpu[engine].length - 1].toFixed(1)} MIPS per CPU second of the run alone\n`);
      }
    }
    if (counts.size !== 1) throw new Error(`${name} ${memory}: the engines disagree: ${[...counts].join(' | ')}`);
    const printed = [...counts][0].split('/').slice(2).join('/');
    if (qemuOut !== null && printed !== qemuOut) throw new Error(`${name}: smpemu printed ${JSON.stringify(printed)}, qemu-riscv64 ${JSON.stringify(qemuOut)}`);
    const interpMips = +median(mips.interp).toFixed(1), jitMips = +median(mips.jit).toFixed(1);
    const interpCpuMips = +median(cpuMips.interp).toFixed(1), jitCpuMips = +median(cpuMips.jit).toFixed(1);
    const interpRunCpuMips = +median(runCpu.interp).toFixed(1), jitRunCpuMips = +median(runCpu.jit).toFixed(1);
    out[name][memory] = {
      interpMips, jitMips, speedup: +(jitMips / interpMips).toFixed(2),
      interpCpuMips, jitCpuMips, cpuSpeedup: +(jitCpuMips / interpCpuMips).toFixed(2),
      interpRunCpuMips, jitRunCpuMips, runCpuSpeedup: +(jitRunCpuMips / interpRunCpuMips).toFixed(2), instructions, cycles,
    };
  }
  // qemu runs the same instructions (same binary, same syscalls): its MIPS over smpemu's count.
  const qemuMips = qemuSeconds.length > 0 ? +(instructions / median(qemuSeconds) / 1e6).toFixed(1) : null;
  out[name].qemuMips = qemuMips;
  if (qemuMips !== null) {
    for (const memory of ['flat', 'caches']) {
      const row = out[name][memory] as Row;
      out[name][`qemuOverJit_${memory}`] = +(qemuMips / row.jitMips).toFixed(1);
    }
  }
}
console.log(JSON.stringify({ reps, ...out }, null, 1));
