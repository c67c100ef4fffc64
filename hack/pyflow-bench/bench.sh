#!/bin/sh
# Side-by-side: OVS's Python flow parser (ovs.flow.odp.ODPFlow, Debian
# python3-openvswitch) against ovs/dpflow on the same input, plus
# examples/dpflows in report mode. Usage, from the repository root:
#
#	sh hack/pyflow-bench/bench.sh [FLOWS]     # default 20000 flows per input
#
# Inputs are built from testdata/ovs lines that the Python parser accepts
# (it rejects offloaded:, dp-extra-info: and vendor fields), so both parse
# every line: a -m input (ufid, wildcards with /0 masks, dp:tc) and a
# plain one. Timing is never asserted anywhere; this only prints numbers.
set -eu
n=${1:-20000}
py=/usr/bin/python3
here=$(dirname "$0")
tmp=$(mktemp -d /tmp/pyflow-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

$py - "$n" "$tmp" <<'PY'
import sys, uuid
n, tmp = int(sys.argv[1]), sys.argv[2]
def lines(path):
    out = []
    for l in open(path):
        l = l.rstrip("\n")
        if l and not l.startswith("#") and not l.startswith("flow-dump"):
            out.append(l)
    return out
# -m: the Corigine/Mellanox guide lines without "offloaded:yes, " (which
# the Python parser rejects), and the CX-5 fixture's parseable lines.
m = [l.replace(" offloaded:yes,", "") for l in lines("testdata/ovs/corigine-offloaded.txt")]
m += [l.replace(" offloaded:yes,", "") for l in lines("testdata/ovs/kubeovn-cx5-m.txt")
      if "hash(" not in l and "key32" not in l]
plain = lines("testdata/ovs/antrea-cx5-names.txt") + lines("testdata/ovs/real-netdev-plain.txt")
for name, src in (("m", m), ("plain", plain)):
    with open("%s/%s.txt" % (tmp, name), "w") as f:
        f.write("flow-dump from the main thread:\n")
        for i in range(n):
            l = src[i % len(src)]
            if l.startswith("ufid:"):
                l = "ufid:%s%s" % (uuid.UUID(int=i * 0x9E3779B97F4A7C15 % (1 << 128)), l[41:])
            f.write(l + "\n")
PY

go build -o "$tmp/dpflows" ./examples/dpflows
echo "CPU time (user+sys) per flow; wall-clock in parentheses. ratio = python CPU / go CPU."
printf '%-6s %6s %18s %18s %10s %7s %12s %16s\n' input B/flow python_us/flow go_ns/flow go_MB/s ratio allocs/flow report_ns/flow
for name in m plain; do
	f=$tmp/$name.txt
	size=$(wc -c <"$f")
	pyout=$($py "$here/pyflow_dump.py" --bench "$f")
	pyus=$(echo "$pyout" | $py -c 'import sys,json; d=json.load(sys.stdin); assert d["parsed"]==d["lines"], d; print("%.1f" % d["cpu_us_per_flow"])')
	pywall=$(echo "$pyout" | $py -c 'import sys,json; d=json.load(sys.stdin); print("%.1f" % d["us_per_flow"])')
	gout=$(DPFLOW_BENCH_FILE=$f go test -run XXX -bench '^BenchmarkFile$' -benchtime 20x -cpu 1 ./ovs/dpflow | grep '^BenchmarkFile')
	gwall=$(echo "$gout" | awk '{for(i=1;i<=NF;i++) if($i=="ns/flow") print $(i-1)}')
	gons=$(echo "$gout" | awk '{for(i=1;i<=NF;i++) if($i=="cpu-ns/flow") print $(i-1)}')
	gmbs=$(echo "$gout" | awk '{for(i=1;i<=NF;i++) if($i=="cpu-MB/s") print $(i-1)}')
	allocs=$(echo "$gout" | awk -v n="$n" '{for(i=1;i<=NF;i++) if($i=="allocs/op") printf "%.4f", $(i-1)/n}')
	# examples/dpflows in report mode: CPU time of 5 runs (process start
	# included).
	rep=$($py -c "
import resource, subprocess
for _ in range(5):
    subprocess.run(['$tmp/dpflows', '$f'], stdout=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print('%.0f' % ((r.ru_utime + r.ru_stime) / 5 / $n * 1e9))")
	ratio=$($py -c "print('%.0fx' % ($pyus*1000/$gons))")
	printf '%-6s %6d %18s %18s %10s %7s %12s %16s\n' "$name" $((size / n)) "$pyus ($pywall)" "$gons ($gwall)" "$gmbs" "$ratio" "$allocs" "$rep"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs; $(go version | cut -d' ' -f3); $($py -c 'import ovs.version; print("python ovs", ovs.version.VERSION)' 2>/dev/null || echo python ovs)"
