// Reading an F/D fuzz program's output: the dump (fcsr, x1..x31, f0..f31, scratch) and the log (one
// entry per logged step result or flags read), and saying where two outputs first differ.

import { FP_ABI_NAMES, ABI_NAMES } from '../../src/asm/encode.ts';
import { DUMP_BYTES, type FpProgram } from './fp_program.ts';
import type { RunOutput } from './run.ts';

const hex64 = (b: Buffer, off: number) => (off + 8 <= b.length ? '0x' + b.readBigUInt64LE(off).toString(16).padStart(16, '0') : '(missing)');

/** Name of the dump slot at byte offset `off`. */
function dumpSlot(off: number): string {
  const k = off >> 3;
  if (k === 0) return 'fcsr';
  if (k < 32) return `x${k} (${ABI_NAMES[k]})`;
  if (k < 64) return `f${k - 32} (${FP_ABI_NAMES[k - 32]})`;
  return `scratch s0+${1024 + 8 * (k - 64)}`;
}

/** The step and the entry (its result or its flags) that log offset `off` belongs to. */
function logSlot(p: FpProgram, off: number): string {
  let at = 0;
  for (let i = 0; i < p.steps.length; i++) {
    const s = p.steps[i]!;
    if (s.log !== '') {
      if (off < at + 8) return `step${i} result ${s.log}: ${s.text.join(' ; ')}`;
      at += 8;
    }
    if (s.flags) {
      if (off < at + 8) return `step${i} fflags after: ${s.text.join(' ; ')}`;
      at += 8;
    }
  }
  return 'past the log';
}

/** undefined when equal; else a few lines saying what differs first, both values shown. */
export function fpDifference(p: FpProgram, qemu: RunOutput, smpemu: RunOutput): string | undefined {
  if (qemu.end === smpemu.end && qemu.stdout.equals(smpemu.stdout)) return undefined;
  const lines = [`end: qemu ${qemu.end}, smpemu ${smpemu.end}; stdout ${qemu.stdout.length} and ${smpemu.stdout.length} bytes`];
  const n = Math.min(qemu.stdout.length, smpemu.stdout.length);
  let first = -1;
  for (let i = 0; i < n; i++) if (qemu.stdout[i] !== smpemu.stdout[i]) { first = i; break; }
  if (first >= 0) {
    const slot = first & ~7;
    const where = slot < DUMP_BYTES ? `dump ${dumpSlot(slot)}` : `log ${logSlot(p, slot - DUMP_BYTES)}`;
    lines.push(`first difference: ${where}: qemu ${hex64(qemu.stdout, slot)}, smpemu ${hex64(smpemu.stdout, slot)}`);
    // every differing dump slot, for the whole picture
    const diffs: string[] = [];
    for (let o = 0; o + 8 <= Math.min(n, DUMP_BYTES); o += 8) {
      if (qemu.stdout.readBigUInt64LE(o) !== smpemu.stdout.readBigUInt64LE(o)) diffs.push(`${dumpSlot(o)} ${hex64(qemu.stdout, o)} vs ${hex64(smpemu.stdout, o)}`);
    }
    if (diffs.length) lines.push('dump slots that differ (qemu vs smpemu):', ...diffs.map((d) => '  ' + d));
  }
  return lines.join('\n');
}

/** The dump as text: fcsr, the x and f registers (for a report). */
export function fpDumpText(out: Buffer): string {
  const r: string[] = [];
  for (let k = 0; k < 64 && 8 * k + 8 <= out.length; k++) r.push(`${dumpSlot(8 * k)}=${hex64(out, 8 * k)}`);
  return r.join('\n');
}
