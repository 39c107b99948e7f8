#!/bin/busybox sh
# /init of the guests of tools/ipcsvc-vm: load the module, run the user's
# command in /work with its output on the second serial port (ttyS1), and
# report its exit status there in one marker line.
/bin/busybox --install -s /bin
export PATH=/work:/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# No tmpfs over /tmp: the user's libraries may have come from there, and
# the initramfs is writable already.
. /config
[ -n "$LIBDIRS" ] && export LD_LIBRARY_PATH="$LIBDIRS"

exec 3>/dev/ttyS1
insmod /lib/modules/ipcsvc.ko
rc=$?
echo "@@IPCSVC-VM INSMOD rc=$rc" >&3
if [ "$rc" = 0 ]; then
	cd /work
	/bin/sh -c "$(cat /command)" </dev/null >&3 2>&1
	echo "@@IPCSVC-VM EXIT $?" >&3
fi
sync
reboot -f
