#!/bin/sh
# Over unixctl vs ovs-appctl: dump + parse of 10,000 datapath flows from a
# live ovs-vswitchd, side by side. Usage, from the repository root, as
# root with openvswitch-switch (and python3-openvswitch + python3-netaddr
# for the Python column) installed:
#
#	sh hack/unixctl-bench/run.sh [COUNT]     # default 5 runs of each
#
# It runs BenchmarkDump10k (ovs/unixctl/bench_ovs_test.go), which starts a
# private ovsdb-server + ovs-vswitchd (package ovs/ovstest), builds a
# userspace-datapath bridge with two veth ports in network namespaces,
# pings across it, installs 10,000 synthetic flows with dpctl/add-flows
# (revalidators paused, max-idle one hour so they stay), then times:
#   unixctl-noparse   the dump over the control socket, not parsed (floor)
#   unixctl           dump over unixctl + parse every line (dpflow, strict)
#   ovs-appctl        exec ovs-appctl + parse its stdout with dpflow
#   ovs-appctl+python exec ovs-appctl | OVS's Python ovs.flow parser
#                     (plain lines only; it rejects the -m lines here)
# and prints the median ns/op of each and the ratios. Nothing is asserted.
set -eu
count=${1:-5}
out=$(mktemp /tmp/unixctl-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench '^BenchmarkDump10k$' -benchmem -count "$count" ./ovs/unixctl/ | tee "$out"
echo
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
awk '
/^BenchmarkDump10k\// {
	split($1, p, "/"); name = p[2] "/" p[3]; sub(/-[0-9]+$/, "", name)
	n[name]++; v[name, n[name]] = $3
}
function median(k,   i, j, t, m, a) {
	m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
	for (k in n) med[k] = median(k)
	printf "%-28s %14s\n", "case (median of runs)", "ms/dump"
	for (k in n) printf "%-28s %14.1f\n", k, med[k] / 1e6
	for (m = 1; m <= 2; m++) {
		d = (m == 1) ? "plain" : "m"
		u = med[d "/unixctl"]
		if (!u) continue
		if (med[d "/ovs-appctl"]) printf "%s: ovs-appctl+dpflow / unixctl+dpflow = %.2fx\n", d, med[d "/ovs-appctl"] / u
		if (med[d "/ovs-appctl+python"]) printf "%s: ovs-appctl+python / unixctl+dpflow = %.1fx\n", d, med[d "/ovs-appctl+python"] / u
		if (med[d "/unixctl-noparse"]) printf "%s: share of unixctl time that is ovs-vswitchd + transfer = %.0f%%\n", d, 100 * med[d "/unixctl-noparse"] / u
	}
}' "$out"
