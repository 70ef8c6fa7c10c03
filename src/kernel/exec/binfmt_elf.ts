// The initial process stack Linux builds at execve (fs/exec.c copy_strings +
// fs/binfmt_elf.c create_elf_tables, riscv64, Linux 6.1), as a byte image the
// kernel copies into guest memory through its normal access path.
//
// Layout, from the top of the stack VMA downwards (Linux's order):
//   stackTop-8     8 zero bytes (bprm->p starts one pointer below the top)
//   execfn\0       copied first (bprm->exec)
//   envp strings   envp[0] lowest ... envp[n-1] highest
//   argv strings   argv[0] lowest: this is mm->arg_start
//   (riscv has no arch_align_stack and ELF_PLATFORM is NULL: nothing here)
//   16 AT_RANDOM bytes, unaligned
//   padding        sp is rounded down to 16
//   sp:  argc, argv[], NULL, envp[], NULL, auxv pairs ..., AT_NULL, 0
//
// auxv order is create_elf_tables': ARCH_DLINFO first (riscv: AT_SYSINFO_EHDR,
// then L1I/L1D/L2/L3 cache size and geometry), then AT_HWCAP, AT_PAGESZ,
// AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID,
// AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN. We have no vDSO,
// so AT_SYSINFO_EHDR is left out (glibc and musl then use the syscalls).

import { E2BIG, EINVAL } from '../syscalls/numbers.ts';
import { USER_HZ } from '../time/tick.ts';

export const AT_NULL = 0;
export const AT_IGNORE = 1;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_FLAGS = 8;
export const AT_ENTRY = 9;
export const AT_UID = 11;
export const AT_EUID = 12;
export const AT_GID = 13;
export const AT_EGID = 14;
export const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_CLKTCK = 17;
export const AT_SECURE = 23;
export const AT_RANDOM = 25;
export const AT_EXECFN = 31;
export const AT_SYSINFO_EHDR = 33;
export const AT_MINSIGSTKSZ = 51;
export const AT_L1I_CACHESIZE = 40;
export const AT_L1I_CACHEGEOMETRY = 41;
export const AT_L1D_CACHESIZE = 42;
export const AT_L1D_CACHEGEOMETRY = 43;
export const AT_L2_CACHESIZE = 44;
export const AT_L2_CACHEGEOMETRY = 45;
export const AT_L3_CACHESIZE = 46;
export const AT_L3_CACHEGEOMETRY = 47;

/** Linux's MAX_ARG_STRLEN (32 pages): longer argument or environment strings fail with E2BIG. */
export const MAX_ARG_STRLEN = 32 * 4096;
/** sizeof(struct elf64_phdr): AT_PHENT. */
export const ELF64_PHENT = 56;

export class ExecError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
    this.name = 'ExecError';
  }
}

/** One cache level as Linux's cacheinfo sees it (from the device tree). */
export interface CacheGeometry {
  size: number;
  ways: number;
  lineSize: number;
}

export interface ExecParams {
  argv: string[];
  envp: string[];
  /** The path execve was given (bprm->filename): AT_EXECFN points at it. */
  execfn: string;
  /** Guest address of the program headers, their size and count, and the entry point. */
  phdr: number;
  phent?: number;
  phnum: number;
  entry: number;
  /** Interpreter load address; 0 for a static executable. */
  base?: number;
  uid: number;
  euid?: number;
  gid: number;
  egid?: number;
  secure?: number;
  hwcap: number;
  pageSize?: number;
  clktck?: number;
  /** The 16 AT_RANDOM bytes (get_random_bytes in Linux; seeded here for reproducible runs). */
  random: Uint8Array;
  /** ARCH_DLINFO cache entries; a level left out reads 0 as on Linux without cache nodes in the DT. */
  caches?: { l1i?: CacheGeometry; l1d?: CacheGeometry; l2?: CacheGeometry; l3?: CacheGeometry };
  /** AT_MINSIGSTKSZ: riscv sets it from Linux 6.5 (signal frame size); 6.1 does not. Omitted when undefined. */
  minsigstksz?: number;
}

export interface InitialStack {
  /** The initial stack pointer (16-byte aligned): argc lives here. */
  sp: number;
  /** Bytes of guest memory [sp, stackTop). */
  image: Uint8Array;
  /** The auxiliary vector as written, AT_NULL excluded (mm->saved_auxv). */
  auxv: Array<[number, number]>;
  argv: number[];
  envp: number[];
  /** mm->arg_start/arg_end/env_start/env_end, for /proc/PID/cmdline and environ. */
  argStart: number;
  argEnd: number;
  envStart: number;
  envEnd: number;
  execfn: number;
  random: number;
}

/** AT_HWCAP for a riscv ISA string such as "rv64imafdc": bit (letter - 'a') per single-letter extension Linux reports. */
export function riscvHwcap(isa: string): number {
  const m = /^rv(32|64)([a-z]*)/.exec(isa.toLowerCase());
  if (!m) throw new Error(`not a RISC-V ISA string: ${isa}`);
  let hwcap = 0;
  // Linux's isa2hwcap knows these letters only (arch/riscv/kernel/cpufeature.c); 'g' means imafd.
  for (const c of m[2].replace('g', 'imafd')) {
    if ('imafdcv'.includes(c)) hwcap |= 1 << (c.charCodeAt(0) - 97);
  }
  return hwcap;
}

/** 16 reproducible AT_RANDOM bytes from a seed (splitmix32; not cryptographic, like a seeded run wants). */
export function seededRandomBytes(seed: number, n = 16): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i += 4) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    for (let b = 0; b < 4 && i + b < n; b++) out[i + b] = (z >>> (8 * b)) & 0xff;
  }
  return out;
}

const utf8 = new TextEncoder();

