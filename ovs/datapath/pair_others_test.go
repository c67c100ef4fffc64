//go:build !linux

package datapath_test

import (
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
)

// conn: without socketpairs, the fake kernel answers through nltest.
func (k *fakeKernel) conn(testing.TB) *netlink.Conn { return nltest.Dial(k.serve) }
