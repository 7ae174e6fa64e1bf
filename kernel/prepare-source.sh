#!/bin/bash
# Extract Debian's linux-source-6.12 once into a git tree and bring its work
# tree to "base + kernel/patches/series". The patched tree is built in a
# scratch index and checked out with `git reset --hard`, which rewrites only
# the files whose content changed: kbuild then rebuilds only their objects.
set -euo pipefail

src=$(realpath -m "$1")   # kernel tree to create or update
patchdir=$(realpath "$2") # directory holding the series file and the patches
tarball=$(realpath "$3")  # Debian's linux-source-6.12.tar.xz (kernel/fetch-source.sh)

# A tree extracted from another tarball (an older base) is extracted afresh.
base_subject="Debian $(basename "$tarball" .tar.xz) as extracted"
if [ "$(git -C "$src" log -1 --format=%s base 2>/dev/null)" != "$base_subject" ]; then
	echo "  EXTRACT $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	git -C "$src.tmp" init -q
	git -C "$src.tmp" add -A -f
	git -C "$src.tmp" -c user.name=pidpolicy -c user.email=pidpolicy@localhost \
		commit -q --no-gpg-sign -m "$base_subject"
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