function cString(s: string, what: string): Uint8Array {
  const bytes = utf8.encode(s);
  if (bytes.includes(0)) throw new ExecError(EINVAL, `${what} contains a NUL byte`);
  if (bytes.length + 1 > MAX_ARG_STRLEN) throw new ExecError(E2BIG, `${what} is longer than MAX_ARG_STRLEN (${MAX_ARG_STRLEN} bytes)`);
  return bytes;
}

function geometry(c: CacheGeometry | undefined): [number, number] {
  return c ? [c.size, ((c.ways << 16) | c.lineSize) >>> 0] : [0, 0];
}

/**
 * Builds the initial stack for a process whose stack VMA ends at stackTop
 * (page aligned, below the user address-space limit). Throws ExecError (E2BIG)
 * when the strings do not fit in maxStack bytes (Linux: a quarter of
 * RLIMIT_STACK, default 8 MiB / 4 = 2 MiB).
 */
export function createElfTables(p: ExecParams, stackTop: number, maxStack = 2 << 20): InitialStack {
  if (p.random.length !== 16) throw new Error('AT_RANDOM needs exactly 16 bytes');
  const execfn = cString(p.execfn, 'the program path');
  const args = p.argv.map((a, i) => cString(a, `argument ${i}`));
  const envs = p.envp.map((e, i) => cString(e, `environment entry ${i}`));

  // copy_strings: the top pointer slot, then execfn, envp, argv, each below the last.
  let pos = stackTop - 8;
  pos -= execfn.length + 1;
  const execfnAddr = pos;
  const envLen = envs.reduce((n, e) => n + e.length + 1, 0);
  const argLen = args.reduce((n, a) => n + a.length + 1, 0);
  const envStart = pos - envLen;
  const argStart = envStart - argLen;
  pos = argStart;
  // bprm_stack_limits: the strings plus one pointer per string must fit in the limit.
  const need = stackTop - pos + 8 * (args.length + envs.length);
  if (need > maxStack) throw new ExecError(E2BIG, `arguments and environment take ${need} bytes, more than ${maxStack}`);

  // create_elf_tables: AT_RANDOM bytes, then the auxv and the pointer arrays.
  pos -= 16;
  const randomAddr = pos;
  const auxv: Array<[number, number]> = [];
  const c = p.caches ?? {};
  const [l1iSize, l1iGeom] = geometry(c.l1i);
  const [l1dSize, l1dGeom] = geometry(c.l1d);
  const [l2Size, l2Geom] = geometry(c.l2);
  const [l3Size, l3Geom] = geometry(c.l3);
  auxv.push(
    [AT_L1I_CACHESIZE, l1iSize], [AT_L1I_CACHEGEOMETRY, l1iGeom],
    [AT_L1D_CACHESIZE, l1dSize], [AT_L1D_CACHEGEOMETRY, l1dGeom],
    [AT_L2_CACHESIZE, l2Size], [AT_L2_CACHEGEOMETRY, l2Geom],
    [AT_L3_CACHESIZE, l3Size], [AT_L3_CACHEGEOMETRY, l3Geom],
  );
  if (p.minsigstksz !== undefined) auxv.push([AT_MINSIGSTKSZ, p.minsigstksz]);
  auxv.push(
    [AT_HWCAP, p.hwcap],
    [AT_PAGESZ, p.pageSize ?? 4096],
    [AT_CLKTCK, p.clktck ?? USER_HZ],
    [AT_PHDR, p.phdr],
    [AT_PHENT, p.phent ?? ELF64_PHENT],
    [AT_PHNUM, p.phnum],
    [AT_BASE, p.base ?? 0],
    [AT_FLAGS, 0],
    [AT_ENTRY, p.entry],
    [AT_UID, p.uid],
    [AT_EUID, p.euid ?? p.uid],
    [AT_GID, p.gid],
    [AT_EGID, p.egid ?? p.gid],
    [AT_SECURE, p.secure ?? 0],
    [AT_RANDOM, randomAddr],
    [AT_EXECFN, execfnAddr],
  );
  const eiWords = 2 * (auxv.length + 1);
  const items = args.length + 1 + envs.length + 1 + 1;
  // STACK_ADD then STACK_ROUND: sp = (pos - 8*(ei_index + items)) & ~15.
  const sp = Math.floor((pos - 8 * (eiWords + items)) / 16) * 16;

  const image = new Uint8Array(stackTop - sp);
  const dv = new DataView(image.buffer);
  const put64 = (addr: number, v: number) => {
    const o = addr - sp;
    dv.setUint32(o, v >>> 0, true);
    dv.setUint32(o + 4, Math.floor(v / 4294967296) >>> 0, true);
  };
  const putStr = (addr: number, b: Uint8Array) => image.set(b, addr - sp); // the NUL is already 0

  putStr(execfnAddr, execfn);
  image.set(p.random, randomAddr - sp);
  let w = sp;
  put64(w, args.length);
  w += 8;
  // argv[] then envp[], each NULL-terminated; their strings lie back to back from argStart.
  let s = argStart;
  const putVector = (strs: Uint8Array[]): number[] => {
    const ptrs: number[] = [];
    for (const str of strs) {
      ptrs.push(s);
      put64(w, s);
      w += 8;
      putStr(s, str);
      s += str.length + 1;
    }
    w += 8; // NULL
    return ptrs;
  };
  const argv = putVector(args);
  const envp = putVector(envs);
  for (const [t, v] of auxv) {
    put64(w, t);
    put64(w + 8, v);
    w += 16;
  }
  return {
    sp, image, auxv, argv, envp,
    argStart, argEnd: envStart, envStart, envEnd: execfnAddr,
    execfn: execfnAddr, random: randomAddr,
  };
}
