#!/bin/bash
# Write $obj/.config: tinyconfig + our fragments, then verify that every
# option the fragments ask for survived olddefconfig (merge_config drops
# options whose dependencies are unmet without failing).
set -euo pipefail
src=$(realpath "$1") obj=$(realpath -m "$2")
mkdir -p "$obj"
shift 2
frags=("$@")

make -s -C "$src" O="$obj" tinyconfig >/dev/null
KCONFIG_CONFIG="$obj/.config" "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
	"$obj/.config" "${frags[@]}" >/dev/null
make -s -C "$src" O="$obj" olddefconfig >/dev/null

dropped=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF -- "$line" "$obj/.config" || dropped+=("$line") ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$obj/.config" || dropped+=("$line") ;;
	esac
done < <(cat "${frags[@]}")

if [ ${#dropped[@]} -gt 0 ]; then
	echo "make-config: options requested by ${frags[*]} are not in the final .config" >&2
	echo "(an unmet dependency made olddefconfig drop them):" >&2
	printf '  %s\n' "${dropped[@]}" >&2
	rm -f "$obj/.config"
	exit 1
fi
