#!/usr/bin/env bash
# Side by side: offloadkit vs sriovnet v1.3.0 resolving VF representors on a
# fake 16 PF x 256 VF switchdev host (no devlink, as on this CI kernel).
# Needs root (a private mount namespace bind-mounts the tree over /sys for
# sriovnet, which only reads /sys). Prints both timings and the ratio.
set -euo pipefail
cd "$(dirname "$0")"
export PATH=$PATH:/usr/local/go/bin
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
go build -o "$tree/bench" .
"$tree/bench" -build "$tree"
ok=$("$tree/bench" -offloadkit "$tree" -n "${N:-20000}")
sn=$(unshare -m --propagation private sh -c "mount --bind '$tree/sys' /sys && '$tree/bench' -sriovnet -n ${SN:-1000}")
echo "$ok"
echo "$sn"
a=$(echo "$ok" | sed -E 's/.* ([0-9.]+) us\/lookup.*/\1/')
b=$(echo "$sn" | sed -E 's/.* ([0-9.]+) us\/lookup.*/\1/')
awk -v a="$a" -v b="$b" 'BEGIN { printf "offloadkit is %.0fx faster per lookup\n", b / a }'
