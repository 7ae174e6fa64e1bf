#!/bin/bash
# Download Debian 13's kernel source, linux-source-6.12, on a bookworm host
# without changing the host's apt configuration (scripts/apt-download: the
# newest in trixie and trixie-security). The tarball in it is what we patch.
#
#   kernel/fetch-source.sh OUT_TARBALL
#
# A host that has the package installed (a trixie host) is used as is.
set -euo pipefail

out=$(realpath -m "$1")
package=linux-source-6.12
installed=/usr/src/$package.tar.xz

if [ -r "$installed" ]; then
	ln -sf "$installed" "$out"
	exit 0
fi

deb=$("$(dirname "$0")/../scripts/apt-download" trixie amd64 "$package")
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$package.tar.xz" >"$out.tmp"
mv "$out.tmp" "$out"
version=$(dpkg-deb -f "$deb" Version)
rm -f "$deb"
echo "$version" >"$out.version"
echo "  FETCHED Debian $package $version"
