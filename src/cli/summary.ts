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
  if (r.unimplementedSyscalls.length > 0) {
    lines.push(`  unimplemented syscalls (returned -ENOSYS): ${r.unimplementedSyscalls.map((s) => `${s.name}(${s.nr}) x${s.count}`).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}
