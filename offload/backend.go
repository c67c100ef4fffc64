package offload

// Backend is one vendor's knowledge of its SmartNICs: which PCI functions it
// drives and, as the switchdev engine grows, how to bring them into
// switchdev mode. Backends are handed to Open explicitly with WithBackends;
// there is no global registry, so two Hosts may use different sets.
type Backend interface {
	// Name names the backend in plans and reports, e.g. "mellanox".
	Name() string
	// Matches reports whether the backend drives a PCI function with this
	// vendor:device ID bound to driver (driver may be empty when unbound).
	Matches(id PCIID, driver string) bool
}

// WithBackends gives the Host the vendor backends it may use, in order of
// preference: the first that matches a PF drives it.
func WithBackends(b ...Backend) Option {
	return func(c *config) { c.backends = append(c.backends, b...) }
}

// Backends returns the backends the Host was opened with.
func (h *Host) Backends() []Backend { return append([]Backend(nil), h.backends...) }

// BackendFor returns the first backend that matches id and driver, or nil.
func (h *Host) BackendFor(id PCIID, driver string) Backend {
	for _, b := range h.backends {
		if b.Matches(id, driver) {
			return b
		}
	}
	return nil
}
