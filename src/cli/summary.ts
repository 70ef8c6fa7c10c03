// The per-core summary printed on stderr at exit.

import type { RunResult } from '../machine/machine.ts';

export function formatSummary(r: RunResult): string {
  const lines: string[] = [];
  const secs = r.hostSeconds;
  lines.push(`smpemu: ${r.config.cores} cores on ${r.config.threads} threads, memory ${r.config.memory}, stopped by ${r.stopReason}, exit ${r.exitCode}`);
  lines.push('  core  instructions        cycles    IPC   guest MIPS');
  for (const c of r.cores) {
    const ipc = c.cycles > 0 ? c.instructions / c.cycles : 0;
    const mips = secs > 0 ? c.instructions / secs / 1e6 : 0;
    lines.push(`  ${String(c.id).padStart(4)}  ${String(c.instructions).padStart(12)}  ${String(c.cycles).padStart(12)}  ${ipc.toFixed(2).padStart(5)}  ${mips.toFixed(1).padStart(11)}`);
  }
  lines.push(`  total ${String(r.instructions).padStart(12)} instructions in ${secs.toFixed(3)} host s: ${r.guestMips.toFixed(1)} guest MIPS`);
  if (r.caches && r.totals) {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
    lines.push('  core   L1d hit  L1i hit   L2 hit   CPI   loads/stores        GETS   GETX  upgr   inv sent/recv  HITM ld/st   wb');
    for (const c of r.caches.cores) {
      lines.push(
        `  ${String(c.id).padStart(4)}  ${pct(c.l1d.hitRatio)}  ${pct(c.l1i.hitRatio)}  ${pct(c.l2.hitRatio)}  ${c.cpi.toFixed(2).padStart(5)}` +
          `  ${`${c.loads}/${c.stores}`.padStart(15)}  ${String(c.gets).padStart(9)} ${String(c.getx).padStart(6)} ${String(c.upgrades).padStart(5)}` +
          `  ${`${c.invalidationsSent}/${c.invalidationsReceived}`.padStart(14)}  ${`${c.hitmLoads}/${c.hitmStores}`.padStart(11)} ${String(c.writebacks).padStart(5)}`,
      );
    }
    const t = r.totals;
    lines.push(`  totals: HITM ${t.hitm}, invalidations ${t.invalidations}, write-backs ${t.writebacks}, misses L1d ${t.l1dMisses} L2 ${t.l2Misses} L3 ${t.l3Misses}; bus BusRd ${r.caches.bus.BusRd} BusRdX ${r.caches.bus.BusRdX} BusUpgr ${r.caches.bus.BusUpgr}`);
  }
  if (r.unimplementedSyscalls.length > 0) {
    lines.push(`  unimplemented syscalls (returned -ENOSYS): ${r.unimplementedSyscalls.map((s) => `${s.name}(${s.nr}) x${s.count}`).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}
