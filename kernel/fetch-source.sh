#!/bin/bash
# Download Debian 13's kernel source, linux-source-6.12, on a bookworm host
# without changing the host's apt configuration: a private configuration
# under the output's directory (apt/) lists trixie and trixie-security,
# verified with the host's Debian archive keyring, and apt downloads the
# newest linux-source-6.12 there. The tarball in it is what we patch.
#
#   kernel/fetch-source.sh OUT_TARBALL
#
# A host that has the package installed (a trixie host) is used as is.
set -euo pipefail

out=$(realpath -m "$1")
package=linux-source-6.12
installed=/usr/src/$package.tar.xz
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

if [ -r "$installed" ]; then
	ln -sf "$installed" "$out"
	exit 0
fi

dir=$(dirname "$out")/apt
mkdir -p "$dir/lists/partial" "$dir/archives/partial"
cat >"$dir/sources.list" <<SOURCES
deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $security trixie-security main
SOURCES
opts=(-o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$dir/lists" -o Dir::Cache::Archives="$dir/archives"
      -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
      -o Debug::NoLocking=1 -o APT::Sandbox::User=root)

echo "  APT     $package (trixie, private configuration in $dir)"
apt-get "${opts[@]}" -qq update
version=$(apt-cache "${opts[@]}" policy "$package" | sed -n 's/^ *Candidate: //p')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	echo "fetch-source: trixie has no $package: is $mirror reachable?" >&2
	exit 1
fi
(cd "$dir/archives" && apt-get "${opts[@]}" -qq download "$package=$version")
deb=$(ls -1 "$dir/archives/${package}_"*"_all.deb" | sort -V | tail -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$package.tar.xz" >"$out.tmp"
mv "$out.tmp" "$out"
rm -f "$deb"
echo "$version" >"$out.version"
echo "  FETCHED Debian $package $version"
