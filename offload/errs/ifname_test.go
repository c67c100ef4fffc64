package errs

import (
	"errors"
	"strings"
	"testing"
)

// hostileNames are interface names that must be refused before any path is built.
var hostileNames = []string{
	"", ".", "..", "../../etc", "a/b", "eth0/../../", "eth0:1", "eth 0", "eth\t0", "eth\n0",
	"eth0\x00", "eth\xa00", "\xa0", strings.Repeat("a", 16), strings.Repeat("x", 100), "/", "a\rb", "\vx", "x\fy",
}

func TestValidateIfName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"eth0", "enp132s0f0np0", strings.Repeat("a", 15), "d85b161b6840_h", "vlan@100", "a-b.c_d"} {
		if err := ValidateIfName(ok); err != nil {
			t.Errorf("ValidateIfName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range hostileNames {
		if err := ValidateIfName(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ValidateIfName(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
}

func TestValidateIfNameKernelRule(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"eth0", "enp132s0f0np0", "a", "123456789012345", "v-0_x.y@z"} {
		if err := ValidateIfName(ok); err != nil {
			t.Errorf("ValidateIfName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "1234567890123456", "../x", "a/b", "eth0:1", "a b", "a\tb", "a\vb", "a\rb", "a\x00b"} {
		if err := ValidateIfName(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ValidateIfName(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
}
