// riscv page-table bits and page protections in Linux's names (arch/riscv/include/asm/
// pgtable-bits.h, pgtable.h, arch/riscv/mm/init.c protection_map). The hardware's view of the
// same bits is cores/mmu/pte.ts; a test holds the two against each other.
// A PTE is an int32 pair: lo = bits 31:0 (the bits below and PFN[21:0] at [31:10]),
// hi = bits 63:32 (PFN[43:22] at [21:0]).

import { VM_EXEC, VM_READ, VM_SHARED, VM_WRITE } from './vma.ts';

export const _PAGE_PRESENT = 1 << 0;
export const _PAGE_READ = 1 << 1;
export const _PAGE_WRITE = 1 << 2;
export const _PAGE_EXEC = 1 << 3;
export const _PAGE_USER = 1 << 4;
export const _PAGE_GLOBAL = 1 << 5;
export const _PAGE_ACCESSED = 1 << 6;
export const _PAGE_DIRTY = 1 << 7;
/** RSW bit 8: a mapping with no struct page behind it to count (the zero page). */
export const _PAGE_SPECIAL = 1 << 8;
/** A non-leaf entry: V alone. */
export const _PAGE_TABLE = _PAGE_PRESENT;
/** Set, with V clear, on a PROT_NONE mapping: pte_present yet invisible to the hardware. */
export const _PAGE_PROT_NONE = _PAGE_GLOBAL;
export const _PAGE_LEAF = _PAGE_READ | _PAGE_WRITE | _PAGE_EXEC;
export const _PAGE_PFN_SHIFT = 10;
/** pte_modify keeps these (PFN, A, D, the software bits) and takes the rest from the new prot. */
export const _PAGE_CHG_MASK_LO = ~(_PAGE_PRESENT | _PAGE_READ | _PAGE_WRITE | _PAGE_EXEC | _PAGE_USER | _PAGE_GLOBAL);

export const _PAGE_BASE = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_USER;
export const PAGE_NONE = _PAGE_PROT_NONE | _PAGE_READ;
export const PAGE_READ = _PAGE_BASE | _PAGE_READ;
export const PAGE_WRITE = _PAGE_BASE | _PAGE_READ | _PAGE_WRITE;
export const PAGE_EXEC = _PAGE_BASE | _PAGE_EXEC;
export const PAGE_READ_EXEC = _PAGE_BASE | _PAGE_READ | _PAGE_EXEC;
export const PAGE_WRITE_EXEC = _PAGE_BASE | _PAGE_READ | _PAGE_EXEC | _PAGE_WRITE;
export const PAGE_COPY = PAGE_READ;
export const PAGE_COPY_EXEC = PAGE_READ_EXEC;
export const PAGE_SHARED = PAGE_WRITE;
export const PAGE_SHARED_EXEC = PAGE_WRITE_EXEC;

/**
 * protection_map, indexed by vm_flags & (VM_READ|VM_WRITE|VM_EXEC|VM_SHARED). Private writable
 * mappings start read-only (PAGE_COPY): the write fault makes the page writable, or copies it.
 * Write-only maps as read+write (RISC-V has no W-without-R); PROT_NONE is not present.
 */
export const protection_map: readonly number[] = [
  PAGE_NONE, PAGE_READ, PAGE_COPY, PAGE_COPY, PAGE_EXEC, PAGE_READ_EXEC, PAGE_COPY_EXEC, PAGE_COPY_EXEC,
  PAGE_NONE, PAGE_READ, PAGE_SHARED, PAGE_SHARED, PAGE_EXEC, PAGE_READ_EXEC, PAGE_SHARED_EXEC, PAGE_SHARED_EXEC,
];

/** vm_get_page_prot: the PTE bits a VMA's pages get. */
export function vm_get_page_prot(vmFlags: number): number {
  return protection_map[vmFlags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)]!;
}

/** pte_present: mapped, possibly PROT_NONE. */
export function pte_present(lo: number): boolean {
  return (lo & (_PAGE_PRESENT | _PAGE_PROT_NONE)) !== 0;
}
export function pte_none(lo: number, hi: number): boolean {
  return lo === 0 && hi === 0;
}
/** The PFN of a PTE (hi:lo, 44 bits). */
export function pte_pfn(lo: number, hi: number): number {
  return (hi & 0x3fffff) * 4194304 + (lo >>> _PAGE_PFN_SHIFT);
}
/** Low and high words of pfn_pte(pfn, prot). */
export function pfn_pte_lo(pfn: number, prot: number): number {
  return (((pfn % 4194304) << _PAGE_PFN_SHIFT) | prot) | 0;
}
export function pfn_pte_hi(pfn: number): number {
  return Math.floor(pfn / 4194304) | 0;
}
/** pte_modify's low word: keep PFN, A, D and the software bits; take the protection from newprot. */
export function pte_modify_lo(lo: number, newprot: number): number {
  return (lo & _PAGE_CHG_MASK_LO) | newprot;
}
