// Small guest programs for machine tests: assemble RV64 text into a static ELF in memory.

import { assembleProgram } from '../../src/asm/program.ts';

export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x20000;

/** Assembles `source` at CODE_BASE into an ELF with a writable zeroed data page at DATA_BASE. */
export function asmElf(source: string, opts: { dataBytes?: number } = {}): Uint8Array {
  return assembleProgram(source, { codeBase: CODE_BASE, dataBase: DATA_BASE, dataBytes: opts.dataBytes });
}

/** Collects guest output as text. */
export function sink(): { out: (d: Uint8Array) => void; text: () => string } {
  const parts: Buffer[] = [];
  return { out: (d) => parts.push(Buffer.from(d)), text: () => Buffer.concat(parts).toString('utf8') };
}
