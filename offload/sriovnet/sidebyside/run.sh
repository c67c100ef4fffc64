#!/usr/bin/env bash
# Side by side: the offload/sriovnet drop-in against sriovnet v1.3.0 on
# every bundled offloadtest tree (but "large"), each in the "pods running"
# state main.go's podState sets up. Needs root: a private mount namespace
# bind-mounts each tree over /sys, which is where sriovnet reads.
# Prints the calls whose answers differ (value, or error vs no error);
# VERBOSE=1 prints the agreeing ones too.
#
# First, ../consumers (the drop-in called as Antrea, Kube-OVN and
# ovn-kubernetes call sriovnet) is compiled and tested against sriovnet
# v1.3.0 itself with the import prefix swapped back: the call shapes are
# sriovnet's, not only the drop-in's.
set -euo pipefail
cd "$(dirname "$0")"
export PATH=$PATH:/usr/local/go/bin
work=$(mktemp -d)
up=$(mktemp -d -p . upstreamconsumers.XXXXXX)
trap 'rm -rf "$work" "$up"' EXIT
for f in ../consumers/*.go; do
	sed 's#github.com/offloadkit/offloadkit/offload/sriovnet#github.com/k8snetworkplumbingwg/sriovnet#' "$f" >"$up/$(basename "$f")"
done
echo "== consumers against sriovnet v1.3.0"
go vet "./$up" && go test -count=1 "./$up"
go build -o "$work/sidebyside" .
for tree in ${TREES:-agilio-flower bf2-dpu cx5-bond cx5-legacy cx5-switchdev e810-ice yusur-2200e}; do
	mkdir "$work/$tree"
	"$work/sidebyside" -build "$work/$tree" -tree "$tree"
	echo "== $tree"
	unshare -m --propagation private sh -c "mount --bind '$work/$tree/sys' /sys && '$work/sidebyside' -compare ${VERBOSE:+-v}"
done
