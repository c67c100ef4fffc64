// Command datapath-bench measures, side by side in one run, how long a
// full dump of the OVS kernel datapath's flows takes through ovs/datapath
// (the kernel's ovs_flow family, decoded and rendered as dump-flows text)
// and through `ovs-appctl dpctl/dump-flows -m` parsed by ovs/dpflow, with
// 10,000 and 100,000 flows; allocations per flow; and ovs-vswitchd's CPU
// time during each dump next to its idle CPU time over the same wall time.
//
// It needs root, the openvswitch module and a running ovs-vswitchd
// (run.sh starts one in the vmtest guest). It creates its own datapath
// (-dp, default "okbench") with OVS_DP_CMD_NEW after ovs-vswitchd is up,
// installs the flows with OVS_FLOW_CMD_NEW (UDP megaflows from the local
// port, each with a UFID; ovs-vswitchd's revalidators only manage the
// datapath of its bridges, so they leave these alone), and deletes the
// datapath at the end. Medians of -runs runs are printed.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/ovs/datapath"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

func main() {
	counts := flag.String("flows", "10000,100000", "comma-separated flow counts")
	runs := flag.Int("runs", 5, "dumps per method and count (medians are printed)")
	dpName := flag.String("dp", "okbench", "name of the datapath to create")
	pidfile := flag.String("pidfile", "", "ovs-vswitchd pidfile (default: $OVS_RUNDIR/ovs-vswitchd.pid)")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the ovs/datapath dumps (the first method) to `FILE`")
	flag.StringVar(&onlyMethods, "methods", "", "comma-separated `KEYS` of the methods to run (kernel, appctl, raw, counters); default all, and the ratio needs kernel and appctl")
	flag.Parse()
	if err := run(*counts, *runs, *dpName, *pidfile); err != nil {
		fmt.Fprintln(os.Stderr, "datapath-bench:", err)
		os.Exit(1)
	}
}

func run(counts string, runs int, dpName, pidfile string) error {
	if pidfile == "" {
		pidfile = strings.TrimSuffix(os.Getenv("OVS_RUNDIR"), "/") + "/ovs-vswitchd.pid"
	}
	pidb, err := os.ReadFile(pidfile)
	if err != nil {
		return fmt.Errorf("ovs-vswitchd pid: %w", err)
	}
	vswitchd, err := strconv.Atoi(strings.TrimSpace(string(pidb)))
	if err != nil {
		return fmt.Errorf("ovs-vswitchd pid: %w", err)
	}
	w, err := newWriter()
	if err != nil {
		return err
	}
	defer w.c.Close()
	fmt.Printf("datapath-bench: %s, ovs-vswitchd pid %d, %d CPUs, %d runs per method\n", kernelRelease(), vswitchd, runtime.NumCPU(), runs)
	fmt.Printf("%8s  %-34s %12s %12s %10s %9s %14s %14s\n", "flows", "method", "median", "per flow", "allocs/fl", "own CPUs", "vswitchd CPU", "idle CPU")
	fmt.Println("# own CPUs: this process's utime+stime during the dump over its wall time (2.00: both")
	fmt.Println("# CPUs busy all along; for appctl it leaves out ovs-appctl and ovs-vswitchd).")
	fmt.Println("# vswitchd CPU: ovs-vswitchd's utime+stime during the dump; idle CPU: the same over an")
	fmt.Println("# equal wall time right after the kernel dump, with nothing asked of it (USER_HZ ticks).")
	for _, s := range strings.Split(counts, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			return err
		}
		if err := bench(w, dpName, n, runs, vswitchd); err != nil {
			return err
		}
	}
	return nil
}

func kernelRelease() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return "kernel " + strings.TrimSpace(string(b))
}

type result struct {
	wall, cpu, idle time.Duration
	self            time.Duration // this process's CPU time during the dump
	allocs          float64
	flows           int
}

