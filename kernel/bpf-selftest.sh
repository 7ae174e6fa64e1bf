#!/bin/bash
# Build the BPF selftest runner, test_progs, of the patched tree with only
# the series' own test (prog_tests/pid_choose.c and progs/pid_choose.c):
# the whole of tools/testing/selftests/bpf builds some 900 BPF objects and
# wants a newer clang than Debian 12's. Done as the selftests' Makefile
# does it: libbpf of the tree, the program and its skeleton against our
# kernel's vmlinux.h, test_progs.c and the helpers it links.
#
#   kernel/bpf-selftest.sh SRC OUT VMLINUX_H UAPI_INCLUDE
#
# Run it as the selftests are run: `cd OUT && ./test_progs -t pid_choose`.
set -euo pipefail
src=$(realpath "$1") out=$(realpath -m "$2") vmlinux_h=$(realpath "$3") uapi=$(realpath "$4")
sel=$src/tools/testing/selftests/bpf
test=pid_choose
helpers=(test_progs cgroup_helpers trace_helpers network_helpers testing_helpers json_writer)

mkdir -p "$out/libbpf" "$out/gen/prog_tests" "$out/obj"
make -s -C "$src/tools/lib/bpf" OUTPUT="$out/libbpf/" BUILD_STATIC_ONLY=1 \
	DESTDIR="$out/libbpf-install" prefix= EXTRA_CFLAGS="-g -O2" install >/dev/null
libbpf_inc=$out/libbpf-install/include
libbpf_a=$(find "$out/libbpf-install" -name libbpf.a)

cp "$vmlinux_h" "$out/gen/vmlinux.h"
clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -I"$out/gen" -I"$libbpf_inc" \
	-I"$sel" -c "$sel/progs/$test.c" -o "$out/gen/$test.bpf.o"
bpftool gen skeleton "$out/gen/$test.bpf.o" name "$test" >"$out/gen/$test.skel.h"
echo "DEFINE_TEST($test)" >"$out/gen/prog_tests/tests.h"

cflags=(-g -O2 -Wall -Werror -I"$out/gen" -I"$sel" -I"$libbpf_inc" -I"$src/tools/lib"
	-I"$src/tools/include" -I"$src/tools/include/uapi" -isystem "$uapi")
objs=()
for f in "${helpers[@]}"; do
	gcc "${cflags[@]}" -c "$sel/$f.c" -o "$out/obj/$f.o"
	objs+=("$out/obj/$f.o")
done
gcc "${cflags[@]}" -c "$sel/prog_tests/$test.c" -o "$out/obj/$test.test.o"
gcc -o "$out/test_progs" "${objs[@]}" "$out/obj/$test.test.o" "$libbpf_a" -lelf -lz -lrt -lpthread
