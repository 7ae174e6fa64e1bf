#!/bin/bash
# Developer helper: write the commits base..HEAD of a kernel work tree (by
# default build/linux-dev) as kernel/patches/*.patch plus the series file.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:-$top/build/linux-dev}
out=$top/kernel/patches

rm -f "$out"/*.patch
# suppressBlankEmpty: a blank context line is empty, not one space, which
# checkpatch would call trailing whitespace when it reads a committed .patch
# as a source file (it does inside a git checkout that tracks it)
git -C "$tree" -c diff.suppressBlankEmpty=true format-patch -q --no-signature --zero-commit -N base -o "$out"
{
	echo "# clone2 + pid policy, applied in order onto linux-source-6.12"
	(cd "$out" && ls -1 -- *.patch)
} > "$out/series"
# Backports (a "commit <sha> upstream." line, as the stable trees write
# it) carry upstream's code and message as upstream merged them, and our
# tree has no upstream history to look their commit ids up in: checkpatch
# reads the patches we write. MAINTAINERS changes are the series' last
# patch, so the patches adding files do not touch it.
ours=$(grep -L -E '^commit [0-9a-f]{40} upstream\.$' "$out"/*.patch)
# Debian's python3 has python3-ply, which checkpatch's SPDX check needs
PATH=/usr/bin:$PATH "$tree/scripts/checkpatch.pl" --strict --terse \
	--ignore FILE_PATH_CHANGES $ours
