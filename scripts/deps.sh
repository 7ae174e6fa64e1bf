#!/bin/bash
# Install the Debian packages the build and the tests need. Silent and
# quick when everything is present; `apt-get update` only when not.
set -euo pipefail

# Everything the build, the tests, `make demo`, `make bench` and `make install`
# run beyond a debootstrap --variant=minbase root (`make fresh-check` proves
# it). Extra package names given as arguments are installed too.
packages=(
	make gcc gcc-multilib libc6-dev bc flex bison cpio xz-utils gzip perl
	libelf-dev libssl-dev dwarves ccache sparse      # kernel build, checks
	git rsync                                        # kernel tree, headers_install
	lld                                              # `make check`: the arm64 build (LLVM=1;
	                                                 # gcc-aarch64-linux-gnu conflicts with gcc-multilib)
	clang llvm libbpf-dev bpftool pkg-config zlib1g-dev libjson-c-dev
	qemu-system-x86 busybox-static file              # the test VM
	criu                                             # restore tests in the VM
	gnuplot-nox                                      # `make bench`: build/bench.svg
	mandoc python3-ply python3-git                   # man page lint, checkpatch
	clang-14 libclang-rt-14-dev                      # libFuzzer for tests/fuzz
	systemd                                          # systemd-analyze verify of the unit
	"$@"
)

declare -A installed
while read -r pkg status; do
	[ "$status" = installed ] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for pkg in "${packages[@]}"; do
	[ -n "${installed[$pkg]:-}" ] || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi
echo "  APT     ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
