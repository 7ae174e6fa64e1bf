#!/bin/bash
# Cross-build the patched tree for arm64 (kernel/config/arm64/virt.config on
# tinyconfig, the Image that `make test-arm64` boots) and check that clone2
# is in both of its system call tables and that no file the series touches
# warns.
#
#   kernel/check-arm64.sh SRC OBJ FRAGMENT
set -euo pipefail
src=$(realpath "$1") obj=$(realpath -m "$2") frag=$(realpath "$3")
# With LLVM: bookworm's gcc-aarch64-linux-gnu cannot be installed beside
# gcc-multilib (the -m32 tests), and clang is a cross compiler already.
kmake=(make -s -C "$src" O="$obj" ARCH=arm64 LLVM=1 CC="ccache clang" -j"$(nproc)")

# make-config.sh's make takes ARCH and LLVM from the environment
ARCH=arm64 LLVM=1 "$(dirname "$0")/make-config.sh" "$src" "$obj" "$frag"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${kmake[@]}" Image >"$log" 2>&1 || { cat "$log"; exit 1; }

touched=$(git -C "$src" diff --name-only base HEAD | grep -v '^\(Documentation\|tools\)/' || true)
warnings=$(grep -F -e "$touched" "$log" | grep -i 'warning' || true)
if [ -n "$warnings" ] || grep -q 'clone2' "$log"; then
	echo "check-arm64: the arm64 build warns:"
	grep -F -e "$touched" -e clone2 "$log"
	exit 1
fi
for table in unistd_64.h unistd_compat_32.h; do
	if ! grep -rqs '__NR_\(compat32_\)\?clone2 600' "$obj/arch/arm64/include/generated/uapi/asm/$table" \
		"$obj/arch/arm64/include/generated/asm/$table"; then
		echo "check-arm64: clone2 is not number 600 in arm64's $table" >&2
		exit 1
	fi
done
echo "  CHECK   arm64: clone2 wired (native and compat), no warnings from the series"
