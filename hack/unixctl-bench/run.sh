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
# and prints the median wall time, client CPU time (this process plus
# ovs-appctl/python children, user+system) and ovs-vswitchd's CPU time
# (/proc/PID/stat, 10 ms ticks averaged over the runs) of each, and the
# ratios.
# Nothing is asserted.
set -eu
count=${1:-5}
out=$(mktemp /tmp/unixctl-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench '^BenchmarkDump10k$' -benchmem -count "$count" ./ovs/unixctl/ | tee "$out"
echo
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
awk '
# One table per metric: cnt[metric, case] runs, val[metric, case, i] values.
function add(metric, k, x) { cnt[metric, k]++; val[metric, k, cnt[metric, k]] = x }
function median(metric, k,   i, j, t, m, a) {
	m = cnt[metric, k]
	if (!m) return 0
	for (i = 1; i <= m; i++) a[i] = val[metric, k, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
/^BenchmarkDump10k\// {
	split($1, p, "/"); name = p[2] "/" p[3]; sub(/-[0-9]+$/, "", name)
	cases[name] = 1; add("wall", name, $3)
	for (i = 4; i < NF; i++) {
		if ($(i + 1) == "client-cpu-ms/op") add("client", name, $i)
		if ($(i + 1) == "vswitchd-cpu-ms/op") add("vswitchd", name, $i)
	}
}
END {
	for (k in cases) {
		med[k] = median("wall", k)
		if (cnt["client", k]) cmed[k] = median("client", k)
		if (cnt["vswitchd", k]) smed[k] = median("vswitchd", k)
	}
	printf "%-28s %14s %16s %18s\n", "case (median of runs)", "wall ms/dump", "client CPU ms", "vswitchd CPU ms"
	for (k in cases) printf "%-28s %14.1f %16s %18s\n", k, med[k] / 1e6, (k in cmed) ? sprintf("%.1f", cmed[k]) : "-", (k in smed) ? sprintf("%.1f", smed[k]) : "-"
	for (m = 1; m <= 2; m++) {
		d = (m == 1) ? "plain" : "m"
		u = med[d "/unixctl"]
		if (!u) continue
		if (med[d "/ovs-appctl"]) printf "%s: ovs-appctl+dpflow / unixctl+dpflow = %.2fx\n", d, med[d "/ovs-appctl"] / u
		if (med[d "/ovs-appctl+python"]) printf "%s: ovs-appctl+python / unixctl+dpflow = %.1fx\n", d, med[d "/ovs-appctl+python"] / u
		if (cmed[d "/unixctl"] && cmed[d "/ovs-appctl"]) printf "%s: client CPU, ovs-appctl+dpflow / unixctl+dpflow = %.1fx\n", d, cmed[d "/ovs-appctl"] / cmed[d "/unixctl"]
		if (cmed[d "/unixctl"] && cmed[d "/ovs-appctl+python"]) printf "%s: client CPU, ovs-appctl+python / unixctl+dpflow = %.0fx\n", d, cmed[d "/ovs-appctl+python"] / cmed[d "/unixctl"]
		if (med[d "/unixctl-noparse"]) printf "%s: share of unixctl time that is ovs-vswitchd + transfer = %.0f%%\n", d, 100 * med[d "/unixctl-noparse"] / u
	}
}' "$out"
