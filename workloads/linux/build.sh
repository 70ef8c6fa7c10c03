#!/usr/bin/env bash
# Build the Linux guest programs: every src/NAME.c -> bin/NAME, a static glibc executable built
# exactly as a user would (Debian's riscv64-linux-gnu-gcc -static -O2; rv64gc, lp64d, non-PIE),
# and each line of variants.txt (NAME SOURCE FLAGS...: src/SOURCE with FLAGS -> bin/NAME).
#
# Usage:
#   workloads/linux/build.sh            build into workloads/linux/bin/
#   workloads/linux/build.sh --check    build into a temp dir and compare byte for byte with the
#                                       committed bin/*; exit 1 and name the files that differ
#   workloads/linux/build.sh --out DIR  build into DIR instead
#
# Environment: RISCV_GCC overrides the compiler.
#
# Reproducible as is: two builds give the same bytes whatever the checkout's path (no debug info;
# the symbol table's FILE symbol is the source's basename; the build-id note is a hash of the
# contents). The bytes do depend on the toolchain: GCC 12.2.0-13cross1, binutils 2.40-2 and
# libc6-dev-riscv64-cross 2.36-8cross1 (Debian 12) made the committed ones.
set -euo pipefail

LX_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

mode=build
out_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
    --check) mode=check ;;
    --out)
        [ $# -ge 2 ] || { echo "linux/build.sh: --out needs a directory" >&2; exit 2; }
        out_dir="$2"
        shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "linux/build.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

RISCV_GCC="${RISCV_GCC:-$(command -v riscv64-linux-gnu-gcc || true)}"
[ -n "$RISCV_GCC" ] && command -v "$RISCV_GCC" >/dev/null 2>&1 ||
    { echo "linux/build.sh: riscv64-linux-gnu-gcc not found (apt-get install gcc-riscv64-linux-gnu)" >&2; exit 1; }
LIBC_A="$("$RISCV_GCC" -print-file-name=libc.a)"
[ -f "$LIBC_A" ] ||
    { echo "linux/build.sh: static glibc not found (apt-get install libc6-dev-riscv64-cross)" >&2; exit 1; }

# -ffile-prefix-map keeps any __FILE__ (assert) free of the checkout's path.
CFLAGS=(-static -O2 -Wall -Wextra -Werror -ffile-prefix-map="$LX_DIR"/=)

toolchain() { # the versions that determine the bytes
    echo "  compiler: $("$RISCV_GCC" --version | head -n 1)"
    if command -v dpkg-query >/dev/null 2>&1; then
        dpkg-query -W -f='  ${Package} ${Version}\n' libc6-dev-riscv64-cross binutils-riscv64-linux-gnu 2>/dev/null || true
    fi
    echo "  committed binaries were built with GCC 12.2.0-13cross1, binutils 2.40-2, libc6-dev-riscv64-cross 2.36-8cross1"
}

build_all() { # build_all DEST_DIR
    local dest="$1" src name
    mkdir -p "$dest"
    dest="$(cd -- "$dest" && pwd -P)"
    (
        cd "$LX_DIR"
        shopt -s nullglob
        local srcs=(src/*.c)
        [ ${#srcs[@]} -gt 0 ] || { echo "linux/build.sh: no programs in src/" >&2; exit 1; }
        # variants.txt: NAME SOURCE [CFLAGS...]; a source listed there is built only as its variants.
        local variants=() varsrcs=" " line words
        if [ -f variants.txt ]; then
            while IFS= read -r line; do
                read -r -a words <<<"$line"
                [ ${#words[@]} -ge 2 ] || { echo "linux/build.sh: variants.txt: bad line: $line" >&2; exit 1; }
                [ -f "src/${words[1]}" ] || { echo "linux/build.sh: variants.txt: no src/${words[1]}" >&2; exit 1; }
                variants+=("$line")
                varsrcs+="${words[1]} "
            done < <(grep -v -E '^[[:space:]]*(#|$)' variants.txt)
        fi
        for src in "${srcs[@]}"; do
            case "$varsrcs" in *" $(basename "$src") "*) continue ;; esac
            name="$(basename "$src" .c)"
            "$RISCV_GCC" "${CFLAGS[@]}" "$src" -o "$dest/$name.tmp"
            mv -f "$dest/$name.tmp" "$dest/$name"
            echo "  built linux/bin/$name"
        done
        for line in ${variants[@]+"${variants[@]}"}; do
            read -r -a words <<<"$line"
            name="${words[0]}"
            "$RISCV_GCC" "${CFLAGS[@]}" "${words[@]:2}" "src/${words[1]}" -o "$dest/$name.tmp"
            mv -f "$dest/$name.tmp" "$dest/$name"
            echo "  built linux/bin/$name (src/${words[1]} ${words[*]:2})"
        done
    )
}

case "$mode" in
build)
    build_all "${out_dir:-$LX_DIR/bin}"
    ;;
check)
    tmp="$(mktemp -d)"
    trap 'rm -rf -- "$tmp"' EXIT
    build_all "$tmp" >/dev/null
    status=0
    count=0
    for f in "$tmp"/*; do
        name="$(basename "$f")"
        count=$((count + 1))
        if [ ! -f "$LX_DIR/bin/$name" ]; then
            echo "MISSING: linux/bin/$name (not committed)"
            status=1
        elif ! cmp -s "$f" "$LX_DIR/bin/$name"; then
            echo "DIFFERS: linux/bin/$name"
            status=1
        fi
    done
    for f in "$LX_DIR"/bin/*; do
        [ -e "$f" ] || continue
        name="$(basename "$f")"
        if [ ! -f "$tmp/$name" ]; then
            echo "STALE: linux/bin/$name (no matching source)"
            status=1
        fi
    done
    if [ "$status" -eq 0 ]; then
        echo "linux/build.sh --check: all $count binaries match"
    else
        {
            echo "linux/build.sh --check: binaries differ from their sources; run workloads/linux/build.sh"
            echo "(and re-record: workloads/linux/record.sh). A different toolchain also changes the bytes:"
            toolchain
        } >&2
    fi
    exit "$status"
    ;;
esac
