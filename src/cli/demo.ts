// `smpemu demo` (and `npm start`): the same counting loop on 4 cores, counters
// packed into one cache line against padded to a line each, side by side, with
// perf c2c's verdict on the packed line. One screen that explains false sharing.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseElf } from '../loader/elf.ts';
import { SymbolTable } from '../loader/symbols.ts';
import { makeConfig, type MachineConfig } from '../machine/config.ts';
import { runMachine, type RunResult } from '../machine/machine.ts';
import { analyzeC2c } from '../report/c2c.ts';

const ITERS = 20_000; // increments per hart, as built into workloads/src/counters_*.c

function program(name: string): Uint8Array {
  return readFileSync(fileURLToPath(new URL(`../../workloads/bin/${name}.elf`, import.meta.url)));
}

export interface DemoResult {
  packed: RunResult;
  padded: RunResult;
  text: string;
}

export async function runDemo(partial: Partial<MachineConfig>): Promise<DemoResult> {
  const config = makeConfig({ cores: 4, threads: 1, ...partial, memory: 'caches' });
  const packedElf = program('counters_packed');
  const out: string[] = [];
  const keep = (d: Uint8Array) => out.push(Buffer.from(d).toString('utf8'));
  const packed = await runMachine(config, packedElf, { stdout: keep });
  const padded = await runMachine(config, program('counters_padded'), { stdout: keep });
  for (const r of [packed, padded]) if (r.exitCode !== 0) throw new Error(`demo program failed: ${r.error ?? `exit ${r.exitCode}`}`);

  const cores = Math.min(config.cores, 8);
  const perInc = (r: RunResult) => Math.max(...r.cores.map((c) => c.cycles)) / ITERS;
  const row = (label: string, a: string | number, b: string | number) =>
    `  ${label.padEnd(40)}${String(a).padStart(10)}${String(b).padStart(10)}`;
  const lines: string[] = [];
  lines.push(`False sharing, on ${config.cores} simulated cores (${config.threads === 1 ? 'deterministic' : `${config.threads} threads`}):`);
  lines.push(`each core adds 1 to its own 8-byte counter ${ITERS} times (plain load + store).`);
  lines.push(`"packed": the ${cores} counters share one 64-byte cache line. "padded": each has a line of its own.`);
  lines.push('');
  lines.push(row('', 'packed', 'padded'));
  lines.push(row('cycles per increment (slowest core)', perInc(packed).toFixed(1), perInc(padded).toFixed(1)));
  lines.push(row('HITM (hit a line Modified elsewhere)', packed.totals!.hitm, padded.totals!.hitm));
  lines.push(row('invalidations', packed.totals!.invalidations, padded.totals!.invalidations));
  lines.push(row('L1d misses', packed.totals!.l1dMisses, padded.totals!.l1dMisses));
  lines.push(row('bus transactions (BusRd+BusRdX+BusUpgr)', busTotal(packed), busTotal(padded)));
  lines.push('');
  const slower = perInc(packed) / perInc(padded);
  lines.push(`The packed counters run ${slower.toFixed(1)}x slower. No counter is shared, yet every store must take the`);
  lines.push('whole line from the core that wrote it last (a HITM), invalidating it there: the line ping-pongs.');
  lines.push('');
  const symbols = new SymbolTable(parseElf(packedElf).symbols);
  const hot = analyzeC2c(packed.c2cEntries ?? [], symbols, config.caches.lineBytes)[0];
  if (hot) {
    lines.push(`perf c2c's view of the hottest line (smpemu run ... --report c2c for the full tables):`);
    lines.push(`  0x${hot.address.toString(16)} ${hot.symbol}: ${hot.verdict}, HITM ${hot.hitm}, cores ${hot.cores.join(',')}`);
    for (const o of hot.offsets.filter((x) => x.cores.length > 0).slice(0, 8)) {
      lines.push(`    offset 0x${o.offset.toString(16).padEnd(4)} ${o.field.padEnd(24)} written by core ${o.writers.join(',') || '-'}  HITM ${o.hitm}`);
    }
    lines.push(`  fix: ${hot.advice}`);
  }
  return { packed, padded, text: lines.join('\n') + '\n' };
}

function busTotal(r: RunResult): number {
  const b = r.caches!.bus;
  return b.BusRd + b.BusRdX + b.BusUpgr;
}
