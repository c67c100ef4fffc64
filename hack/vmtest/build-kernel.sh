#!/usr/bin/env bash
# build-kernel.sh: build (once) the netdevsim guest kernel from Debian's
# linux-source-6.1 and print the path of the cached bzImage.
#
# Cache: ${OFFLOADKIT_CACHE:-$HOME/.cache/offloadkit}/kernel-<key>/bzImage, where
# <key> hashes kernel.config and the linux-source-6.1 package
# version, so editing the fragment or upgrading the source package rebuilds and
# nothing else does. The build runs under nice and takes the cache lock, so two
# callers never build the same key twice.
#
# Needs: linux-source-6.1 bc flex bison libelf-dev libssl-dev (make deps).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${OFFLOADKIT_CACHE:-$HOME/.cache/offloadkit}
src_tar=/usr/src/linux-source-6.1.tar.xz
jobs=${VMTEST_JOBS:-$(nproc)}

if [ ! -f "$src_tar" ]; then
	echo "build-kernel: $src_tar missing (apt-get install linux-source-6.1, or make deps)" >&2
	exit 1
fi
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { cat "$here/kernel.config"; echo "$ver"; } | sha256sum | cut -c1-16)
out=$cache/kernel-$key
mkdir -p "$cache"

exec 9>"$cache/kernel-$key.lock"
flock 9
if [ -f "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

work=$cache/build-$key
log=$cache/build-$key.log
echo "build-kernel: building linux-source-6.1 $ver (key $key) in $work, log $log" >&2
start=$(date +%s)
{
	rm -rf "$work"
	mkdir -p "$work"
	tar -xJf "$src_tar" -C "$work" --strip-components=1
	cd "$work"
	# x86_64 explicitly: with ARCH=x86 the 64BIT prompt is open and
	# defconfig variants may pick 32-bit.
	make ARCH=x86_64 x86_64_defconfig
	make ARCH=x86_64 kvm_guest.config
	grep -v '^[[:space:]]*$' "$here/kernel.config" | grep -E '^(CONFIG_|# CONFIG_)' >>.config
	make ARCH=x86_64 olddefconfig
} >"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }

# Every fragment line must survive olddefconfig: a silently dropped option
# would only show up as a confusing test failure in the guest.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$work/.config" || { echo "build-kernel: $line did not stick" >&2; missing=1; } ;;
	"# CONFIG_"*" is not set")
		sym=${line#"# "}; sym=${sym%" is not set"}
		if grep -qE "^$sym=" "$work/.config"; then echo "build-kernel: $sym still enabled" >&2; missing=1; fi ;;
	esac
done <"$here/kernel.config"
[ "$missing" = 0 ] || exit 1

(cd "$work" && nice -n 10 make ARCH=x86_64 -j"$jobs" bzImage) >>"$log" 2>&1 || { tail -40 "$log" >&2; exit 1; }
mkdir -p "$out.tmp"
cp "$work/arch/x86/boot/bzImage" "$work/.config" "$out.tmp/"
echo "$ver" >"$out.tmp/source-version"
rm -rf "$out"
mv "$out.tmp" "$out"
rm -rf "$work"
echo "build-kernel: built in $(( $(date +%s) - start ))s" >&2
echo "$out/bzImage"
