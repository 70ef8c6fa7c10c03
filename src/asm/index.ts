export { assemble, AsmError, liSequence } from './assembler.ts';
export type { AssembleOptions, AssembleResult, LiStep } from './assembler.ts';
export { disassemble, disassembleAt, disassembleParcel, illegal } from './disassembler.ts';
export { C_INSTRUCTIONS, compressedText, encodeCompressed } from './rvc_encode.ts';
export {
  ABI_NAMES,
  AQRL_SUFFIXES,
  CSR_BY_NUMBER,
  CSR_NAMES,
  encAMO,
  encB,
  encCSR,
  encFence,
  encI,
  encJ,
  encR,
  encS,
  encU,
  FP_ABI_NAMES,
  immB,
  immI,
  immJ,
  immS,
  immU,
  INSTRUCTIONS,
  lookupMnemonic,
  matchSpec,
  OP,
  parseFpRegister,
  parseRegister,
  ROUNDING_MODES,
} from './encode.ts';
export type { Format, InstrSpec, Syntax } from './encode.ts';
