#!/usr/bin/env bash
# build-kernel.sh [SERIES]: build (once) the netdevsim guest kernel from
# Debian's linux-source-SERIES (6.1 by default, or 6.12) and print the path of
# the cached bzImage.
#
# Config: x86_64_defconfig + kvm_guest.config + kernel.config (the fragment
# common to every series) + kernel-SERIES.config when it exists. A line of the
# per-series file replaces the common line for the same symbol (6.12 forces
# CONFIG_MICROCODE on, which the common fragment disables), so a series
# without a file of its own builds from exactly the common fragment.
#
# Cache: ${OFFLOADKIT_CACHE:-$HOME/.cache/offloadkit}/kernel-<key>/bzImage, where
# <key> hashes the inputs: kernel.config, kernel-SERIES.config (when present)
# and the linux-source-SERIES package version. Editing a fragment or
# upgrading the source package rebuilds that series and nothing else does
# (for 6.1, which has no per-series file, the key is the one it always was).
# The build runs under nice and takes the cache lock, so two callers never
# build the same key twice.
#
# Needs: linux-source-SERIES bc flex bison libelf-dev libssl-dev (make deps).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
series=${1:-6.1}
case "$series" in
6.1 | 6.12) ;;
*) echo "build-kernel: unknown series $series (want 6.1 or 6.12)" >&2; exit 2 ;;
esac
cache=${OFFLOADKIT_CACHE:-$HOME/.cache/offloadkit}
pkg=linux-source-$series
src_tar=/usr/src/$pkg.tar.xz
jobs=${VMTEST_JOBS:-$(nproc)}
per_series=$here/kernel-$series.config

if [ ! -f "$src_tar" ]; then
	echo "build-kernel: $src_tar missing (apt-get install $pkg, or make deps)" >&2
	exit 1
fi
ver=$(dpkg-query -W -f='${Version}' "$pkg")

# fragment prints the effective fragment: the common lines whose symbol the
# per-series file does not mention, then the per-series lines.
sym_of() { sed -nE 's/^(# )?(CONFIG_[A-Za-z0-9_]+)[= ].*/\2/p'; }
fragment() {
	if [ -f "$per_series" ]; then
		local drop
		drop=$(grep -E '^(CONFIG_|# CONFIG_)' "$per_series" | sym_of | paste -sd'|' -)
		grep -vE "^(# )?($drop)[= ]" "$here/kernel.config"
		cat "$per_series"
	else
		cat "$here/kernel.config"
	fi
}

if [ -f "$per_series" ]; then
	key=$( { cat "$here/kernel.config" "$per_series"; echo "$pkg $ver"; } | sha256sum | cut -c1-16)
else
	key=$( { cat "$here/kernel.config"; echo "$ver"; } | sha256sum | cut -c1-16)
fi
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
echo "build-kernel: building $pkg $ver (key $key) in $work, log $log" >&2
start=$(date +%s)
frag=$(fragment)
{
	rm -rf "$work"
	mkdir -p "$work"
	tar -xJf "$src_tar" -C "$work" --strip-components=1
	cd "$work"
	# x86_64 explicitly: with ARCH=x86 the 64BIT prompt is open and
	# defconfig variants may pick 32-bit.
	make ARCH=x86_64 x86_64_defconfig
	make ARCH=x86_64 kvm_guest.config
	printf '%s\n' "$frag" | grep -v '^[[:space:]]*$' | grep -E '^(CONFIG_|# CONFIG_)' >>.config
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
done <<<"$frag"
[ "$missing" = 0 ] || exit 1

(cd "$work" && nice -n 10 make ARCH=x86_64 -j"$jobs" bzImage) >>"$log" 2>&1 || { tail -40 "$log" >&2; exit 1; }
mkdir -p "$out.tmp"
cp "$work/arch/x86/boot/bzImage" "$work/.config" "$out.tmp/"
echo "$pkg $ver" >"$out.tmp/source-version"
rm -rf "$out"
mv "$out.tmp" "$out"
rm -rf "$work"
echo "build-kernel: built $pkg in $(( $(date +%s) - start ))s" >&2
echo "$out/bzImage"
