#!/bin/busybox sh
# /init of the test guests. Reports on the second serial port (ttyS1) in
# lines the host parses; the kernel's own log goes to ttyS0. Settings come
# from /config, written by tools/vm/run-guest.
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
. /config

exec 3>/dev/ttyS1
say() { echo "@@IPCSVC $*" >&3; }
say BOOT "$(uname -r)"

# Forget whatever boot itself leaked, so only our leaks are reported.
leaks=/sys/kernel/debug/kmemleak
if [ "$KMEMLEAK" = 1 ] && [ -w $leaks ]; then
	echo scan >$leaks
	echo clear >$leaks
fi

# The KUnit suites are a module of their own (debug guest only); they run
# while it loads. Their KTAP is taken from the kernel log, not from
# debugfs, which keeps only 512 bytes of each case on 6.1 and so loses the
# result line of a case that failed verbosely. Each ipcsvc* suite becomes
# one section, shaped as debugfs would show it. Then the plain module, as
# users load it, serves the selftests.
if [ -f /lib/modules/ipcsvc_kunit.ko ]; then
	insmod /lib/modules/ipcsvc_kunit.ko
	say KUNIT-INSMOD rc=$?
	dmesg | sed 's/^\[ *[0-9]*\.[0-9]*\] \{0,1\}//' | awk '
		/^    # Subtest: ipcsvc/ {
			suite = $3
			print "@@IPCSVC KUNIT-BEGIN " suite
			print "KTAP version 1"
			print "1..1"
			print "    KTAP version 1"
		}
		suite == "" { next }
		$0 ~ ("^(not )?ok [0-9]+ " suite "$") {
			print ($1 == "not" ? "not ok 1 " : "ok 1 ") suite
			print "@@IPCSVC KUNIT-END " suite
			suite = ""
			next
		}
		{ print }
	' >&3
	rmmod ipcsvc_kunit
	say KUNIT-RMMOD rc=$?
fi

insmod /lib/modules/ipcsvc.ko
say INSMOD rc=$?

# The data-race guest: KCSAN reports only races the module's own functions
# observe (their names come from the host's nm of ipcsvc.ko). A race inside
# the kernel's own code is not ours to fix or annotate. The guest booted
# with KCSAN off (run-guest): it starts watching once the filter is set.
kcsan=/sys/kernel/debug/kcsan
if [ -f /lib/modules/kcsan-funcs ] && [ -w $kcsan ]; then
	echo whitelist >$kcsan
	n=0
	while read -r f; do
		echo "!$f" >$kcsan 2>/dev/null && n=$((n + 1))
	done </lib/modules/kcsan-funcs
	echo on >$kcsan
	say KCSAN functions=$n enabled=$(sed -n 's/^enabled: //p' $kcsan)
fi

for t in /tests/*; do
	[ -x "$t" ] || continue
	say TEST-BEGIN "${t##*/}"
	t0=$(date +%s)
	(cd /tmp && timeout -s KILL "$TEST_TIMEOUT" "$t") >&3 2>&1
	rc=$?
	say TEST-END "${t##*/}" rc=$rc secs=$(($(date +%s) - t0))
	# timeout kills the test, not the children it forked: none of them
	# may run on into the next test.
	left=
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = 1 ] && continue
		[ -s "$p/cmdline" ] || continue	# a kernel thread
		kill -KILL "$pid" 2>/dev/null && left="$left $pid"
	done
	[ -z "$left" ] || { say LEFTOVER "${t##*/}" "$left"; sleep 1; }
done

if [ -x /demo/ipcsvc-demo ]; then
	say DEMO-BEGIN
	/demo/ipcsvc-demo >&3 2>&1
	say DEMO-END rc=$?
fi

if grep -q '^ipcsvc ' /proc/modules; then
	rmmod ipcsvc
	say RMMOD rc=$?
fi

if [ "$KMEMLEAK" = 1 ] && [ -w $leaks ]; then
	# kmemleak ignores objects younger than 5 s; give ours time to age.
	sleep 6
	echo scan >$leaks
	say KMEMLEAK-BEGIN
	cat $leaks >&3
	say KMEMLEAK-END
fi

say DONE
sync
reboot -f
