#!/bin/bash
# Extract Debian's linux-source-6.1 once into a git tree and bring its work
# tree to "base + kernel/patches/series". The patched tree is built in a
# scratch index and checked out with `git reset --hard`, which rewrites only
# the files whose content changed: kbuild then rebuilds only their objects.
set -euo pipefail

tarball=${KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
src=$(realpath -m "$1")   # kernel tree to create or update
patchdir=$(realpath "$2") # directory holding the series file and the patches

if [ ! -d "$src/.git" ]; then
	[ -r "$tarball" ] || { echo "prepare-source: $tarball missing: run 'make deps'" >&2; exit 1; }
	echo "  EXTRACT $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	git -C "$src.tmp" init -q
	git -C "$src.tmp" add -A -f
	git -C "$src.tmp" -c user.name=pidpolicy -c user.email=pidpolicy@localhost \
		commit -q --no-gpg-sign -m "Debian linux-source-6.1 as extracted"
	git -C "$src.tmp" tag base
	mv "$src.tmp" "$src"
fi

version=$(sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = //p' "$src/Makefile" | paste -sd.)
export GIT_INDEX_FILE="$src/.git/index.series"
trap 'rm -f "$src/.git/index.series"' EXIT
git -C "$src" read-tree base
while read -r patch _; do
	case "$patch" in ''|'#'*) continue ;; esac
	if ! git -C "$src" apply --cached --whitespace=nowarn "$(realpath "$patchdir/$patch")"; then
		echo "prepare-source: patch $patch does not apply to Linux $version ($tarball)" >&2
		exit 1
	fi
done < "$patchdir/series"
tree=$(git -C "$src" write-tree)
unset GIT_INDEX_FILE
if [ "$(git -C "$src" rev-parse HEAD^{tree})" != "$tree" ]; then
	commit=$(git -C "$src" -c user.name=pidpolicy -c user.email=pidpolicy@localhost \
		commit-tree "$tree" -p base -m "kernel/patches/series applied")
	git -C "$src" reset -q --hard "$commit"
fi
echo "  PATCHED Linux $version with $(grep -cv '^\s*\(#\|$\)' "$patchdir/series" || true) patch(es)"
