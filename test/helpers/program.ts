// Small guest programs for machine tests: assemble RV64 text into a static ELF in memory.

import { assemble } from '../../src/asm/index.ts';
import { buildElf, PF_R, PF_W, PF_X } from '../loader/elf-builder.ts';

export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x20000;

/** Assembles `source` at CODE_BASE into an ELF with a writable zeroed data page at DATA_BASE. */
export function asmElf(source: string, opts: { dataBytes?: number } = {}): Uint8Array {
  const { words, labels } = assemble(source, { base: CODE_BASE });
  const code = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const symbols = [...labels].map(([name, value]) => ({ name, value, size: 0, type: 'func' as const }));
  return buildElf({
    entry: CODE_BASE,
    segments: [
      { vaddr: CODE_BASE, data: code, flags: PF_R | PF_X },
      { vaddr: DATA_BASE, data: new Uint8Array(0), memsz: opts.dataBytes ?? 4096, flags: PF_R | PF_W },
    ],
    symbols,
  }).bytes;
}

/** Collects guest output as text. */
export function sink(): { out: (d: Uint8Array) => void; text: () => string } {
  const parts: Buffer[] = [];
  return { out: (d) => parts.push(Buffer.from(d)), text: () => Buffer.concat(parts).toString('utf8') };
}
