// Host cost of the interrupt side wired into --boot linux, on real guest programs (built with
// Debian's riscv64-linux-gnu-gcc, test/machine/linux/): a 10 s nanosleep on 4 cores (the nohz
// idle jump), and a CPU-bound loop with no NIC, a low-rate NIC and a NET_RX flood (ksoftirqd).
// Deterministic mode, flat memory. One JSON line per case: host ms, guest MIPS, timer
// interrupts, idle-loop iterations, ksoftirqd's share (hostMs: the whole runMachine call with its
// workers' start; runHostMs: the run itself, the stats' hostSeconds).
//   npx tsx bench/irq_machine.ts [ITERATIONS]
import { makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';
import { crossCompile } from '../test/helpers/cross.ts';

const iters = process.argv[2] ?? '20000000';
const sleep = crossCompile(new URL('../test/machine/linux/sleep.c', import.meta.url));
const spin = crossCompile(new URL('../test/machine/linux/irqstat.c', import.meta.url));

async function one(name: string, elf: Uint8Array, args: string[], given: Partial<MachineConfig>): Promise<void> {
  const config = makeConfig({ boot: 'linux', memory: 'flat', cores: 1, threads: 1, ...given });
  const t0 = performance.now();
  const r = await runMachine(config, elf, { stdout: () => {}, stderr: () => {}, linux: { execfn: `/${name}`, args } });
  const hostMs = performance.now() - t0;
  const irq = r.process!.irq!;
  const cycles = r.cores.reduce((a, c) => a + c.cycles, 0);
  console.log(JSON.stringify({
    case: name, hostMs: Math.round(hostMs), runHostMs: Math.round(r.hostSeconds * 1000), simulatedS: +(Math.max(...r.cores.map((c) => c.cycles)) / config.clockHz).toFixed(3), guestMips: +r.guestMips.toFixed(1),
    loc: irq.loc.reduce((a, b) => a + b, 0), idleLoops: irq.idleLoops.reduce((a, b) => a + b, 0), ksoftirqdShare: +(irq.ksoftirqdNs.reduce((a, b) => a + b, 0) / cycles).toFixed(3),
    nicPackets: irq.nic?.packets ?? 0,
  }));
}

await one('sleep-10s-4cores', sleep, [], { cores: 4 });
await one('spin', spin, [iters], {});
await one('spin-nic-2k', spin, [iters], { nic: { ratePps: 2000, cpus: [0], workCycles: 2000 } });
await one('spin-nic-flood', spin, [iters], { nic: { ratePps: 1_000_000, cpus: [0], workCycles: 2000 } });
