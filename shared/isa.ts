// Facts about the ISA the cores implement, for the parts outside the interpreter: the one place
// that says which extensions a hart has (the ELF loader, and /proc/cpuinfo later, read it here).

/** Base ISA and single-letter extensions, as /proc/cpuinfo's `isa` line spells them. */
export const ISA_BASE = 'rv64imafdc';

/** Multi-letter extensions beyond G's: counters and fence.i are Zicsr/Zifencei; Zalasr is load-acquire/store-release. */
export const ISA_EXTENSIONS: readonly string[] = ['zicsr', 'zifencei', 'zalasr'];

/** The full ISA string: rv64imafdc_zicsr_zifencei_zalasr. */
export const ISA_STRING = [ISA_BASE, ...ISA_EXTENSIONS].join('_');

/**
 * IALIGN in bytes: the alignment of instruction addresses. The C extension makes it 2: jump and
 * branch targets need 2-byte alignment only, and a 32-bit instruction may straddle a fetch block,
 * a cache line and a page. The loader refuses an entry point that breaks it; no jump can (jalr
 * clears bit 0, branch and jal offsets are even).
 */
export const IALIGN_BYTES = 2;
