// The per-core summary printed on stderr at exit.

import type { RunResult } from '../machine/machine.ts';

/**
 * An SC failure storm: a core with at least this many failed store-conditionals, and at least
 * STORM_RATIO failures per success. Constrained LR/SC loops succeed (the LR/SC hold,
 * cores/memory.ts); a storm means a sequence the A extension promises nothing for.
 */
export const STORM_MIN_FAILED = 1000;
export const STORM_RATIO = 10;

/** Cores in an SC failure storm. */
export function scStormCores(r: RunResult): number[] {
  return r.cores.filter((c) => c.scFailed >= STORM_MIN_FAILED && c.scFailed >= STORM_RATIO * c.scSucceeded).map((c) => c.id);
}

/** The run ended on the main thread (a short run: src/machine/main_thread.ts). */
const onMainThread = (r: RunResult): boolean => r.host?.[0]?.mainThread === true;

/** Where the run's cores ran: its worker threads, or the main thread. */
export function ranOn(r: RunResult): string {
  if (onMainThread(r)) return 'the main thread (a short run, interleaved as one worker)';
  return `${r.config.threads} worker thread${r.config.threads === 1 ? ' (deterministic)' : 's'}`;
}

export function formatSummary(r: RunResult): string {
  const lines: string[] = [];
  const secs = r.hostSeconds;
  lines.push(`smpemu: ${r.config.cores} cores on ${onMainThread(r) ? 'the main thread (a short run)' : `${r.config.threads} threads`}, memory ${r.config.memory}, stopped by ${r.stopReason}, exit ${r.exitCode}`);
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
  if (r.cores.some((c) => c.scSucceeded + c.scFailed > 0)) {
    lines.push('  core   SC succeeded  SC failed  failed per success');
    for (const c of r.cores) {
      const rate = c.scSucceeded > 0 ? (c.scFailed / c.scSucceeded).toFixed(3) : c.scFailed > 0 ? 'all failed' : '-';
      lines.push(`  ${String(c.id).padStart(4)}  ${String(c.scSucceeded).padStart(13)}  ${String(c.scFailed).padStart(9)}  ${rate.padStart(18)}`);
    }
    const storm = scStormCores(r);
    if (storm.length > 0) {
      lines.push(
        `  SC failure storm on core${storm.length > 1 ? 's' : ''} ${storm.join(', ')}: at least ${STORM_RATIO} failed SCs per success. ` +
          'An LR/SC sequence outside the A extension\'s constraints (at most 16 base instructions, no other loads or stores, ' +
          'no backward branch between LR and SC), or longer than lrscHoldCycles, may fail for ever; see README, "LR/SC forward progress".',
      );
    }
  }
  if (r.process) {
    // --boot linux: address translation and demand paging.
    const p = r.process;
    lines.push('  core  iTLB misses  dTLB misses  STLB hits  page walks  walk cycles  shootdowns sent/received');
    for (const c of r.cores) {
      if (c.tlbMisses === undefined) continue;
      const t = c.tlb;
      const n = (v: number | undefined, w: number) => String(v ?? 0).padStart(w);
      lines.push(`  ${n(c.id, 4)}  ${n(t?.itlbMisses, 11)}  ${n(t?.dtlbMisses, 11)}  ${n(t?.stlbHits, 9)}  ${n(c.pageWalks, 10)}  ${n(c.walkCycles, 11)}  ${n(t?.shootdownsSent, 15)}/${t?.shootdownsReceived ?? 0}`);
    }
    lines.push(`  pid ${p.pid} (${p.comm}): ${p.minFlt} minor faults, ${p.majFlt} major faults; vmstat pgfault ${p.pgfault} pgmajfault ${p.pgmajfault} pgalloc ${p.pgalloc} pgfree ${p.pgfree}`);
    const s = p.sched;
    if (s && (s.forks > 0 || s.switches > 0)) {
      const per = (a: number, b: number) => (b > 0 ? Math.round(a / b) : 0);
      lines.push(`  sched: ${s.forks} forks (${per(s.forkCycles, s.forks)} cycles each, ${s.forkFailed} failed), ${s.switches} context switches (${per(s.switchCycles, s.switches)} cycles, ${(s.hostSwitchNs / Math.max(1, s.switches) / 1000).toFixed(1)} host us each, median ${((s.hostSwitchMedianNs ?? 0) / 1000).toFixed(1)}), ${s.ticks} ticks, ${s.idleCycles} idle cycles${s.reschedIpis && s.reschedIpis.length > 1 ? `, reschedule IPIs ${s.reschedIpis.join('/')}` : ''}`);
    }
  }
  if (r.unimplementedSyscalls.length > 0) {
    lines.push(`  unimplemented syscalls (returned -ENOSYS): ${r.unimplementedSyscalls.map((s) => `${s.name}(${s.nr}) x${s.count}`).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}
