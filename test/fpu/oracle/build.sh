#!/usr/bin/env bash
# Build test/fpu/oracle/fpu_oracle.elf (rv64gc, static glibc) from fpu_oracle.c with Debian's
# riscv64-linux-gnu-gcc. Reproducible: relative paths, no build-id.
#   build.sh          build fpu_oracle.elf next to this script
#   build.sh --check  build into a temp dir and compare with the committed ELF (exit 1 if different)
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")"
CC="${CC:-riscv64-linux-gnu-gcc}"
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found (apt-get install gcc-riscv64-linux-gnu)" >&2; exit 1; }
out=fpu_oracle.elf
if [ "${1:-}" = --check ]; then out="$(mktemp -d)/fpu_oracle.elf"; fi
"$CC" -static -O2 -march=rv64gc -mabi=lp64d -Wl,--build-id=none -o "$out" fpu_oracle.c
if [ "${1:-}" = --check ]; then
  cmp -s "$out" fpu_oracle.elf || { echo "build.sh: fpu_oracle.elf differs from a fresh build" >&2; exit 1; }
fi
