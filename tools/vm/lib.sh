# Shared helpers for the guest harness. Sourced, never executed.

IPCSVC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IPCSVC_CACHE=${IPCSVC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ipcsvc}

msg() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# newest_stock SERIES: the newest installed Debian kernel release of a series
# ("6.1" or "6.12") that has both an image and headers.
newest_stock() {
	local series=$1 rel best=
	for rel in $(cd /boot 2>/dev/null && ls vmlinuz-"$series".* 2>/dev/null |
			sed 's/^vmlinuz-//' | sort -V); do
		[ -d "/usr/src/linux-headers-$rel" ] && best=$rel
	done
	printf '%s\n' "$best"
}

# debug_source_version: Debian's version of the packaged kernel source the
# debug kernel is built from.
debug_source_version() {
	dpkg-query -W -f '${Version}' "linux-source-$IPCSVC_DEBUG_SERIES" 2>/dev/null
}

IPCSVC_DEBUG_SERIES=${IPCSVC_DEBUG_SERIES:-6.1}

# debug_kernel_dir: where the debug kernel for the current fragment and
# source version lives (whether or not it is built yet).
debug_kernel_dir() {
	local key
	key=$( { cat "$IPCSVC_TOP/tools/vm/debug.config"; debug_source_version; \
		gcc --version | head -n1; } | sha256sum | cut -c1-16)
	printf '%s/debug-kernel-%s\n' "$IPCSVC_CACHE" "$key"
}

# kernel_source: extract Debian's packaged kernel source once per package
# version and print its directory. The selftest harness headers and
# checkpatch.pl are used from there, and the debug kernel is built from it.
kernel_source() {
	local ver tarball src
	ver=$(debug_source_version)
	[ -n "$ver" ] || die "linux-source-$IPCSVC_DEBUG_SERIES is not installed (run tools/check-deps)"
	tarball=/usr/src/linux-source-$IPCSVC_DEBUG_SERIES.tar.xz
	[ -f "$tarball" ] || die "$tarball is missing"
	src=$IPCSVC_CACHE/src/linux-source-$ver
	if [ ! -f "$src/.ipcsvc-extracted" ]; then
		msg "kernel source: extracting $tarball"
		rm -rf "$src" "$src.tmp"
		mkdir -p "$src.tmp"
		tar -xf "$tarball" -C "$src.tmp" --strip-components=1
		touch "$src.tmp/.ipcsvc-extracted"
		mv "$src.tmp" "$src"
	fi
	printf '%s\n' "$src"
}
