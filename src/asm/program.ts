// Assembly text to a runnable static ELF: code at codeBase (R+X), and a writable
// data area at dataBase (R+W, zero-filled beyond the given bytes). Labels become
// function symbols and `dataSymbols` name data addresses, so reports can name them.

import { buildElf, PF_R, PF_W, PF_X } from '../loader/elf_writer.ts';
import { assemble } from './assembler.ts';

export interface ProgramOptions {
  codeBase?: number;
  dataBase?: number;
  /** Size of the data area in bytes (default 4096). */
  dataBytes?: number;
  /** Initial contents of the start of the data area. */
  data?: Uint8Array;
  /** Names for data addresses (e.g. litmus locations). */
  dataSymbols?: { name: string; value: number; size: number }[];
}

export const DEFAULT_CODE_BASE = 0x10000;
export const DEFAULT_DATA_BASE = 0x100000;

/** Assembles `source` into ELF bytes; throws AsmError for bad source. */
export function assembleProgram(source: string, o: ProgramOptions = {}): Uint8Array {
  const codeBase = o.codeBase ?? DEFAULT_CODE_BASE;
  const dataBase = o.dataBase ?? DEFAULT_DATA_BASE;
  const { bytes: code, labels } = assemble(source, { base: codeBase });
  const symbols = [
    ...[...labels].map(([name, value]) => ({ name, value, size: 0, type: 'func' as const })),
    ...(o.dataSymbols ?? []).map((d) => ({ ...d, type: 'object' as const })),
  ];
  return buildElf({
    entry: codeBase,
    segments: [
      { vaddr: codeBase, data: code, flags: PF_R | PF_X },
      { vaddr: dataBase, data: o.data ?? new Uint8Array(0), memsz: Math.max(o.dataBytes ?? 4096, o.data?.length ?? 0), flags: PF_R | PF_W },
    ],
    symbols,
  }).bytes;
}
