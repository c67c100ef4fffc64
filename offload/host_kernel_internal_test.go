package offload

import "testing"

// TestNetNSPathDials: a Host on another root dials no kernel, unless
// WithNetNSPath names the namespace whose kernel answers (a pod's /host with
// hostNetwork: /proc/self/ns/net).
func TestNetNSPathDials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, err := Open(Config{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if (h.kernel != nil && h.kernel.dial) || h.rtnlDial {
		t.Errorf("Host on %s would dial the running kernel (devlink/ethtool %v, rtnetlink %v)", dir, h.kernel != nil && h.kernel.dial, h.rtnlDial)
	}
	hk, err := Open(Config{Root: dir, NetNSPath: "/proc/self/ns/net"})
	if err != nil {
		t.Fatal(err)
	}
	defer hk.Close()
	if hk.kernel == nil || !hk.kernel.dial || !hk.rtnlDial {
		t.Errorf("NetNSPath: devlink/ethtool dial %v, rtnetlink dial %v", hk.kernel != nil && hk.kernel.dial, hk.rtnlDial)
	}
}
