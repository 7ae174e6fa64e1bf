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
# Debian's python3 has python3-ply, which checkpatch's SPDX check needs
PATH=/usr/bin:$PATH "$tree/scripts/checkpatch.pl" --strict --terse "$out"/*.patch