func bench(w *writer, dpName string, n, runs, vswitchd int) error {
	ctx := context.Background()
	_ = w.delDP(dpName)
	ifindex, err := w.newDP(dpName)
	if err != nil {
		return fmt.Errorf("create datapath %s: %w", dpName, err)
	}
	defer w.delDP(dpName)
	start := time.Now()
	if err := w.addFlows(ifindex, n); err != nil {
		return fmt.Errorf("install %d flows: %w", n, err)
	}
	fmt.Printf("# %d flows installed in %s\n", n, time.Since(start).Round(time.Millisecond))

	c, err := datapath.Dial(nil)
	if err != nil {
		return err
	}
	defer c.Close()
	kernel := func() (result, error) {
		var r result
		if cpuProfile != "" {
			f, err := os.Create(fmt.Sprintf("%s.%d", cpuProfile, n))
			if err != nil {
				return r, err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return r, err
			}
			defer pprof.StopCPUProfile()
		}
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		for f, err := range c.Flows(ctx, ifindex, datapath.FlowOptions{}) {
			if err != nil {
				return r, err
			}
			if f.UFID.IsZero() {
				return r, errors.New("kernel flow without ufid")
			}
			r.flows++
		}
		runtime.ReadMemStats(&ms1)
		r.allocs = float64(ms1.Mallocs-ms0.Mallocs) / float64(max(r.flows, 1))
		return r, nil
	}
	counters := func() (result, error) {
		var r result
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		for f, err := range c.Flows(ctx, ifindex, datapath.FlowOptions{CountersOnly: true}) {
			if err != nil {
				return r, err
			}
			if f.UFID.IsZero() {
				return r, errors.New("kernel flow without ufid")
			}
			r.flows++
		}
		runtime.ReadMemStats(&ms1)
		r.allocs = float64(ms1.Mallocs-ms0.Mallocs) / float64(max(r.flows, 1))
		return r, nil
	}
	appctl := func() (result, error) {
		var r result
		out, err := exec.Command("ovs-appctl", "dpctl/dump-flows", "-m", "system@"+dpName).Output()
		if err != nil {
			return r, fmt.Errorf("ovs-appctl dpctl/dump-flows: %w", err)
		}
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		for f, err := range dpflow.ScanBytes(out, dpflow.Options{}).All() {
			if err != nil {
				return r, err
			}
			if f.UFID.IsZero() {
				return r, errors.New("text flow without ufid")
			}
			r.flows++
		}
		runtime.ReadMemStats(&ms1)
		r.allocs = float64(ms1.Mallocs-ms0.Mallocs) / float64(max(r.flows, 1))
		return r, nil
	}
	// raw is the floor: the same kernel dump on the same kind of socket,
	// each datagram read into one reused buffer and its messages counted,
	// nothing decoded.
	raw := func() (result, error) {
		var r result
		nc, err := netlink.Dial(unix.NETLINK_GENERIC, &netlink.Config{Strict: true})
		if err != nil {
			return r, err
		}
		defer nc.Close()
		hdr := []byte{3, w.flow.Version, 0, 0, 0, 0, 0, 0}
		binary.NativeEndian.PutUint32(hdr[4:], uint32(int32(ifindex)))
		if _, err := nc.Send(netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(w.flow.ID), Flags: netlink.Request | netlink.Dump}, Data: hdr}); err != nil {
			return r, err
		}
		rc, err := nc.SyscallConn()
		if err != nil {
			return r, err
		}
		buf := make([]byte, 64<<10)
		for done := false; !done; {
			var n int
			var rerr error
			if err := rc.Read(func(fd uintptr) bool {
				n, _, _, _, rerr = unix.Recvmsg(int(fd), buf, nil, unix.MSG_DONTWAIT)
				return rerr != unix.EAGAIN
			}); err != nil {
				return r, err
			}
			if rerr != nil {
				return r, rerr
			}
			for b := buf[:n]; len(b) >= 16; {
				l := int(binary.NativeEndian.Uint32(b))
				if l < 16 || l > len(b) {
					return r, fmt.Errorf("bad netlink message length %d", l)
				}
				switch netlink.HeaderType(binary.NativeEndian.Uint16(b[4:])) {
				case netlink.HeaderType(w.flow.ID):
					r.flows++
				case netlink.Done, netlink.Error:
					done = true
				}
				b = b[min((l+3)&^3, len(b)):]
			}
		}
		return r, nil
	}
	methods := []struct {
		key, name string
		fn        func() (result, error)
	}{
		{"kernel", "ovs/datapath (kernel ovs_flow)", kernel},
		{"appctl", "ovs-appctl dpctl/dump-flows+dpflow", appctl},
		{"raw", "raw ovs_flow dump, not decoded", raw},
		{"counters", "ovs/datapath CountersOnly", counters},
	}
	res := make([][]result, len(methods))
	for i := 0; i < runs; i++ {
		// Interleaved, so both see the same machine.
		for m, meth := range methods {
			if !selected(meth.key) {
				continue
			}
			runtime.GC()
			cpu0, self0 := cpuTime(vswitchd), selfCPU()
			t0 := time.Now()
			r, err := meth.fn()
			r.wall = time.Since(t0)
			r.cpu = cpuTime(vswitchd) - cpu0
			r.self = selfCPU() - self0
			if err != nil {
				return fmt.Errorf("%s: %w", meth.name, err)
			}
			if r.flows != n {
				return fmt.Errorf("%s: %d flows dumped, %d installed", meth.name, r.flows, n)
			}
			if m == 0 {
				// ovs-vswitchd's idle CPU over the same wall time as
				// the kernel dump, to compare with what it spent
				// during it.
				idle0 := cpuTime(vswitchd)
				time.Sleep(r.wall)
				r.idle = cpuTime(vswitchd) - idle0
			}
			res[m] = append(res[m], r)
		}
	}
	var med [4]result
	for m, meth := range methods {
		if len(res[m]) == 0 {
			continue
		}
		med[m] = median(res[m])
		idle := "-"
		if m == 0 {
			idle = med[m].idle.String()
		}
		fmt.Printf("%8d  %-34s %12s %12s %10.2f %9.2f %14s %14s\n", n, meth.name, med[m].wall.Round(time.Microsecond),
			(med[m].wall / time.Duration(n)).Round(10*time.Nanosecond), med[m].allocs, float64(med[m].self)/float64(med[m].wall), med[m].cpu, idle)
	}
	if len(res[0]) == 0 || len(res[1]) == 0 || len(res[2]) == 0 || len(res[3]) == 0 {
		return nil
	}
	fmt.Printf("%8d  ratio dump-flows+dpflow / ovs/datapath: %.1fx, / CountersOnly: %.1fx (medians); the undecoded kernel dump alone is %.0f%% of ovs/datapath's time\n",
		n, float64(med[1].wall)/float64(med[0].wall), float64(med[1].wall)/float64(med[3].wall), 100*float64(med[2].wall)/float64(med[0].wall))
	return nil
}

