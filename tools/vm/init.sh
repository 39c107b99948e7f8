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

insmod /lib/modules/ipcsvc.ko
say INSMOD rc=$?

for s in /sys/kernel/debug/kunit/ipcsvc*; do
	[ -f "$s/results" ] || continue
	say KUNIT-BEGIN "${s##*/}"
	cat "$s/results" >&3
	say KUNIT-END "${s##*/}"
done

for t in /tests/*; do
	[ -x "$t" ] || continue
	say TEST-BEGIN "${t##*/}"
	(cd /tmp && timeout -s KILL "$TEST_TIMEOUT" "$t") >&3 2>&1
	say TEST-END "${t##*/}" rc=$?
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
