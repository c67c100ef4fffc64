package unixctl_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// BenchmarkDump10k compares, on a live ovs-vswitchd holding 10,000+
// datapath flows (userspace datapath; flows installed with
// dpctl/add-flows, revalidators paused, max-idle raised), a dump+parse
// over unixctl with running ovs-appctl and parsing its output with the
// same parser. Both parse every line (Scanner, strict). Each op is one
// whole dump; flows/op is reported. hack/unixctl-bench/run.sh prints the
// ratio. Skips without root or openvswitch-switch, like the tests.
func BenchmarkDump10k(b *testing.B) {
	o, c := realOVS(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if g, err := o.DB.SetMaxIdle(ctx, time.Hour); err != nil {
		b.Fatal(err)
	} else if err := o.DB.WaitApplied(ctx, g); err != nil {
		b.Fatal(err)
	}
	addFlows(b, o, c, 10000)
	bin, ok := o.Bin("ovs-appctl")
	if !ok {
		b.Skip("needs ovs-appctl for the comparison")
	}
	for _, m := range []struct {
		name string
		more bool
		args []string
	}{{"plain", false, []string{"dpctl/dump-flows"}}, {"m", true, []string{"dpctl/dump-flows", "-m"}}} {
		parse := func(b *testing.B, r *dpflow.Scanner) int {
			n := 0
			for _, err := range r.All() {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n < 10000 {
				b.Fatalf("dump has %d flows, want >= 10000", n)
			}
			return n
		}
		b.Run(m.name+"/unixctl-noparse", func(b *testing.B) {
			// The floor: ovs-vswitchd formatting the dump and the transfer.
			for b.Loop() {
				if _, err := c.DumpFlowsText(ctx, unixctl.DumpOptions{More: m.more}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(m.name+"/unixctl", func(b *testing.B) {
			n := 0
			defer clientCPU(b, o.VswitchdPID())()
			for b.Loop() {
				sc, err := c.ScanFlows(ctx, unixctl.DumpOptions{More: m.more, Parse: dpflow.Options{Strict: true}})
				if err != nil {
					b.Fatal(err)
				}
				n = parse(b, sc)
			}
			b.ReportMetric(float64(n), "flows/op")
		})
		b.Run(m.name+"/ovs-appctl", func(b *testing.B) {
			n := 0
			defer clientCPU(b, o.VswitchdPID())()
			for b.Loop() {
				cmd := exec.Command(bin, append([]string{"-t", c.Path()}, m.args...)...)
				cmd.Env = append(os.Environ(), o.Env()...)
				out, err := cmd.Output()
				if err != nil {
					b.Fatal(err)
				}
				n = parse(b, dpflow.NewScanner(bytes.NewReader(out), dpflow.Options{Strict: true}))
			}
			b.ReportMetric(float64(n), "flows/op")
		})
		if !m.more {
			// The status quo without offloadkit: ovs-appctl piped into
			// OVS's own Python parser (python3-openvswitch, OVS >= 3.0).
			// Plain lines only: the 3.1 parser rejects -m lines of the
			// userspace datapath (dp-extra-info) and offloaded:yes.
			b.Run(m.name+"/ovs-appctl+python", func(b *testing.B) {
				if err := exec.Command(pythonBin, "-c", "import ovs.flow.odp").Run(); err != nil {
					b.Skipf("needs python3-openvswitch and python3-netaddr: %v", err)
				}
				defer clientCPU(b, o.VswitchdPID())()
				for b.Loop() {
					cmd := exec.Command(bin, append([]string{"-t", c.Path()}, m.args...)...)
					cmd.Env = append(os.Environ(), o.Env()...)
					out, err := cmd.Output()
					if err != nil {
						b.Fatal(err)
					}
					py := exec.Command(pythonBin, "-c", pythonParse)
					py.Stdin = bytes.NewReader(out)
					if res, err := py.CombinedOutput(); err != nil {
						b.Fatalf("python parser: %v: %s", err, res)
					}
				}
			})
		}
	}
}

// clientCPU reports the CPU time the caller's side spent per op (this
// process plus its children: ovs-appctl, python), user+system. Under a
// loaded machine it is steadier than wall time, and it leaves out
// ovs-vswitchd's own formatting, which both ways wait for.
func clientCPU(b *testing.B, serverPID int) func() {
	cpu := func() time.Duration {
		var self, kids syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
		_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
		return time.Duration(self.Utime.Nano() + self.Stime.Nano() + kids.Utime.Nano() + kids.Stime.Nano())
	}
	start, sstart := cpu(), serverCPU(serverPID)
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpu()-start)/float64(b.N)/1e6, "client-cpu-ms/op")
			b.ReportMetric(float64(serverCPU(serverPID)-sstart)/float64(b.N)/1e6, "vswitchd-cpu-ms/op")
		}
	}
}

// serverCPU is ovs-vswitchd's user+system time from /proc/PID/stat
// (fields 14 and 15, in clock ticks of 10 ms: averaged over b.N).
func serverCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields start after its ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// pythonBin is Debian's interpreter, which python3-openvswitch installs
// into (a pyenv python3 on PATH would not see it).
const pythonBin = "/usr/bin/python3"

// pythonParse parses every flow line of stdin with ovs.flow.odp.ODPFlow
// and fails if any line does not parse.
const pythonParse = `
import sys
from ovs.flow.odp import ODPFlow
n = 0
for line in sys.stdin:
    line = line.strip()
    if not line or line.startswith("flow-dump"):
        continue
    ODPFlow(line)
    n += 1
assert n >= 10000, n
`
