// Facts about the ISA the cores implement, for the parts outside the interpreter.

/**
 * IALIGN in bytes: the alignment of instruction addresses. 4 for RV64IMA; the C extension
 * (RV64GC) makes it 2. The loader refuses an entry point that breaks it; the hart raises
 * instruction-address-misaligned for a jump target that does (cores/hart.ts).
 */
export const IALIGN_BYTES = 4;
