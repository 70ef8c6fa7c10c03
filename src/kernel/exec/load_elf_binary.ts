// load_elf_binary (fs/binfmt_elf.c, Linux 6.1) for a static executable: the PT_LOAD segments
// become private file mappings of the executable (elf_map), the bss past the last file page
// an anonymous brk-style mapping (set_brk / vm_brk_flags), the partial page before it zeroed
// through the user access path (padzero: a write fault that makes the page private), the
// program break starts page-aligned right after the bss (no randomization), and the stack
// VMA ends at STACK_TOP = TASK_SIZE with the argv/envp/auxv image (create_elf_tables) copied
// in through copy_to_user (demand faults). Pages are read on first touch, never here.

import { ENOEXEC, ENOMEM } from '../syscalls/numbers.ts';
import type { UserAccess } from '../syscalls/task_context.ts';
import {
  F_ARG_END, F_ARG_START, F_BRK, F_END_CODE, F_END_DATA, F_ENV_END, F_ENV_START, F_START_BRK, F_START_CODE, F_START_DATA,
  F_START_STACK, F_TASK_SIZE, pageAlign, type MmTable,
} from '../mm/mm_struct.ts';
import { doMmap, MAP_FIXED, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE, setupStackVma, vmBrkFlags, type MmChanges, type MmapFile } from '../mm/mmap.ts';
import { VM_EXEC } from '../mm/vma.ts';
import { createElfTables, ExecError, type ExecParams, type InitialStack } from './binfmt_elf.ts';

const PF_X = 1;
const PF_W = 2;
const PF_R = 4;

/** The parts of an ELF image exec needs (src/loader/elf.ts ElfImage has them). */
export interface ElfLoadImage {
  entry: number;
  segments: { vaddr: number; memsz: number; filesz: number; offset: number; flags: number }[];
}

export interface LoadedBinary {
  entry: number;
  stack: InitialStack;
}

/**
 * Maps `img` into mm m (empty, write-locked by the caller for the mapping part) and builds
 * its stack. `exe` is the executable's file identity for its mappings; `apply` applies an
 * MmChanges (none are expected on a fresh mm). Throws ExecError with an errno on failure.
 */
export function loadElfBinary(
  t: MmTable,
  m: number,
  img: ElfLoadImage,
  exe: MmapFile,
  params: Omit<ExecParams, 'entry'>,
  user: UserAccess,
  apply: (ch: MmChanges) => void,
): LoadedBinary {
  let startCode = Infinity, endCode = 0, startData = Infinity, endData = 0, elfBrk = 0;
  const padzero: { addr: number; len: number }[] = [];
  t.mmapWriteLock(m);
  try {
    for (const s of img.segments) {
      const prot = (s.flags & PF_R ? PROT_READ : 0) | (s.flags & PF_W ? PROT_WRITE : 0) | (s.flags & PF_X ? PROT_EXEC : 0);
      const off = s.vaddr % 4096;
      if ((s.offset % 4096) !== off && s.filesz > 0) throw new ExecError(ENOEXEC, `segment at 0x${s.vaddr.toString(16)}: file offset and address disagree modulo the page size`);
      const start = s.vaddr - off;
      if (s.filesz > 0) {
        const ch = doMmap(t, m, start, pageAlign(s.filesz + off), prot, MAP_PRIVATE | MAP_FIXED, exe, (s.offset - off) / 4096);
        apply(ch);
        if (ch.ret < 0) throw new ExecError(-ch.ret, `cannot map the segment at 0x${s.vaddr.toString(16)} (errno ${-ch.ret})`);
      }
      const bss = s.vaddr + s.filesz;
      const brk = s.vaddr + s.memsz;
      if (s.memsz > s.filesz) {
        if (s.filesz > 0 && bss % 4096 !== 0 && (s.flags & PF_W) !== 0) padzero.push({ addr: bss, len: pageAlign(bss) - bss });
        const from = s.filesz > 0 ? pageAlign(bss) : start;
        if (pageAlign(brk) > from) {
          const ch = vmBrkFlags(t, m, from, pageAlign(brk) - from, s.flags & PF_X ? VM_EXEC : 0);
          apply(ch);
          if (ch.ret < 0) throw new ExecError(-ch.ret, `cannot map the bss at 0x${from.toString(16)} (errno ${-ch.ret})`);
        }
      }
      if ((s.flags & PF_X) !== 0) {
        startCode = Math.min(startCode, s.vaddr);
        endCode = Math.max(endCode, bss);
      }
      startData = Math.min(startData, s.vaddr);
      endData = Math.max(endData, bss);
      elfBrk = Math.max(elfBrk, brk);
    }
    t.set(m, F_START_CODE, startCode === Infinity ? 0 : startCode);
    t.set(m, F_END_CODE, endCode);
    t.set(m, F_START_DATA, startData === Infinity ? 0 : startData);
    t.set(m, F_END_DATA, endData);
    t.set(m, F_START_BRK, pageAlign(elfBrk));
    t.set(m, F_BRK, pageAlign(elfBrk));
  } finally {
    t.mmapWriteUnlock(m);
  }
  for (const z of padzero) {
    if (!user.copyToUser(z.addr, new Uint8Array(z.len))) throw new ExecError(14, `cannot clear the bss at 0x${z.addr.toString(16)}`);
  }
  // setup_arg_pages + create_elf_tables.
  const top = t.get(m, F_TASK_SIZE);
  const stack = createElfTables({ ...params, entry: img.entry }, top);
  t.mmapWriteLock(m);
  let base: number;
  try {
    base = setupStackVma(t, m, stack.image.length);
  } finally {
    t.mmapWriteUnlock(m);
  }
  if (base < 0) throw new ExecError(ENOMEM, 'no room for the stack');
  if (!user.copyToUser(stack.sp, stack.image)) throw new ExecError(ENOMEM, 'cannot write the initial stack');
  t.set(m, F_START_STACK, stack.sp);
  t.set(m, F_ARG_START, stack.argStart);
  t.set(m, F_ARG_END, stack.argEnd);
  t.set(m, F_ENV_START, stack.envStart);
  t.set(m, F_ENV_END, stack.envEnd);
  return { entry: img.entry, stack };
}
