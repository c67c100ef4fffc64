#!/bin/busybox sh
# PID 1 of the vmtest guest (embedded into the initramfs by the harness).
# Mounts the host root read-only over 9p, gives it writable tmpfs scratch
# space and the harness' work directory, chroots into it and runs the
# generated guest.sh. Whatever happens, it ends with reboot -f, which qemu
# (-no-reboot) turns into an exit.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
. /vmtest.env

fail() {
	echo "vmtest-init: $*"
	reboot -f
}

# Modules needed to reach the 9p shares (Debian kernel only), in dependency
# order; the netdevsim kernel has all of it built in.
if [ -f /modules.list ]; then
	while read -r m; do
		insmod "/modules/$m" || echo "vmtest-init: insmod $m failed"
	done </modules.list
fi

mkdir -p /host
# cache=loose: the root is read-only and only read, so the guest may cache
# it, which makes exec of large test binaries much faster.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host ||
	fail "cannot mount the host root over 9p"
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts devpts /host/dev/pts
mount -t tmpfs tmpfs /host/dev/shm
mount -t debugfs debugfs /host/sys/kernel/debug 2>/dev/null
# Writable scratch: tests, OVS (ovsdb-server uses tmpfile(), which ignores
# TMPDIR) and modprobe need them.
for d in /tmp /run /var/tmp /var/run /var/log /etc/openvswitch /var/lib/openvswitch; do
	[ -d "/host$d" ] && [ ! -L "/host$d" ] && mount -t tmpfs tmpfs "/host$d"
done
# The repository, mounted again at its own path: a checkout under /tmp (or
# another directory the loop above covered with tmpfs) would be hidden.
mkdir -p "/host$VMTEST_SRC" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose vmtestsrc "/host$VMTEST_SRC" ||
	fail "cannot mount the repository at $VMTEST_SRC"
mkdir -p "/host$VMTEST_WORK" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmtestwork "/host$VMTEST_WORK" ||
	fail "cannot mount the work share at $VMTEST_WORK"

# The kernel runs modprobe_path for module autoloading (a netlink protocol,
# a tc classifier or action, a qdisc) in this initramfs, not in the chroot,
# so without this the guest silently loses every autoload: point it at a
# helper that runs the host's modprobe on the unpacked kernel package.
if [ -n "$VMTEST_MODROOT" ]; then
	cat >/bin/vmtest-modprobe <<EOT
#!/bin/sh
exec chroot /host /sbin/modprobe -d '$VMTEST_MODROOT' "\$@"
EOT
	chmod 755 /bin/vmtest-modprobe
	echo /bin/vmtest-modprobe >/proc/sys/kernel/modprobe
fi

chroot /host /bin/sh "$VMTEST_WORK/guest.sh"
echo "vmtest-init: guest.sh exited $?"
sync
reboot -f
