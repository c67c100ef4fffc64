#!/bin/sh
# record.sh NAME -- tc ARGS...
#
# Runs iproute2's tc under strace and writes the netlink messages it sends
# (and, for dumps, the kernel's replies) as hex to testdata/tc/NAME.nl, with a
# header saying how they were captured. The tc package's tests decode these
# files and compare its own encoder with them byte for byte.
#
# Run it as root inside a scratch network namespace, for example:
#   ip netns add tcrec && ip -n tcrec link add v0 type veth peer name v1
#   ip -n tcrec link set v0 up && ip -n tcrec link set v1 up
#   ip netns exec tcrec tc qdisc add dev v0 ingress
#   ip netns exec tcrec hack/tc-bench/record.sh flower-ipv4-vlan -- \
#       tc filter add dev v0 ingress prio 1 protocol 802.1Q flower ...
# On a kernel without cls_flower the kernel refuses the request, but what tc
# sent is still iproute2's encoding, which is what the fixture is for.
set -eu
name=$1; shift
[ "$1" = "--" ] && shift
out=${OUT:-$(dirname "$0")/../../testdata/tc}/$name.nl
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
strace -qq -e trace=sendmsg,recvmsg -e write=all -e read=all -o "$tmp" "$@" >/dev/null 2>&1 || true
{
	echo "# command: $*"
	echo "# writer: $(tc -V 2>&1 | head -1); kernel $(uname -r); captured $(date -u +%Y-%m-%d) with strace -e write=all -e read=all"
	echo "# each block is one sendmsg (>) or recvmsg (<) buffer, hex; replies are the kernel's"
	# iproute2 first dumps the links to resolve names; those buffers
	# (RTM_NEWLINK = 16, and the NLMSG_DONE after them) are dropped.
	awk '
		function flush() {
			if (blk == "") return
			t = substr(blk, 11, 2)
			if (t == "10" || (t == "03" && dropped)) { dropped = 1 } else { printf "%s", blk; dropped = 0 }
			blk = ""
		}
		/sendmsg\(/ { flush(); dir = ">"; next }
		/recvmsg\(/ { flush(); dir = "<"; next }
		/^ \* [0-9]+ bytes in buffer/ { flush(); blk = dir "\n"; next }
		/^ \| [0-9a-f]+  / { hex = substr($0, 11, 49); gsub(/ /, "", hex); blk = blk hex "\n" }
		END { flush() }
	' "$tmp"
} >"$out"
echo "wrote $out"
