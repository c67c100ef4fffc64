#!/usr/bin/env bash
# run.sh [FLAGS]: build hack/datapath-bench on the host and run it in the
# vmtest guest (netdevsim kernel; VMTEST_KERNEL=netdevsim-6.12 for 6.12):
# ovs/datapath against `ovs-appctl dpctl/dump-flows -m` + dpflow on 10,000
# and 100,000 kernel datapath flows, side by side. FLAGS go to the bench
# (-flows, -runs). The guest is TCG-emulated: absolute times are several
# times a real machine's; the ratio is what the run is for.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${OFFLOADKIT_CACHE:-$HOME/.cache/offloadkit}
mkdir -p "$cache"
bin=$(mktemp -d "$cache/bench-XXXXXX")
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/datapath-bench" ./hack/datapath-bench
go run ./internal/vmtest/cmd/vmtest -kernel "${VMTEST_KERNEL:-netdevsim}" -timeout 40m \
	-exec "sh $PWD/hack/datapath-bench/guest.sh $bin/datapath-bench $*"
