// The scheduler under --boot linux on glibc pthreads programs (bench/programs/sched_*.c, built
// with Debian's riscv64-linux-gnu-gcc). Deterministic mode (threads: 1), flat memory. One JSON
// line per figure:
//   pingpong-yield / pingpong-futex (1 core): context switches per host second of the run;
//   spin-4 / spin-16 (4 cores, the same total work in 4 or 16 threads): guest MIPS, switches;
//   spin-ratio: MIPS of 16 threads over 4 threads;
//   and in every line schedHostMsPerSimS: the stats' sched.hostScheduleNs (host time of every
//   schedule() call: the run-queue lock, __schedule's pick with newidle balance, and the switch)
//   per simulated second (the busiest core's cycles / clockHz); switchHostMsPerSimS the same for
//   sched.hostSwitchNs alone (switchTo's register save/load, satp and TLB work); hostUsPerSwitch is that
//   wall time's mean per switch, hostUsPerSwitchMedian its median over the last 1024 switches.
//   With few switches (spin-*: one per tick per core) the mean is set by a handful of windows
//   the host preempted (tens of ms each on a loaded machine) and by the first switch's lazy
//   compilation; the median is the switch's own cost. switchHostPct: the switches' host time as
//   a share of the run's wall time.
// Host figures are noisy on a shared machine; the switch counts and cycles are exact.
//   npx tsx bench/sched_machine.ts [HANDOFFS] [ITERATIONS]
import { makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';
import { crossCompilePthread } from '../test/helpers/cross.ts';
import { helpFromHeader } from './help.ts';

helpFromHeader(import.meta.url);

const handoffs = process.argv[2] ?? '20000';
const iterations = process.argv[3] ?? '400000000';
const pingpong = crossCompilePthread(new URL('./programs/sched_pingpong.c', import.meta.url));
const spin = crossCompilePthread(new URL('./programs/sched_spin.c', import.meta.url));

async function one(name: string, elf: Uint8Array, args: string[], given: Partial<MachineConfig>) {
  const config = makeConfig({ boot: 'linux', memory: 'flat', cores: 1, threads: 1, ...given });
  const r = await runMachine(config, elf, { stdout: () => {}, stderr: () => {}, linux: { execfn: `/${name}`, args } });
  if (r.exitCode !== 0) throw new Error(`${name} exited ${r.exitCode}: ${r.error ?? ''}`);
  const s = r.process!.sched!;
  const simS = Math.max(...r.cores.map((c) => c.cycles)) / config.clockHz;
  const line = {
    case: name, cores: config.cores, runHostS: +r.hostSeconds.toFixed(3), simulatedS: +simS.toFixed(4), instructions: r.instructions,
    guestMips: +r.guestMips.toFixed(1), switches: s.switches, switchesPerHostS: Math.round(s.switches / r.hostSeconds),
    hostUsPerSwitch: +(s.hostSwitchNs / Math.max(1, s.switches) / 1000).toFixed(2), hostUsPerSwitchMedian: +((s.hostSwitchMedianNs ?? 0) / 1000).toFixed(2), schedHostMsPerSimS: +((s.hostScheduleNs ?? 0) / 1e6 / simS).toFixed(2), switchHostMsPerSimS: +(s.hostSwitchNs / 1e6 / simS).toFixed(2),
    switchHostPct: +((100 * s.hostSwitchNs) / 1e9 / r.hostSeconds).toFixed(3),
  };
  console.log(JSON.stringify(line));
  return line;
}

await one('pingpong-yield', pingpong, ['yield', handoffs], {});
await one('pingpong-futex', pingpong, ['futex', handoffs], {});
const four = await one('spin-4', spin, ['4', iterations], { cores: 4 });
const sixteen = await one('spin-16', spin, ['16', iterations], { cores: 4 });
console.log(JSON.stringify({ case: 'spin-ratio', mips16over4: +(sixteen.guestMips / four.guestMips).toFixed(3), switches16: sixteen.switches, switches4: four.switches }));
