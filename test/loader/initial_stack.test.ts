// The initial stack (src/kernel/exec/binfmt_elf.ts): parsed back from its bytes, and held against the
// stack qemu-riscv64 builds for the same static glibc program (fixtures/auxv_dump.c prints it).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_EXECFN, AT_FLAGS, AT_GID, AT_HWCAP, AT_L1D_CACHEGEOMETRY,
  AT_L1D_CACHESIZE, AT_L1I_CACHESIZE, AT_MINSIGSTKSZ, AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_RANDOM, AT_SECURE,
  AT_UID, createElfTables, ExecError, riscvHwcap, seededRandomBytes, type ExecParams, type InitialStack,
} from '../../src/kernel/exec/binfmt_elf.ts';
import { parseElf, phdrVaddr } from '../../src/loader/elf.ts';

const TOP = 0x3f_ffff_f000;

interface Parsed {
  argc: number;
  argv: string[];
  envp: string[];
  auxv: Array<[number, number]>;
  auxvOffset: number;
  auxEnd: number;
}

/** Reads argc, argv, envp and auxv back from the image, the way a C runtime does at _start. */
function parse(st: InitialStack): Parsed {
  const dv = new DataView(st.image.buffer, st.image.byteOffset, st.image.byteLength);
  const u64 = (addr: number) => {
    const o = addr - st.sp;
    if (o < 0 || o + 8 > st.image.length) throw new Error(`read outside the image at 0x${addr.toString(16)}`);
    return dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
  };
  const str = (addr: number) => {
    const o = addr - st.sp;
    if (o < 0 || o >= st.image.length) throw new Error('string pointer outside the image');
    const end = st.image.indexOf(0, o);
    if (end < 0) throw new Error('unterminated string');
    return Buffer.from(st.image.subarray(o, end)).toString('utf8');
  };
  let a = st.sp;
  const argc = u64(a);
  a += 8;
  const argv: string[] = [];
  for (let i = 0; i < argc; i++, a += 8) argv.push(str(u64(a)));
  expect(u64(a)).toBe(0);
  a += 8;
  const envp: string[] = [];
  for (; u64(a) !== 0; a += 8) envp.push(str(u64(a)));
  a += 8;
  const auxvOffset = a - st.sp;
  const auxv: Array<[number, number]> = [];
  for (; u64(a) !== 0; a += 16) auxv.push([u64(a), u64(a + 8)]);
  expect(u64(a + 8)).toBe(0);
  return { argc, argv, envp, auxv, auxvOffset, auxEnd: a + 16 - st.sp };
}

function params(over: Partial<ExecParams> = {}): ExecParams {
  return {
    argv: ['/bin/prog', 'in.txt', '-v'],
    envp: ['HOME=/', 'PATH=/bin', 'LANG=C'],
    execfn: '/bin/prog',
    phdr: 0x10040,
    phnum: 7,
    entry: 0x10554,
    uid: 1000,
    gid: 1000,
    hwcap: riscvHwcap('rv64imafdc'),
    random: seededRandomBytes(42),
    ...over,
  };
}

