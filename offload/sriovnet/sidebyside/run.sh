#!/usr/bin/env bash
# Side by side: the offload/sriovnet drop-in against sriovnet v1.3.0 on
# every bundled offloadtest tree (but "large"). Needs root: a private mount
# namespace bind-mounts each tree over /sys, which is where sriovnet reads.
# Prints the calls whose answers differ (value, or error vs no error).
set -euo pipefail
cd "$(dirname "$0")"
export PATH=$PATH:/usr/local/go/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/sidebyside" .
for tree in ${TREES:-agilio-flower bf2-dpu cx5-bond cx5-legacy cx5-switchdev e810-ice yusur-2200e}; do
	mkdir "$work/$tree"
	"$work/sidebyside" -build "$work/$tree" -tree "$tree"
	echo "== $tree"
	unshare -m --propagation private sh -c "mount --bind '$work/$tree/sys' /sys && '$work/sidebyside' -compare"
done
