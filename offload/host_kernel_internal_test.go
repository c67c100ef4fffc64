package offload

import "testing"

// TestWithHostKernel: a Host on another root dials no kernel, unless
// WithHostKernel says the root is the running host's filesystem mounted
// elsewhere (a pod's /host).
func TestWithHostKernel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, err := Open(WithRoot(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.kernel != nil || h.rtnlDial {
		t.Errorf("Host on %s would dial the running kernel (devlink/ethtool %v, rtnetlink %v)", dir, h.kernel != nil, h.rtnlDial)
	}
	hk, err := Open(WithRoot(dir), WithHostKernel())
	if err != nil {
		t.Fatal(err)
	}
	defer hk.Close()
	if hk.kernel == nil || !hk.kernel.dial || !hk.rtnlDial {
		t.Errorf("WithHostKernel: devlink/ethtool dial %v, rtnetlink dial %v", hk.kernel != nil && hk.kernel.dial, hk.rtnlDial)
	}
}
