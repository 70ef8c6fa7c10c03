#!/usr/bin/env bash
# Build every workloads/src/*.c into workloads/bin/NAME.elf (freestanding
# RV64IMA, lp64, static, no compressed / FP instructions) with the runtime in
# workloads/runtime/.
#
# Usage:
#   workloads/build.sh            build into workloads/bin/
#   workloads/build.sh --check    build into a temp dir and compare with the
#                                 committed workloads/bin/*.elf; exit 1 and
#                                 name the files that differ
#   workloads/build.sh --out DIR  build into DIR instead of workloads/bin/
#
# Environment: CLANG / LLD override the tools; EXTRA_CFLAGS is appended to
# the compile flags (e.g. EXTRA_CFLAGS=-DSCALE=4); a non-default
# EXTRA_CFLAGS naturally makes --check fail.
#
# The output is reproducible: no debug info, no timestamps, no build-id, and
# the compiler is run from the workloads directory with relative paths only,
# so the bytes do not depend on the cwd or on where the checkout lives.
set -euo pipefail

WL_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

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

build_all() { # build_all DEST_DIR
    local dest="$1" src name
    mkdir -p "$dest"
    dest="$(cd -- "$dest" && pwd -P)"
    (
        cd "$WL_DIR"
        shopt -s nullglob
        local srcs=(src/*.c)
        [ ${#srcs[@]} -gt 0 ] || { echo "build.sh: no programs in src/" >&2; exit 1; }
        for src in "${srcs[@]}"; do
            name="$(basename "$src" .c)"
            "$CLANG" "${CFLAGS[@]}" "${LDFLAGS[@]}" "${RUNTIME[@]}" "$src" \
                -o "$dest/$name.elf.tmp"
            mv -f "$dest/$name.elf.tmp" "$dest/$name.elf"
            echo "  built $name.elf"
        done
    )
}

case "$mode" in
build)
    build_all "${out_dir:-$WL_DIR/bin}"
    ;;
check)
    tmp="$(mktemp -d)"
    trap 'rm -rf -- "$tmp"' EXIT
    build_all "$tmp" >/dev/null
    status=0
    for f in "$tmp"/*.elf; do
        name="$(basename "$f")"
        if [ ! -f "$WL_DIR/bin/$name" ]; then
            echo "MISSING: bin/$name (not committed)"
            status=1
        elif ! cmp -s "$f" "$WL_DIR/bin/$name"; then
            echo "DIFFERS: bin/$name"
            status=1
        fi
    done
    for f in "$WL_DIR"/bin/*.elf; do
        [ -e "$f" ] || continue
        name="$(basename "$f")"
        if [ ! -f "$tmp/$name" ]; then
            echo "STALE: bin/$name (no matching src/${name%.elf}.c)"
            status=1
        fi
    done
    if [ "$status" -eq 0 ]; then
        echo "build.sh --check: all $(ls "$tmp"/*.elf | wc -l) binaries match"
    else
        echo "build.sh --check: binaries differ; run workloads/build.sh" >&2
    fi
    exit "$status"
    ;;
esac
