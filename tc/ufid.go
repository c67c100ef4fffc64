package tc

import (
	"encoding/binary"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// UFID returns the OVS flow id stored in the action's cookie, if any: OVS's
// TC offload sets the cookie to the flow's ovs_u128, 16 bytes in the memory
// layout of the host (lib/netdev-offload-tc.c). The cookie is read in this
// host's byte order, which is the kernel's and ovs-vswitchd's when the
// filter was read from the local kernel; a cookie of another length is not
// one OVS wrote. The UFID type is dpflow's, so the result compares equal to
// the ufid of the matching `ovs-appctl dpctl/dump-flows -m` line; to put a
// UFID into a cookie, use u.Cookie(binary.NativeEndian).
func (a Action) UFID() (dpflow.UFID, bool) {
	u, err := dpflow.UFIDFromCookie(a.Cookie, binary.NativeEndian)
	return u, err == nil
}
