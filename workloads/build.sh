#!/usr/bin/env bash
# Build the guest programs in two flavours, with the runtime in workloads/runtime/:
#   rv64ima  every src/*.c -> bin/NAME.elf (clang + lld: freestanding RV64IMA, lp64,
#            no compressed / FP instructions)
#   rv64gc   every src/*.c and src/gc/*.c -> bin/gc/NAME.elf (Debian's riscv64-linux-gnu-gcc
#            -march=rv64gc -mabi=lp64d + GNU ld, still freestanding; src/gc/ holds the
#            programs that need F/D, such as fp_selfcheck and nbody)
#
# Usage:
#   workloads/build.sh            build into workloads/bin/ and workloads/bin/gc/
#   workloads/build.sh --check    build into a temp dir and compare with the
#                                 committed bin/*.elf and bin/gc/*.elf; exit 1
#                                 and name the files that differ
#   workloads/build.sh --out DIR  build into DIR (and DIR/gc) instead of workloads/bin/
#
# Build and --check also run workloads/linux/build.sh (the static glibc programs for --boot linux,
# into workloads/linux/bin/; with --out, into DIR/linux).
#
# Environment: CLANG / LLD / RISCV_GCC override the tools; EXTRA_CFLAGS is
# appended to the compile flags of both flavours (e.g. EXTRA_CFLAGS=-DSCALE=4);
# a non-default EXTRA_CFLAGS naturally makes --check fail.
#
# The output is reproducible: no debug info, no timestamps, no build-id, and
# the compiler is run from the workloads directory with relative paths only,
# so the bytes do not depend on the cwd or on where the checkout lives.
set -euo pipefail

WL_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

