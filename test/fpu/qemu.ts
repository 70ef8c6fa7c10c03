// Runs cases through test/fpu/oracle/fpu_oracle.elf under qemu-riscv64 (one process per batch).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Res } from './ref.ts';

export type Case = { op: string; rm: number; a: bigint; b: bigint; c: bigint };
export const ORACLE = fileURLToPath(new URL('./oracle/fpu_oracle.elf', import.meta.url));
export const hasQemu = spawnSync('qemu-riscv64', ['--version']).status === 0;

const hex = (v: bigint) => v.toString(16);
export function qemuRun(cases: Case[]): Res[] {
  const input = cases.map((k) => `${k.op} ${k.rm} ${hex(k.a)} ${hex(k.b)} ${hex(k.c)}\n`).join('');
  const p = spawnSync('qemu-riscv64', [ORACLE], { input, maxBuffer: 256 << 20 });
  if (p.status !== 0) throw new Error(`fpu_oracle exited ${p.status}: ${p.stderr}`);
  const lines = p.stdout.toString('utf8').trim().split('\n');
  if (lines.length !== cases.length) throw new Error(`fpu_oracle gave ${lines.length} lines for ${cases.length} cases: ${lines.find((l) => l.startsWith('?'))}`);
  return lines.map((l) => { const [r, fl] = l.split(' '); return { r: BigInt('0x' + r), flags: parseInt(fl, 16) }; });
}
