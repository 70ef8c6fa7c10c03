// Which boot a program wants when the user does not say: `linux` for a program built for
// Linux (what `riscv64-linux-gnu-gcc -static` makes), `spmd` for a bare-metal one (the
// workloads runtime, clang/lld freestanding). A Linux executable is recognised as `file(1)`
// does, by its NT_GNU_ABI_TAG note naming Linux; a libc without that note (musl) still has a
// PT_TLS segment or links __libc_start_main. A bare-metal program has none of the three.

import type { ElfImage } from './elf.ts';

const PT_NOTE = 4;
const PT_TLS = 7;
const NT_GNU_ABI_TAG = 1;
const ELF_NOTE_OS_LINUX = 0;

export type BootKind = 'linux' | 'spmd';

export interface BootGuess {
  boot: BootKind;
  /** Why, in a few words (for --help and the error when a guess is refused). */
  why: string;
}

export function guessBoot(img: ElfImage): BootGuess {
  const b = img.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let tls = false;
  for (let i = 0; i < img.phnum; i++) {
    const ph = img.phoff + i * img.phentsize;
    const type = dv.getUint32(ph, true);
    if (type === PT_TLS) tls = true;
    if (type !== PT_NOTE) continue;
    const off = Number(dv.getBigUint64(ph + 8, true));
    const size = Number(dv.getBigUint64(ph + 32, true));
    if (linuxAbiTag(dv, off, Math.min(off + size, b.byteLength))) return { boot: 'linux', why: 'a GNU/Linux ABI note' };
  }
  if (tls) return { boot: 'linux', why: 'a thread-local storage segment (a libc)' };
  if (img.symbols.some((s) => s.name === '__libc_start_main')) return { boot: 'linux', why: 'a libc start-up (__libc_start_main)' };
  return { boot: 'spmd', why: 'no libc: a bare-metal program' };
}

/** True if the notes in [off, end) hold NT_GNU_ABI_TAG "GNU" with OS = Linux. */
function linuxAbiTag(dv: DataView, off: number, end: number): boolean {
  while (off + 12 <= end) {
    const namesz = dv.getUint32(off, true);
    const descsz = dv.getUint32(off + 4, true);
    const type = dv.getUint32(off + 8, true);
    const name = off + 12;
    const desc = name + ((namesz + 3) & ~3);
    if (desc + descsz > end) return false;
    if (type === NT_GNU_ABI_TAG && namesz === 4 && descsz >= 4 &&
      dv.getUint8(name) === 0x47 && dv.getUint8(name + 1) === 0x4e && dv.getUint8(name + 2) === 0x55) {
      return dv.getUint32(desc, true) === ELF_NOTE_OS_LINUX;
    }
    off = desc + ((descsz + 3) & ~3);
  }
  return false;
}
