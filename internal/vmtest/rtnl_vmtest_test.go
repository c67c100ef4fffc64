//go:build vmtest

package vmtest

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"testing"

	"github.com/offloadkit/offloadkit/internal/rtnl"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// TestNetdevsimVFSettingsOverRtnetlink runs the library's own rtnetlink
// codec (what offload.ConfigureVF and the VF state in Discover use) against
// a real kernel: netdevsim's bus reports its VFs (bus num_vf) and its port
// netdev implements the ndo_set_vf_* calls, so RTM_GETLINK carries a real
// IFLA_VFINFO_LIST and RTM_SETLINK is parsed by the real rtnetlink code.
// The unit tests of internal/rtnl use hand-built messages; this pins them
// to Linux, cross-checked with `ip -j link show`.
func TestNetdevsimVFSettingsOverRtnetlink(t *testing.T) {
	needTools(t, "ip")
	dev := newNetdevsim(t, 14, 1)
	if err := os.WriteFile(nsimBus+"/devices/"+dev.Name+"/sriov_numvfs", []byte("2"), 0); err != nil {
		t.Fatalf("sriov_numvfs: %v", err)
	}
	netdev := netdevsOf(dev.Name)[0]
	ctx := t.Context()
	c, err := rtnl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	l, err := c.Link(ctx, netdev)
	if err != nil {
		t.Fatal(err)
	}
	if l.NumVF != 2 || len(l.VFs) != 2 {
		t.Fatalf("%s: NumVF %d, %d VF entries; want 2 and 2", netdev, l.NumVF, len(l.VFs))
	}

	mac, _ := net.ParseMAC("0a:c9:1c:70:01:09")
	vlan, on, off := 100, true, false
	if err := c.SetVF(ctx, l.Index, netdev, rtnl.VFConfig{VF: 1, MAC: mac, VLAN: &vlan, QoS: 3, Trust: &on, SpoofChk: &off}); err != nil {
		t.Fatalf("SetVF: %v", err)
	}
	l, err = c.Link(ctx, netdev)
	if err != nil {
		t.Fatal(err)
	}
	got := l.VFs[1]
	if got.MAC.String() != mac.String() || got.VLAN != vlan || got.QoS != 3 ||
		got.Trust == nil || !*got.Trust || got.SpoofChk == nil || *got.SpoofChk {
		t.Errorf("VF 1 read back as %+v (trust %v, spoofchk %v)", got, deref(got.Trust), deref(got.SpoofChk))
	}

	// The same state as iproute2 decodes it.
	var links []struct {
		VFs []struct {
			VF       int    `json:"vf"`
			Address  string `json:"address"`
			VLANList []struct {
				VLAN int `json:"vlan"`
				QoS  int `json:"qos"`
			} `json:"vlan_list"`
			SpoofChk bool `json:"spoofchk"`
			Trust    bool `json:"trust"`
		} `json:"vfinfo_list"`
	}
	if err := json.Unmarshal([]byte(run(t, "ip", "-j", "link", "show", "dev", netdev)), &links); err != nil || len(links) != 1 {
		t.Fatalf("ip -j link show: %v (%d links)", err, len(links))
	}
	if len(links[0].VFs) != 2 {
		t.Fatalf("ip shows %d VFs", len(links[0].VFs))
	}
	ip := links[0].VFs[1]
	if ip.Address != mac.String() || !ip.Trust || ip.SpoofChk || len(ip.VLANList) != 1 || ip.VLANList[0].VLAN != vlan || ip.VLANList[0].QoS != 3 {
		t.Errorf("ip -j shows VF 1 as %+v", ip)
	}

	// A VF index the device does not have: the kernel's EINVAL, typed.
	err = c.SetVF(ctx, l.Index, netdev, rtnl.VFConfig{VF: 7, Trust: &on})
	if !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("SetVF on VF 7 of 2: %v, want ErrInvalidArgument", err)
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
