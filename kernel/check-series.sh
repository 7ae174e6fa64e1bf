#!/bin/bash
# The reviewers' first look at kernel/patches: checkpatch --strict on every
# patch, and sparse (C=2) on every C file the series touches, failing only on
# warnings at lines the series added (the base tree has its own).
set -euo pipefail
src=$(realpath "$1") obj=$(realpath "$2") patches=$(realpath "$3")
shift 3	# the rest: arguments for the kernel's make, e.g. CC=

# Backports (a "commit <sha> upstream." line, as the stable trees write it)
# carry upstream's code and message as upstream merged them: checkpatch
# reads the patches we write. MAINTAINERS changes are the series' last
# patch, so the patches adding files do not touch it.
ours=$(grep -L -E '^commit [0-9a-f]{40} upstream\.$' "$patches"/*.patch)
# Debian's python3 has python3-ply and python3-git, which checkpatch's SPDX check needs
# Inside our repository checkpatch would take the committed .patch files
# for source files (git ls-files) and check them line by line: hide it.
PATH=/usr/bin:$PATH GIT_DIR=/nonexistent "$src/scripts/checkpatch.pl" --strict --terse --no-tree \
	--ignore FILE_PATH_CHANGES $ours

files=$(git -C "$src" diff --name-only base HEAD -- '*.c' | grep -v '^tools/' || true)
objs=$(for f in $files; do echo "${f%.c}.o"; done)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
make -s -C "$src" O="$obj" "$@" C=2 $objs >"$log" 2>&1 || { cat "$log"; exit 1; }

# file:line pairs of the lines the series added
added=$(git -C "$src" diff -U0 base HEAD -- $files | awk '
	/^\+\+\+ b\// { file = substr($2, 3) }
	/^@@/ { split($3, r, /[+,]/); n = r[3] == "" ? 1 : r[3]
		for (i = 0; i < n; i++) print file ":" r[2] + i }')
new=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error)' "$log" |
	sed "s|^$src/||" | while IFS=: read -r file line _; do
		grep -qx "$file:$line" <<<"$added" && grep -F "$file:$line:" "$log" | sed "s|^$src/||"
	done | sort -u || true)
if [ -n "$new" ]; then
	echo "sparse warns at lines the series added:"
	echo "$new"
	exit 1
fi
all=$(ls "$patches"/*.patch | wc -l) mine=$(echo $ours | wc -w)
echo "  CHECK   checkpatch --strict clean on $mine patches (and $((all - mine)) backports as upstream" \
	"merged them), sparse clean on $(echo $files | wc -w) touched files"
