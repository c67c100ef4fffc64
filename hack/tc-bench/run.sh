#!/bin/sh
# run.sh: the tc dump side-by-side of issue 5 in the real-kernel harness.
# Boots the guest (VMTEST_KERNEL, default debian: stock Debian 6.1 with
# cls_flower as a module) and runs TestVMDumpSideBySide by name, which makes
# it add 10 000 flower filters to a veth (1000 in a plain `make vmtest`) and
# time tc.Client.FilterList and the streaming Filters against
# `tc -s filter show` and `tc -j -s filter show`, best of seven interleaved
# rounds each. Run from the module root:
#
#   hack/tc-bench/run.sh
#
# The numbers are printed in the test log (-v). For the decode cost alone,
# without a kernel: go test -run XXX -bench 10k ./tc
set -eu
cd "$(dirname "$0")/../.."
exec go run ./internal/vmtest/cmd/vmtest -kernel "${VMTEST_KERNEL:-debian}" -v -timeout 30m \
	-run 'TestVMDumpSideBySide' ./tc
