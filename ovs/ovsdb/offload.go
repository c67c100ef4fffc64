package ovsdb

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// The other_config keys of the Open_vSwitch row this package manages.
const (
	// KeyHWOffload enables the netdev flow API (TC flower for the kernel
	// datapath, rte_flow for DPDK). ovs-vswitchd turns the flow API on the
	// first time it sees the key true and never off again: turning it off
	// takes a restart (ovs/offloadstate tells what is in effect).
	KeyHWOffload = "hw-offload"
	// KeyTCPolicy is the TC flower policy for offloaded flows.
	KeyTCPolicy = "tc-policy"
	// KeyMaxIdle is how long, in milliseconds, an idle datapath flow stays.
	KeyMaxIdle = "max-idle"
)

// TCPolicy is other_config:tc-policy: where TC installs offloaded flows.
type TCPolicy string

// The tc-policy values OVS accepts.
const (
	// TCPolicyUnset means the key is absent; OVS then uses "none".
	TCPolicyUnset TCPolicy = ""
	// TCPolicyNone adds flows to hardware and software (TC decides).
	TCPolicyNone TCPolicy = "none"
	// TCPolicySkipSW adds flows to hardware only.
	TCPolicySkipSW TCPolicy = "skip_sw"
	// TCPolicySkipHW adds flows to TC software only (no offload).
	TCPolicySkipHW TCPolicy = "skip_hw"
)

// Valid reports whether p is a value OVS accepts (or unset).
func (p TCPolicy) Valid() bool {
	switch p {
	case TCPolicyUnset, TCPolicyNone, TCPolicySkipSW, TCPolicySkipHW:
		return true
	}
	return false
}

// validate is Valid as the ErrInvalidArgument the setters return.
func (p TCPolicy) validate() error {
	if !p.Valid() {
		return errs.Invalid("tc-policy", string(p), "want none, skip_sw or skip_hw")
	}
	return nil
}

// String returns the OVSDB value.
func (p TCPolicy) String() string { return string(p) }

// OffloadConfig is the offload-related part of the Open_vSwitch row's
// other_config.
type OffloadConfig struct {
	// HWOffload is other_config:hw-offload == "true" in any case, as
	// ovs-vswitchd reads it. This is the configuration, not what the
	// running daemon does: ovs/offloadstate checks that.
	HWOffload bool
	// TCPolicy is other_config:tc-policy; TCPolicyUnset when absent.
	TCPolicy TCPolicy
	// MaxIdle is other_config:max-idle; 0 when absent (OVS then uses
	// 10 s).
	MaxIdle time.Duration
}

// OffloadConfig reads hw-offload, tc-policy and max-idle. A max-idle that
// is not a number is reported as ErrInvalidArgument, with the config read
// so far.
func (c *Client) OffloadConfig(ctx context.Context) (OffloadConfig, error) {
	oc, err := c.OtherConfig(ctx)
	if err != nil {
		return OffloadConfig{}, err
	}
	cfg := OffloadConfig{
		// ovs-vswitchd reads the key with smap_get_bool, which compares
		// with "true" ignoring case: "True" (as some scripts write) is on.
		HWOffload: strings.EqualFold(oc[KeyHWOffload], "true"),
		TCPolicy:  TCPolicy(oc[KeyTCPolicy]),
	}
	if v, ok := oc[KeyMaxIdle]; ok {
		ms, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return cfg, c.wrap(ctx, "ovsdb read other_config", KeyMaxIdle, errs.Invalid("max-idle", v, "not milliseconds"))
		}
		cfg.MaxIdle = time.Duration(ms) * time.Millisecond
	}
	return cfg, nil
}

// SetHWOffload writes other_config:hw-offload. A running ovs-vswitchd
// turns its flow API on the first time it sees true (OVS 2.x-3.x,
// netdev_set_flow_api_enabled), with the tc-policy of that moment, and
// never off: turning it off, or changing tc-policy after, takes a restart,
// which the guides do in any case. The returned generation is for
// WaitApplied; ovs/offloadstate tells whether offload is then in effect.
func (c *Client) SetHWOffload(ctx context.Context, on bool) (Generation, error) {
	return c.setOtherConfig(ctx, map[string]string{KeyHWOffload: strconv.FormatBool(on)})
}

// SetTCPolicy writes other_config:tc-policy; TCPolicyUnset removes it. Like
// hw-offload, it is read when offload is initialised at startup.
func (c *Client) SetTCPolicy(ctx context.Context, p TCPolicy) (Generation, error) {
	if err := p.validate(); err != nil {
		return 0, err
	}
	return c.setOtherConfig(ctx, map[string]string{KeyTCPolicy: string(p)})
}

// SetMaxIdle writes other_config:max-idle in milliseconds; 0 removes it.
// OVS enforces a 500 ms minimum itself; values below 1 ms or above
// 2^32-1 ms are ErrInvalidArgument.
func (c *Client) SetMaxIdle(ctx context.Context, d time.Duration) (Generation, error) {
	v, err := maxIdleValue(d)
	if err != nil {
		return 0, err
	}
	return c.setOtherConfig(ctx, map[string]string{KeyMaxIdle: v})
}

// maxIdleValue is the other_config:max-idle text for d: "" (remove the
// key) for 0, else whole milliseconds in the range OVS parses.
func maxIdleValue(d time.Duration) (string, error) {
	if d == 0 {
		return "", nil
	}
	ms := d.Milliseconds()
	if ms < 1 || ms > 1<<32-1 {
		return "", errs.Invalid("max-idle", d.String(), "want 1 ms to 4294967295 ms")
	}
	return strconv.FormatInt(ms, 10), nil
}

// SetOffloadConfig writes all three keys in one transaction (unset values
// are removed). hw-offload and tc-policy take effect when ovs-vswitchd
// restarts.
func (c *Client) SetOffloadConfig(ctx context.Context, cfg OffloadConfig) (Generation, error) {
	if err := cfg.TCPolicy.validate(); err != nil {
		return 0, err
	}
	idle, err := maxIdleValue(cfg.MaxIdle)
	if err != nil {
		return 0, err
	}
	return c.setOtherConfig(ctx, map[string]string{
		KeyHWOffload: strconv.FormatBool(cfg.HWOffload), KeyTCPolicy: string(cfg.TCPolicy), KeyMaxIdle: idle})
}
