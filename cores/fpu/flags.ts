// fflags bits and frm values of the RISC-V F extension (unprivileged spec, "Floating-Point Control
// and Status Register"). Hot files keep their own copies of these numbers (see STYLE.md: an imported
// constant may cost a load in the loop); this file is the one place a reader looks them up.

/** fflags: invalid operation, divide by zero, overflow, underflow, inexact. */
export const NV = 16, DZ = 8, OF = 4, UF = 2, NX = 1;

/** frm / the instruction's rm field. 5 and 6 are reserved; 7 (DYN) selects frm. */
export const RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7;

/** Canonical NaNs: RISC-V never propagates payloads. */
export const CANON_NAN32 = 0x7fc00000;
export const CANON_NAN64_HI = 0x7ff80000;

/**
 * The rounding mode an instruction uses, or -1 when it is illegal: rm 5/6 always, and DYN when frm
 * holds 5, 6 or 7. The hart raises an illegal-instruction fault on -1 before calling any op here.
 */
export function effectiveRm(rm: number, frm: number): number {
  const r = rm === 7 ? frm : rm;
  return r <= 4 ? r : -1;
}
