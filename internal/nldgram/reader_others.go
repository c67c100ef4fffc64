//go:build !linux

package nldgram

import "github.com/mdlayher/netlink"

// NewReader: no descriptor to read off Linux.
func NewReader(*netlink.Conn) Reader { return nil }
