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

# debug_kernel_dir [VARIANT]: where the debug kernel of VARIANT (debug, the
# default, or kcsan) for the current fragment tools/vm/VARIANT.config and
# source version lives (whether or not it is built yet).
debug_kernel_dir() {
	local variant=${1:-debug} key
	key=$( { cat "$IPCSVC_TOP/tools/vm/$variant.config"; debug_source_version; \
		gcc --version | head -n1; } | sha256sum | cut -c1-16)
	printf '%s/%s-kernel-%s\n' "$IPCSVC_CACHE" "$variant" "$key"
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

# qemu_accel: the qemu accelerator arguments. KVM is used only if a probe
# boot under it reaches userspace; /dev/kvm can exist and still hang guests
# (it does on the machines this project is built on). The probe's answer is
# cached per host boot.
qemu_accel() {
	# la57=off: the debug kernel (6.1, KASAN) sometimes reports a wild
	# access in early boot under 5-level paging, before any of our code
	# runs; 4-level paging is what the machines we target use anyway.
	local tcg="-accel tcg -cpu max,la57=off" kvm="-accel kvm -cpu host"
	local cache probe img kernel
	if [ -n "${IPCSVC_ACCEL:-}" ]; then
		printf '%s\n' "$IPCSVC_ACCEL"
		return
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		printf '%s\n' "$tcg"
		return
	fi
	cache=$IPCSVC_CACHE/kvm-probe-$(cat /proc/sys/kernel/random/boot_id)
	if [ ! -f "$cache" ]; then
		kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
		[ -n "$kernel" ] || { printf '%s\n' "$tcg"; return; }
		probe=$(mktemp -d)
		mkdir -p "$probe/root/bin"
		cp /bin/busybox "$probe/root/bin/"
		printf '#!/bin/busybox sh\n/bin/busybox echo IPCSVC-KVM-OK\n/bin/busybox reboot -f\n' \
			>"$probe/root/init"
		chmod +x "$probe/root/init"
		(cd "$probe/root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$probe/initrd"
		timeout -k 2 30 qemu-system-x86_64 $kvm -m 512 -nodefaults \
			-no-user-config -display none -no-reboot -kernel "$kernel" \
			-initrd "$probe/initrd" -append "console=ttyS0 panic=-1" \
			-serial "file:$probe/console" </dev/null >/dev/null 2>&1 || true
		mkdir -p "$IPCSVC_CACHE"
		if grep -q IPCSVC-KVM-OK "$probe/console" 2>/dev/null; then
			echo kvm >"$cache"
		else
			echo tcg >"$cache"
		fi
		rm -rf "$probe"
	fi
	if [ "$(cat "$cache")" = kvm ]; then
		printf '%s\n' "$kvm"
	else
		printf '%s\n' "$tcg"
	fi
}

# Kernel log lines that fail a guest run whatever the tests said.
IPCSVC_KERNEL_REPORTS='BUG:|WARNING:|KASAN:|UBSAN:|Oops|Kernel panic|general protection fault|unreferenced object|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|blocked for more than|Call Trace:'

# kernel_log CONSOLE: the guest's kernel log without the allocator's own
# message for a failed allocation (warn_alloc(): "vmalloc error" or "page
# allocation failure", and the stack it dumps). The debug guest fails
# allocations on purpose (tests/selftests/failnth_test.c), and code that
# is not ours, such as the module loader, asks for that message; a bug
# after such a failure still shows as its own report.
kernel_log() {
	awk '
		/(vmalloc error: size|page allocation failure: order:)/ { skip = 1 }
		skip && /<\/TASK>/ { skip = 0; next }
		!skip
	' "$1"
}

# report_guest NAME OUT QEMU_RC ELAPSED TIMEOUT KMEMLEAK [KUNIT [SUITE]...]:
# print flattened results of one guest run from OUT/report.txt and
# OUT/console.log. KUNIT non-empty says the guest had the KUnit test
# module, and every SUITE must have reported.
report_guest() {
	local name=$1 out=$2 qrc=$3 elapsed=$4 limit=$5 kmemleak=$6 kunit=${7:-}
	local report=$out/report.txt console=$out/console.log sec prefix rc
	local suite missing=
	shift 6
	[ $# -eq 0 ] || shift

	# Split the report into one file per KUnit suite or test program.
	rm -f "$out"/sec-*
	awk -v dir="$out" '
		/^@@IPCSVC (KUNIT|TEST)-BEGIN / { n++; file = sprintf("%s/sec-%03d", dir, n)
			kind = ($2 == "KUNIT-BEGIN") ? "kunit" : "test"
			print kind "/" $3 > (file ".name"); close(file ".name"); printf "" > file; next }
		/^@@IPCSVC (KUNIT|TEST)-END / { if (file != "") { rc = $4; sub(/^rc=/, "", rc)
			print rc > (file ".rc"); close(file ".rc"); close(file) }; file = ""; next }
		/^@@IPCSVC / { next }
		file != "" { print >> file }
	' "$report"

	for sec in "$out"/sec-???; do
		[ -f "$sec" ] || continue
		prefix=$name/$(cat "$sec.name")
		rc=
		[ -f "$sec.rc" ] && rc=$(cat "$sec.rc")
		case "$prefix" in
		*/kunit/*) rc=${rc:-0} ;;		# KUnit reports through KTAP alone
		*) [ -n "$rc" ] || rc=died ;;	# the guest died inside the test
		esac
		awk -v prefix="$prefix" -v rc="$rc" -f "$IPCSVC_TOP/tests/lib/tap-flatten.awk" <"$sec"
	done

	if grep -q '^@@IPCSVC DONE' "$report"; then
		printf 'ok %s: guest ran to completion (%ss)\n' "$name" "$elapsed"
	else
		if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
			printf 'not ok %s: guest hung; killed after %ss\n' "$name" "$limit"
		else
			printf 'not ok %s: guest died before finishing (qemu status %s)\n' "$name" "$qrc"
		fi
		msg "---- $name: last lines of the kernel log ($console)"
		tail -n 40 "$console" >&2 || true
	fi

	if [ -n "$kunit" ]; then
		if grep -q '^@@IPCSVC KUNIT-INSMOD rc=0' "$report"; then
			printf 'ok %s: KUnit module loads\n' "$name"
		else
			printf 'not ok %s: KUnit module loads\n' "$name"
		fi
		if grep -q '^@@IPCSVC KUNIT-RMMOD rc=0' "$report"; then
			printf 'ok %s: KUnit module unloads\n' "$name"
		else
			printf 'not ok %s: KUnit module unloads\n' "$name"
		fi
		for suite in "$@"; do
			grep -qx "@@IPCSVC KUNIT-BEGIN $suite" "$report" ||
				missing="$missing $suite"
		done
		if [ -z "$missing" ]; then
			printf 'ok %s: every KUnit suite reported (%d)\n' "$name" $#
		else
			printf 'not ok %s: KUnit suites missing:%s\n' "$name" "$missing"
		fi
	fi

	# a test must not leave processes behind (init.sh kills any)
	if grep -q '^@@IPCSVC LEFTOVER' "$report"; then
		printf 'not ok %s: no test left processes running (%s)\n' "$name" \
			"$(sed -n 's/^@@IPCSVC LEFTOVER //p' "$report" | tr -d '\r' |
			   paste -sd ';' -)"
	else
		printf 'ok %s: no test left processes running\n' "$name"
	fi

	if grep -q '^@@IPCSVC INSMOD rc=0' "$report"; then
		printf 'ok %s: module loads\n' "$name"
	else
		printf 'not ok %s: module loads\n' "$name"
	fi
	if grep -q '^@@IPCSVC RMMOD rc=0' "$report"; then
		printf 'ok %s: module unloads after the tests\n' "$name"
	else
		printf 'not ok %s: module unloads after the tests\n' "$name"
	fi

	if kernel_log "$console" | grep -Eq "$IPCSVC_KERNEL_REPORTS"; then
		printf 'not ok %s: kernel log free of BUG/WARNING/KASAN/lockdep reports\n' "$name"
		msg "---- $name: kernel reports ($console)"
		kernel_log "$console" | grep -E -A 25 "$IPCSVC_KERNEL_REPORTS" |
			head -n 120 >&2
	else
		printf 'ok %s: kernel log free of BUG/WARNING/KASAN/lockdep reports\n' "$name"
	fi

	if grep -q '^@@IPCSVC KMEMLEAK-BEGIN' "$report"; then
		if sed -n '/^@@IPCSVC KMEMLEAK-BEGIN/,/^@@IPCSVC KMEMLEAK-END/p' "$report" |
				grep -q 'unreferenced object'; then
			printf 'not ok %s: kmemleak finds no leak\n' "$name"
			msg "---- $name: kmemleak"
			sed -n '/^@@IPCSVC KMEMLEAK-BEGIN/,/^@@IPCSVC KMEMLEAK-END/p' "$report" |
				head -n 80 >&2
		else
			printf 'ok %s: kmemleak finds no leak\n' "$name"
		fi
	elif [ "$kmemleak" = 1 ]; then
		printf 'not ok %s: kmemleak finds no leak (no scan was reported)\n' "$name"
	fi
}
