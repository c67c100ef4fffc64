package switchdev

import (
	"log/slog"

	"github.com/offloadkit/offloadkit/offload"
)

// Engine plans and applies switchdev changes on one Host, with the vendor
// backends it was given. It holds no state of its own beyond its
// configuration: the per-PF locks live in files under the run directory, so
// two Engines (in one process or two) on one host serialise on them.
type Engine struct {
	h        *offload.Host
	log      *slog.Logger
	backends []Backend
}

// Config configures New. The zero Config is valid: no vendor backends, so
// every PF is driven by GenericBackend and plans say so.
type Config struct {
	// Backends are the vendor backends the Engine may use, in order of
	// preference: the first that matches a PF drives it. There is no
	// global registry; pass vendor_mellanox.New(), vendor_corigine.New(),
	// vendor_yusur.New(...) as needed.
	Backends []Backend
}

// New returns an Engine for h. It logs to h's logger.
func New(h *offload.Host, cfg Config) *Engine {
	return &Engine{h: h, log: h.Logger(), backends: append([]Backend(nil), cfg.Backends...)}
}

// Host returns the Host the Engine drives.
func (e *Engine) Host() *offload.Host { return e.h }
