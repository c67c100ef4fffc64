package switchdev

import (
	"log/slog"
	"time"

	"github.com/offloadkit/offloadkit/offload"
)

// Engine plans and applies switchdev changes on one Host, with the vendor
// backends it was given. It holds no state of its own beyond its
// configuration: the per-PF locks live in files under the run directory, so
// two Engines (in one process or two) on one host serialise on them.
type Engine struct {
	h           *offload.Host
	log         *slog.Logger
	backends    []Backend
	maxInFlight time.Duration
}

// DefaultMaxInFlightWait is how long a failed Apply waits, by default, for
// a sysfs write that outlived its step's deadline before reporting its
// outcome as unknown: longer than the slowest sriov_numvfs write the
// guides mention (about a minute for 125 mlx5 VFs), short enough that an
// agent does not hang for ever on a wedged driver.
const DefaultMaxInFlightWait = 5 * time.Minute

// Config configures New. The zero Config is valid: no vendor backends, so
// every PF is driven by GenericBackend and plans say so.
type Config struct {
	// Backends are the vendor backends the Engine may use, in order of
	// preference: the first that matches a PF drives it. There is no
	// global registry; pass vendor_mellanox.New(), vendor_corigine.New(),
	// vendor_yusur.New(...) as needed.
	Backends []Backend
	// MaxInFlightWait bounds how long a failed Apply waits for a sysfs
	// write still in the kernel after its step's deadline (sysfs writes
	// cannot be interrupted) before it re-reads and undoes what the write
	// did. A write that has not returned by then is reported as such
	// (ApplyError.InFlight) and the PF locks stay held until it returns.
	// 0 means DefaultMaxInFlightWait.
	MaxInFlightWait time.Duration
}

// New returns an Engine for h. It logs to h's logger.
func New(h *offload.Host, cfg Config) *Engine {
	e := &Engine{h: h, log: h.Logger(), backends: append([]Backend(nil), cfg.Backends...), maxInFlight: cfg.MaxInFlightWait}
	if e.maxInFlight <= 0 {
		e.maxInFlight = DefaultMaxInFlightWait
	}
	return e
}

// Host returns the Host the Engine drives.
func (e *Engine) Host() *offload.Host { return e.h }