// cpuProfile is the -cpuprofile flag: a profile per flow count, of the
// last ovs/datapath dump.
var cpuProfile string

func median(rs []result) result {
	pick := func(get func(result) time.Duration) time.Duration {
		v := make([]time.Duration, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	a := make([]float64, len(rs))
	for i, r := range rs {
		a[i] = r.allocs
	}
	slices.Sort(a)
	return result{
		wall:   pick(func(r result) time.Duration { return r.wall }),
		self:   pick(func(r result) time.Duration { return r.self }),
		cpu:    pick(func(r result) time.Duration { return r.cpu }),
		idle:   pick(func(r result) time.Duration { return r.idle }),
		allocs: a[len(a)/2],
	}
}

// onlyMethods is the -methods flag.
var onlyMethods string

func selected(key string) bool {
	return onlyMethods == "" || slices.Contains(strings.Split(onlyMethods, ","), key)
}

// selfCPU is this process's utime+stime, all threads.
func selfCPU() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTime is utime+stime of a process from /proc/<pid>/stat, all threads
// (ovs-vswitchd's handlers and revalidators included).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	const hz = 100 // USER_HZ
	return time.Duration(ut+st) * time.Second / hz
}

// writer creates the bench datapath and its flows with raw generic
// netlink requests (the library only reads).
type writer struct {
	c        *genetlink.Conn
	dp, flow genetlink.Family
}

func newWriter() (*writer, error) {
	c, err := genetlink.Dial(nil)
	if err != nil {
		return nil, err
	}
	w := &writer{c: c}
	if w.dp, err = c.GetFamily("ovs_datapath"); err != nil {
		c.Close()
		return nil, err
	}
	if w.flow, err = c.GetFamily("ovs_flow"); err != nil {
		c.Close()
		return nil, err
	}
	return w, nil
}

func ovsMsg(cmd uint8, f genetlink.Family, dp int, ae *netlink.AttributeEncoder) (genetlink.Message, error) {
	b, err := ae.Encode()
	if err != nil {
		return genetlink.Message{}, err
	}
	hdr := binary.NativeEndian.AppendUint32(nil, uint32(int32(dp)))
	return genetlink.Message{Header: genetlink.Header{Command: cmd, Version: f.Version}, Data: append(hdr, b...)}, nil
}

func (w *writer) newDP(name string) (int, error) {
	ae := netlink.NewAttributeEncoder()
	ae.String(1, name) // OVS_DP_ATTR_NAME
	ae.Uint32(2, 0)    // OVS_DP_ATTR_UPCALL_PID: no upcalls
	m, err := ovsMsg(1, w.dp, 0, ae)
	if err != nil {
		return 0, err
	}
	if _, err := w.c.Execute(m, w.dp.ID, netlink.Request|netlink.Acknowledge); err != nil {
		return 0, err
	}
	// The datapath's ifindex, as the library finds it.
	c, err := datapath.Dial(nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	d, err := c.Datapath(context.Background(), name)
	if err != nil {
		return 0, err
	}
	return d.Ifindex, nil
}

func (w *writer) delDP(name string) error {
	ae := netlink.NewAttributeEncoder()
	ae.String(1, name)
	m, err := ovsMsg(2, w.dp, 0, ae)
	if err != nil {
		return err
	}
	_, err = w.c.Execute(m, w.dp.ID, netlink.Request|netlink.Acknowledge)
	return err
}

// addFlows installs n UDP megaflows from the local port (port 0): exact
// Ethernet addresses and IPv4 destination 10.x.y.z, proto and frag; the
// rest wildcarded; output to port 0.
func (w *writer) addFlows(dp, n int) error {
	for i := 0; i < n; i++ {
		m, err := w.flowMsg(dp, i)
		if err != nil {
			return err
		}
		if _, err := w.c.Execute(m, w.flow.ID, netlink.Request|netlink.Acknowledge|netlink.Create); err != nil {
			return fmt.Errorf("flow %d: %w", i, err)
		}
	}
	return nil
}

func (w *writer) flowMsg(dp, i int) (genetlink.Message, error) {
	u32 := func(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
	be16 := func(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
	src := []byte{0x02, 0, 0, 0, 0, 1}
	dst := []byte{0x02, 0, 0, 0, 0, 2}
	ip := []byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
	key := func(ae *netlink.AttributeEncoder) {
		ae.Bytes(3, u32(0))                                                   // IN_PORT
		ae.Bytes(4, append(append([]byte{}, src...), dst...))                 // ETHERNET
		ae.Bytes(6, be16(0x0800))                                             // ETHERTYPE
		ae.Bytes(7, append(append([]byte{10, 0, 0, 1}, ip...), 17, 0, 64, 0)) // IPV4
		ae.Bytes(10, append(be16(5000), be16(6000)...))                       // UDP
	}
	mask := func(ae *netlink.AttributeEncoder) {
		ae.Bytes(3, u32(0xffffffff))
		ae.Bytes(4, bytes.Repeat([]byte{0xff}, 12))
		ae.Bytes(6, be16(0xffff))
		ae.Bytes(7, []byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xff})
		ae.Bytes(10, append(be16(0), be16(0xffff)...))
	}
	ufid := make([]byte, 16)
	binary.NativeEndian.PutUint32(ufid, 0x0b0b0b0b)
	binary.NativeEndian.PutUint64(ufid[8:], uint64(i)+1)
	ae := netlink.NewAttributeEncoder()
	ae.Nested(1, func(nae *netlink.AttributeEncoder) error { key(nae); return nil })  // OVS_FLOW_ATTR_KEY
	ae.Nested(7, func(nae *netlink.AttributeEncoder) error { mask(nae); return nil }) // OVS_FLOW_ATTR_MASK
	ae.Nested(2, func(nae *netlink.AttributeEncoder) error {                          // OVS_FLOW_ATTR_ACTIONS
		nae.Uint32(1, 0) // OUTPUT to the local port
		return nil
	})
	ae.Bytes(9, ufid) // OVS_FLOW_ATTR_UFID
	return ovsMsg(1, w.flow, dp, ae)
}
