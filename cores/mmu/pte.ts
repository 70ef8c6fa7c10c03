// Sv39/Sv48 page-table entry and satp fields (RISC-V privileged spec 1.12, §4.3-§4.5), as the
// hardware sees them. A PTE travels as an int32 pair: lo = bits 31:0, hi = bits 63:32.
//   lo: V[0] R[1] W[2] X[3] U[4] G[5] A[6] D[7] RSW[9:8] PPN[21:0] at [31:10]
//   hi: PPN[43:22] at [21:0], reserved [28:22] (PTE bits 60:54), PBMT [30:29], N [31]
// The kernel's names for the same bits (Linux's _PAGE_*) are in src/kernel/mm/pgtable_bits.ts.

export const PTE_V = 1 << 0;
export const PTE_R = 1 << 1;
export const PTE_W = 1 << 2;
export const PTE_X = 1 << 3;
export const PTE_U = 1 << 4;
export const PTE_G = 1 << 5;
export const PTE_A = 1 << 6;
export const PTE_D = 1 << 7;
/** PTE bits 63:54 (N, PBMT, reserved) in the high word: all must be zero without Svnapot/Svpbmt. */
export const PTE_HI_RESERVED = 0xffc00000 | 0;
/** PPN bits 43:22 in the high word. */
export const PTE_HI_PPN = 0x003fffff;
export const PTE_PPN_SHIFT = 10;

/** Kinds of access: the permission bit each needs (so a TLB can test `perm & acc`). */
export const ACC_READ = PTE_R;
export const ACC_WRITE = PTE_W;
export const ACC_FETCH = PTE_X;

/** satp.MODE values (RV64). */
export const SATP_MODE_BARE = 0;
export const SATP_MODE_SV39 = 8;
export const SATP_MODE_SV48 = 9;

/** Privilege modes the walker checks U against. */
export const PRV_U = 0;
export const PRV_S = 1;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
