//go:build linux

package ovstest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// Ping sends count ICMP echo requests from the port's namespace to dst and
// waits up to two seconds for each reply. It returns an error unless every
// request was answered. Raw ICMP rather than UDP: the userspace datapath
// forwards veth packets with the checksum left to offload, which a UDP
// receiver then drops; ICMP checksums are always computed in software.
func (p *Port) Ping(dst netip.Addr, count int) error {
	if !dst.Is4() {
		return fmt.Errorf("ping %s: only IPv4", dst)
	}
	var conn net.PacketConn
	if err := p.Do(func() error {
		var err error
		conn, err = net.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	}); err != nil {
		return fmt.Errorf("ping from %s: %w", p.Name, err)
	}
	defer conn.Close()
	id := uint16(os.Getpid())
	buf := make([]byte, 1500)
	for seq := 1; seq <= count; seq++ {
		req := echoRequest(id, uint16(seq))
		if _, err := conn.WriteTo(req, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
			return fmt.Errorf("ping %s from %s: %w", dst, p.Name, err)
		}
		if err := conn.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
			return err
		}
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					return fmt.Errorf("ping %s from %s: no reply to seq %d", dst, p.Name, seq)
				}
				return err
			}
			// The raw socket also sees the requests of other pings;
			// Go strips the IPv4 header.
			m := buf[:n]
			if len(m) >= 8 && m[0] == 0 && binary.BigEndian.Uint16(m[4:]) == id &&
				binary.BigEndian.Uint16(m[6:]) == uint16(seq) && from.String() == dst.String() {
				break
			}
		}
	}
	return nil
}

func echoRequest(id, seq uint16) []byte {
	b := make([]byte, 8, 8+16)
	b[0] = 8 // echo request
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	b = append(b, "offloadkit-ping!"...)
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[2:], ^uint16(sum))
	return b
}
