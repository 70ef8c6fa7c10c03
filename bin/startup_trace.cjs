// Start-up trace: with SMPEMU_TRACE_STARTUP=1 each phase of a run's start (launcher, CLI,
// boot, spawn, every worker's bundle, init and start line) writes one line to stderr:
//   smpemu-startup <epoch ms> <thread id> <thread CPU ms> <thread minor faults> <phase>
// Epoch times, so the main thread's and the workers' lines compare; the thread's own CPU
// time so far (Linux: /proc/thread-self/schedstat, ns; NaN elsewhere), which moves less
// than wall time on a loaded host (the kernel brings it up to date at ticks and switches, so
// a reading may lag by a tick); the thread's minor page faults so far (memory first touched:
// each costs the kernel microseconds; NaN off Linux). A thread's first line is phase `origin`
// at the process's time origin. bench/startup.ts --phases reads them.
//
// Plain CommonJS, like the launcher (bin/launcher.cjs), which marks its own phases with it;
// startup_trace.mjs re-exports it for the TypeScript side.

'use strict';
const { readFileSync, writeSync } = require('node:fs');
const { threadId } = require('node:worker_threads');

const on = !!process.env.SMPEMU_TRACE_STARTUP;
/**
 * SMPEMU_TRACE_STARTUP=callgrind: each mark calls os.uptime() (libuv's uv_uptime, which
 * nothing else calls), so that `valgrind --tool=callgrind --separate-threads=yes
 * --dump-before=uv_uptime` splits every thread's host instructions at its marks, and writes
 * its line with zeros for the times, the CPU and the faults: reading them (the clock through
 * node:perf_hooks, two /proc files) would add their own instructions to the next phase.
 */
const callgrind = process.env.SMPEMU_TRACE_STARTUP === 'callgrind';
const uptime = callgrind ? require('node:os').uptime : undefined;
let first = true;

/** CPU ms this thread has run (Linux), or NaN. */
function threadCpuMs() {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Minor page faults of this thread (Linux: field 10 of /proc/thread-self/stat), or NaN. */
function threadMinorFaults() {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
  } catch {
    return NaN;
  }
}

/**
 * Straight to fd 2, synchronously: a worker's process.stderr goes through the main thread,
 * which may exit (the CLI does, once its results are out) before it has passed the line on.
 */
function writeLine(s) {
  try {
    writeSync(2, s);
  } catch {
    // a closed stderr: no trace
  }
}

/** Writes one phase line (nothing unless SMPEMU_TRACE_STARTUP is set). */
function startupMark(phase) {
  if (!on) return;
  if (uptime) {
    uptime();
    writeLine(`smpemu-startup 0 ${threadId} 0 0 ${phase}\n`);
    return;
  }
  const cpu = threadCpuMs();
  const faults = threadMinorFaults();
  const line = (t, c, f, p) => `smpemu-startup ${t.toFixed(2)} ${threadId} ${c.toFixed(2)} ${f} ${p}\n`;
  if (first) {
    first = false;
    writeLine(line(performance.timeOrigin, 0, 0, 'origin'));
  }
  writeLine(line(performance.timeOrigin + performance.now(), cpu, faults, phase));
}

exports.startupMark = startupMark;
