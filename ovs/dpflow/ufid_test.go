package dpflow

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// TestUFIDText holds the checks package tc made of its own UFID type before
// the two types became this one.
func TestUFIDText(t *testing.T) {
	t.Parallel()
	const s = "67c2e10f-92d4-4574-be70-d072815ff166"
	u, err := ParseUFID("ufid:" + s)
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != s {
		t.Errorf("round trip %s", u)
	}
	// The cookie is the ovs_u128 in host memory: words in native order.
	c := u.Cookie(binary.NativeEndian)
	if w0 := binary.NativeEndian.Uint32(c[0:4]); w0 != 0x67c2e10f {
		t.Errorf("first cookie word %#x", w0)
	}
	for _, bad := range []string{"", "67c2e10f-92d4-4574-be70", "67c2e10f_92d4-4574-be70-d072815ff166", "g7c2e10f-92d4-4574-be70-d072815ff166"} {
		if _, err := ParseUFID(bad); err == nil {
			t.Errorf("ParseUFID(%q) accepted", bad)
		}
	}
	if _, err := UFIDFromCookie(make([]byte, 8), binary.NativeEndian); err == nil {
		t.Error("an 8-byte cookie is not a UFID")
	}
	// OVS writes exactly 16 bytes; the kernel keeps at most 16
	// (TC_COOKIE_MAX_SIZE), so a longer cookie is not one of OVS's either.
	if _, err := UFIDFromCookie(make([]byte, 17), binary.NativeEndian); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("a 17-byte cookie: %v, want ErrInvalidArgument", err)
	}
}

// TestUFIDJSON: reports (tc.Offload, tc/ovsjoin) carry UFIDs as the
// printed text, and read them back.
func TestUFIDJSON(t *testing.T) {
	t.Parallel()
	u, err := ParseUFID("67c2e10f-92d4-4574-be70-d072815ff166")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(struct{ U UFID }{u})
	if err != nil || string(b) != `{"U":"67c2e10f-92d4-4574-be70-d072815ff166"}` {
		t.Errorf("json %s, %v", b, err)
	}
	var back struct{ U UFID }
	if err := json.Unmarshal(b, &back); err != nil || back.U != u {
		t.Errorf("json back %s, %v", back.U, err)
	}
	if err := json.Unmarshal([]byte(`{"U":"not-a-ufid"}`), &back); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad ufid in json: %v, want ErrInvalidArgument", err)
	}
}