describe('createElfTables', () => {
  it('hwcap for rv64imafdc is Linux bits I M A F D C (0x112d)', () => {
    expect(riscvHwcap('rv64imafdc')).toBe(0x112d);
    expect(riscvHwcap('rv64gc')).toBe(0x112d);
    expect(riscvHwcap('rv64ima')).toBe((1 << 8) | (1 << 12) | 1);
  });

  it('parses back: argc, argv, envp, auxv in Linux 6.1 order, 16-byte sp, AT_RANDOM inside', () => {
    const p = params();
    const st = createElfTables(p, TOP);
    expect(st.sp % 16).toBe(0);
    expect(st.sp + st.image.length).toBe(TOP);
    const r = parse(st);
    expect(r.argc).toBe(3);
    expect(r.argv).toEqual(p.argv);
    expect(r.envp).toEqual(p.envp);
    expect(r.auxv.map(([t]) => t)).toEqual([
      40, 41, 42, 43, 44, 45, 46, 47, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS,
      AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN,
    ]);
    const m = new Map(r.auxv);
    expect(m.get(AT_HWCAP)).toBe(0x112d);
    expect(m.get(AT_PAGESZ)).toBe(4096);
    expect(m.get(AT_CLKTCK)).toBe(100);
    expect(m.get(AT_PHDR)).toBe(0x10040);
    expect(m.get(AT_PHENT)).toBe(56);
    expect(m.get(AT_PHNUM)).toBe(7);
    expect(m.get(AT_BASE)).toBe(0);
    expect(m.get(AT_ENTRY)).toBe(0x10554);
    expect([m.get(AT_UID), m.get(AT_EUID), m.get(AT_GID), m.get(AT_EGID), m.get(AT_SECURE)]).toEqual([1000, 1000, 1000, 1000, 0]);
    // AT_RANDOM: 16 bytes inside the image, below the strings, holding the seeded bytes.
    const rnd = m.get(AT_RANDOM)!;
    expect(rnd).toBe(st.random);
    expect(rnd - st.sp).toBeGreaterThanOrEqual(r.auxEnd);
    expect(rnd + 16).toBe(st.argStart);
    expect(Array.from(st.image.subarray(rnd - st.sp, rnd - st.sp + 16))).toEqual(Array.from(seededRandomBytes(42)));
    // AT_EXECFN: the last string, right under the 8 zero bytes at the top.
    const fn = m.get(AT_EXECFN)!;
    expect(fn + '/bin/prog'.length + 1).toBe(TOP - 8);
    expect(Array.from(st.image.subarray(st.image.length - 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // Strings contiguous: argv then envp, in order (mm->arg_start..env_end).
    expect(st.argv[0]).toBe(st.argStart);
    expect(st.envp[0]).toBe(st.argEnd);
    expect(st.envEnd).toBe(fn);
    const strings = Buffer.from(st.image.subarray(st.argStart - st.sp, st.envEnd - st.sp)).toString('latin1');
    expect(strings).toBe('/bin/prog\0in.txt\0-v\0HOME=/\0PATH=/bin\0LANG=C\0');
    // Padding between auxv and the random bytes is less than 16 bytes (STACK_ROUND only).
    expect(rnd - st.sp - r.auxEnd).toBeLessThan(16);
  });

  it('cache geometry entries are (ways << 16) | line size, and AT_MINSIGSTKSZ follows them when given', () => {
    const st = createElfTables(params({
      caches: { l1i: { size: 32768, ways: 8, lineSize: 64 }, l1d: { size: 32768, ways: 8, lineSize: 64 } },
      minsigstksz: 4352,
    }), TOP);
    const r = parse(st);
    const m = new Map(r.auxv);
    expect(m.get(AT_L1I_CACHESIZE)).toBe(32768);
    expect(m.get(AT_L1D_CACHESIZE)).toBe(32768);
    expect(m.get(AT_L1D_CACHEGEOMETRY)).toBe((8 << 16) | 64);
    expect(m.get(44)).toBe(0); // no L2 given: 0 as Linux without a DT cache node
    expect(r.auxv[8]).toEqual([AT_MINSIGSTKSZ, 4352]);
    expect(r.auxv[9][0]).toBe(AT_HWCAP);
  });

  it('any argv/envp parses back with sp aligned and strings intact (property)', () => {
    const arg = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0'));
    fc.assert(fc.property(fc.array(arg, { maxLength: 12 }), fc.array(arg, { maxLength: 12 }), fc.integer({ min: 0, max: 2 ** 31 }), (argv, envp, seed) => {
      const st = createElfTables(params({ argv, envp, random: seededRandomBytes(seed) }), TOP);
      expect(st.sp % 16).toBe(0);
      const r = parse(st);
      expect(r.argv).toEqual(argv);
      expect(r.envp).toEqual(envp);
      expect(new Map(r.auxv).get(AT_RANDOM)).toBe(st.random);
    }), { seed: 20261201, numRuns: 200 });
  });

  it('rejects NUL in strings and oversize arguments with E2BIG, as execve does', () => {
    expect(() => createElfTables(params({ argv: ['a\0b'] }), TOP)).toThrow(ExecError);
    try {
      createElfTables(params({ argv: ['x'.repeat(200_000)] }), TOP);
      expect.unreachable();
    } catch (e) {
      expect((e as ExecError).errno).toBe(7);
    }
    try {
      createElfTables(params({ envp: Array.from({ length: 40 }, () => 'y'.repeat(100_000)) }), TOP);
      expect.unreachable();
    } catch (e) {
      expect((e as ExecError).errno).toBe(7);
    }
  });
});

// ---------------------------------------------------------------------------
// Differential: the same program's view of its stack under qemu-riscv64 and under our image.

const haveQemu = spawnSync('qemu-riscv64', ['--version']).status === 0;
const haveGcc = spawnSync('riscv64-linux-gnu-gcc', ['--version']).status === 0;
const required = process.env.SMPEMU_REQUIRE_QEMU === '1';

interface Dump {
  spMod16: number;
  argv: Array<[number, string]>;
  envp: Array<[number, string]>;
  auxvOffset: number;
  /** [type, value] with stack pointers as offsets from sp (strings appended for EXECFN). */
  auxv: Array<[number, string]>;
  auxEnd: number;
}

function parseDump(text: string): Dump {
  const d: Dump = { spMod16: -1, argv: [], envp: [], auxvOffset: -1, auxv: [], auxEnd: -1 };
  for (const line of text.trim().split('\n')) {
    const f = line.split(' ');
    if (f[0] === 'sp%16') d.spMod16 = Number(f[1]);
    else if (f[0] === 'argv') d.argv.push([Number(f[2].slice(1)), f.slice(3).join(' ')]);
    else if (f[0] === 'envp') d.envp.push([Number(f[2].slice(1)), f.slice(3).join(' ')]);
    else if (f[0] === 'auxv') d.auxvOffset = Number(f[1].slice(1));
    else if (f[0] === 'at') d.auxv.push([Number(f[1]), f.slice(2).join(' ')]);
    else if (f[0] === 'auxend') d.auxEnd = Number(f[1].slice(1));
  }
  return d;
}

/** What fixtures/auxv_dump.c would print if it ran on our image. */
function dumpOurs(st: InitialStack): Dump {
  const r = parse(st);
  const ptrTypes = new Set([AT_RANDOM, AT_EXECFN]);
  const strAt = (addr: number) => {
    const o = addr - st.sp;
    return Buffer.from(st.image.subarray(o, st.image.indexOf(0, o))).toString('utf8');
  };
  return {
    spMod16: st.sp % 16,
    argv: st.argv.map((a, i) => [a - st.sp, r.argv[i]]),
    envp: st.envp.map((a, i) => [a - st.sp, r.envp[i]]),
    auxvOffset: r.auxvOffset,
    auxv: r.auxv.map(([t, v]) => [t, ptrTypes.has(t) ? `+${v - st.sp}${t === AT_EXECFN ? ` ${strAt(v)}` : ''}` : `0x${v.toString(16)}`]),
    auxEnd: r.auxEnd,
  };
}

describe('initial stack against qemu-riscv64', () => {
  it('qemu-riscv64 and the cross compiler are installed when required', () => {
    if (required) expect(haveQemu && haveGcc, 'SMPEMU_REQUIRE_QEMU=1 but qemu-riscv64 or riscv64-linux-gnu-gcc is missing').toBe(true);
  });

  it.runIf(haveQemu && haveGcc)('same argv, envp and auxv values; Linux order; same string layout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smpemu-auxv-'));
    const exe = join(dir, 'auxv_dump');
    const src = fileURLToPath(new URL('./fixtures/auxv_dump.c', import.meta.url));
    const cc = spawnSync('riscv64-linux-gnu-gcc', ['-static', '-O1', '-o', exe, src]);
    expect(cc.status, cc.stderr.toString()).toBe(0);
    const argv = [exe, 'in.txt', '-v', 'a b'];
    const envp = ['HOME=/', 'LANG=C'];
    // qemu passes its own environment to the guest: run it with exactly envp.
    const env = Object.fromEntries(envp.map((e) => e.split('=') as [string, string]));
    const q = spawnSync('qemu-riscv64', argv, { env });
    expect(q.status, q.stderr.toString()).toBe(0);
    const theirs = parseDump(q.stdout.toString());

    const img = parseElf(new Uint8Array(readFileSync(exe)));
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const st = createElfTables({
      argv, envp: theirs.envp.map(([, s]) => s), execfn: exe,
      phdr: phdrVaddr(img)!, phnum: img.phnum, entry: img.entry,
      uid, gid, hwcap: riscvHwcap('rv64imafdc'), random: seededRandomBytes(1),
    }, TOP);
    const ours = dumpOurs(st);

    expect(theirs.spMod16).toBe(0);
    expect(ours.spMod16).toBe(0);
    expect(ours.argv.map(([, s]) => s)).toEqual(argv);
    expect(theirs.argv.map(([, s]) => s)).toEqual(argv);
    expect(new Set(ours.envp.map(([, s]) => s))).toEqual(new Set(envp));
    // auxv sits right after envp's NULL in both.
    expect(theirs.auxvOffset).toBe(8 * (1 + argv.length + 1 + envp.length + 1));
    expect(ours.auxvOffset).toBe(theirs.auxvOffset);

    // Every value-typed entry qemu gives, we give with the same value.
    const mine = new Map(ours.auxv);
    for (const [t, v] of theirs.auxv) {
      if (t === AT_RANDOM || t === AT_EXECFN) continue;
      expect([t, mine.get(t)]).toEqual([t, v]);
    }
    // ...and qemu gives every entry we give, except the riscv ARCH_DLINFO cache entries (40-47), which qemu 7.2 leaves out.
    const qemuTypes = new Set(theirs.auxv.map(([t]) => t));
    expect(ours.auxv.map(([t]) => t).filter((t) => !qemuTypes.has(t))).toEqual([40, 41, 42, 43, 44, 45, 46, 47]);
    // Our order is Linux's; qemu's differs (documented): PHDR first, RANDOM before SECURE.
    const common = ours.auxv.map(([t]) => t).filter((t) => qemuTypes.has(t));
    expect(common).toEqual([AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY,
      AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN]);
    expect(theirs.auxv.map(([t]) => t)).toEqual([AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY,
      AT_UID, AT_EUID, AT_GID, AT_EGID, AT_HWCAP, AT_CLKTCK, AT_RANDOM, AT_SECURE, AT_EXECFN]);

    // String layout, the same in both: argv strings, then envp strings, then execfn, contiguous and ascending;
    // the AT_RANDOM bytes lie between the auxv and the strings.
    for (const d of [theirs, ours]) {
      const strs = [...d.argv, ...d.envp];
      for (let i = 1; i < strs.length; i++) expect(strs[i][0]).toBe(strs[i - 1][0] + Buffer.byteLength(strs[i - 1][1]) + 1);
      const fn = d.auxv.find(([t]) => t === AT_EXECFN)![1].split(' ');
      const last = strs[strs.length - 1];
      expect(Number(fn[0].slice(1))).toBe(last[0] + Buffer.byteLength(last[1]) + 1);
      expect(fn[1]).toBe(exe);
      const rnd = Number(d.auxv.find(([t]) => t === AT_RANDOM)![1].slice(1));
      expect(rnd).toBeGreaterThanOrEqual(d.auxEnd);
      expect(rnd + 16).toBeLessThanOrEqual(strs[0][0]);
    }
  });
});