mode=build
out_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
    --check) mode=check ;;
    --out)
        [ $# -ge 2 ] || { echo "build.sh: --out needs a directory" >&2; exit 2; }
        out_dir="$2"
        shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

# ---- locate the toolchain (Debian: clang + lld, version 14 typical) ----
find_tool() { # find_tool NAME... -> first one on PATH or in /usr/lib/llvm-*/bin
    local t d
    for t in "$@"; do
        if command -v "$t" >/dev/null 2>&1; then command -v "$t"; return 0; fi
    done
    for t in "$@"; do
        for d in /usr/lib/llvm-*/bin; do
            if [ -x "$d/$t" ]; then echo "$d/$t"; return 0; fi
        done
    done
    return 1
}
CLANG="${CLANG:-$(find_tool clang clang-14 clang-15 clang-16 clang-13 || true)}"
LLD="${LLD:-$(find_tool ld.lld ld.lld-14 ld.lld-15 ld.lld-16 ld.lld-13 || true)}"
[ -n "$CLANG" ] || { echo "build.sh: clang not found (apt-get install clang)" >&2; exit 1; }
[ -n "$LLD" ] || { echo "build.sh: ld.lld not found (apt-get install lld)" >&2; exit 1; }
RISCV_GCC="${RISCV_GCC:-$(command -v riscv64-linux-gnu-gcc || true)}"
[ -n "$RISCV_GCC" ] && command -v "$RISCV_GCC" >/dev/null 2>&1 ||
    { echo "build.sh: riscv64-linux-gnu-gcc not found (apt-get install gcc-riscv64-linux-gnu)" >&2; exit 1; }

CFLAGS=(
    --target=riscv64-unknown-elf -march=rv64ima -mabi=lp64 -mcmodel=medlow
    -O2 -ffreestanding -fno-builtin -fno-stack-protector -fno-pic
    -fno-asynchronous-unwind-tables -fno-unwind-tables
    -mno-relax -Wall -Wextra -Werror
    -ffile-prefix-map="$WL_DIR"=.
    -I runtime
)
# shellcheck disable=SC2206  # intentional word splitting of EXTRA_CFLAGS
[ -z "${EXTRA_CFLAGS:-}" ] || CFLAGS+=(${EXTRA_CFLAGS})
LDFLAGS=(
    -nostdlib -static -fuse-ld=lld --ld-path="$LLD"
    -Wl,--build-id=none -Wl,--no-undefined -Wl,-z,norelro
)
RUNTIME=(runtime/start.S runtime/rt.c)

# rv64gc: GCC's only multilib on Debian. No PIE (Debian's default), no linker relaxation (the
# runtime never sets gp, so gp-relative accesses must not appear), text and data in separate
# segments (R, R+X, R+W like lld's), libgcc for any helper GCC calls. `#pragma clang loop` in
# the shared sources means nothing to GCC, hence -Wno-unknown-pragmas.
GC_CFLAGS=(
    -march=rv64gc -mabi=lp64d -mcmodel=medlow
    -O2 -ffreestanding -fno-builtin -fno-stack-protector -fno-pie
    -fno-asynchronous-unwind-tables -fno-unwind-tables
    -mno-relax -Wall -Wextra -Werror -Wno-unknown-pragmas
    -ffile-prefix-map="$WL_DIR"=.
    -I runtime
)
# shellcheck disable=SC2206  # intentional word splitting of EXTRA_CFLAGS
[ -z "${EXTRA_CFLAGS:-}" ] || GC_CFLAGS+=(${EXTRA_CFLAGS})
GC_LDFLAGS=(
    -nostdlib -static -no-pie
    -Wl,--build-id=none -Wl,--no-relax -Wl,-z,separate-code -Wl,--no-undefined
)

build_all() { # build_all DEST_DIR: rv64ima into DEST_DIR, rv64gc into DEST_DIR/gc
    local dest="$1" src name
    mkdir -p "$dest/gc"
    dest="$(cd -- "$dest" && pwd -P)"
    (
        cd "$WL_DIR"
        shopt -s nullglob
        local srcs=(src/*.c) gc_srcs=(src/*.c src/gc/*.c)
        [ ${#srcs[@]} -gt 0 ] || { echo "build.sh: no programs in src/" >&2; exit 1; }
        for src in "${srcs[@]}"; do
            name="$(basename "$src" .c)"
            "$CLANG" "${CFLAGS[@]}" "${LDFLAGS[@]}" "${RUNTIME[@]}" "$src" \
                -o "$dest/$name.elf.tmp"
            mv -f "$dest/$name.elf.tmp" "$dest/$name.elf"
            echo "  built $name.elf"
        done
        # GNU ld names an object without a FILE symbol (start.S's) after the object file, so it
        # must not be GCC's random temporary: assemble it once as start.o.
        local obj
        obj="$(mktemp -d)"
        # shellcheck disable=SC2064  # expand now: the trap runs after obj's scope ends
        trap "rm -rf -- '$obj'" EXIT
        "$RISCV_GCC" "${GC_CFLAGS[@]}" -c runtime/start.S -o "$obj/start.o"
        for src in "${gc_srcs[@]}"; do
            name="$(basename "$src" .c)"
            "$RISCV_GCC" "${GC_CFLAGS[@]}" "${GC_LDFLAGS[@]}" "$obj/start.o" runtime/rt.c "$src" -lgcc \
                -o "$dest/gc/$name.elf.tmp"
            mv -f "$dest/gc/$name.elf.tmp" "$dest/gc/$name.elf"
            echo "  built gc/$name.elf"
        done
    )
}

case "$mode" in
build)
    build_all "${out_dir:-$WL_DIR/bin}"
    if [ -n "$out_dir" ]; then
        bash "$WL_DIR/linux/build.sh" --out "$out_dir/linux"
    else
        bash "$WL_DIR/linux/build.sh"
    fi
    ;;
check)
    tmp="$(mktemp -d)"
    trap 'rm -rf -- "$tmp"' EXIT
    build_all "$tmp" >/dev/null
    status=0
    for f in "$tmp"/*.elf "$tmp"/gc/*.elf; do
        name="${f#"$tmp"/}"
        if [ ! -f "$WL_DIR/bin/$name" ]; then
            echo "MISSING: bin/$name (not committed)"
            status=1
        elif ! cmp -s "$f" "$WL_DIR/bin/$name"; then
            echo "DIFFERS: bin/$name"
            status=1
        fi
    done
    for f in "$WL_DIR"/bin/*.elf "$WL_DIR"/bin/gc/*.elf; do
        [ -e "$f" ] || continue
        name="${f#"$WL_DIR"/bin/}"
        if [ ! -f "$tmp/$name" ]; then
            echo "STALE: bin/$name (no matching source)"
            status=1
        fi
    done
    if [ "$status" -eq 0 ]; then
        echo "build.sh --check: all $(ls "$tmp"/*.elf "$tmp"/gc/*.elf | wc -l) binaries match"
    else
        echo "build.sh --check: binaries differ; run workloads/build.sh" >&2
    fi
    bash "$WL_DIR/linux/build.sh" --check || status=1
    exit "$status"
    ;;
esac
