#!/bin/bash
# Developer helper: write the commits base..HEAD of a kernel work tree (by
# default build/linux-dev) as kernel/patches/*.patch plus the series file.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:-$top/build/linux-dev}
out=$top/kernel/patches

rm -f "$out"/*.patch
git -C "$tree" format-patch -q --no-signature --zero-commit -N base -o "$out"
{
	echo "# clone2 + pid policy, applied in order onto linux-source-6.1"
	(cd "$out" && ls -1 -- *.patch)
} > "$out/series"
# Debian's python3 has python3-ply, which checkpatch's SPDX check needs
# Inside our repository checkpatch would take the committed .patch files
# for source files (git ls-files) and check them line by line: hide it.
PATH=/usr/bin:$PATH GIT_DIR=/nonexistent "$tree/scripts/checkpatch.pl" --strict --terse "$out"/*.patch
