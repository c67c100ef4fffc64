package offload

import (
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Device names a device the way devlink does, bus and name:
// "pci/0000:84:00.0", "netdevsim/netdevsim10". Switch ports (uplinks and
// representors) hang off such a device in sysfs.
type Device struct {
	Bus  string
	Name string
}

// PCIDevice returns the Device of a PCI function.
func PCIDevice(a PCIAddress) Device { return Device{Bus: "pci", Name: a.String()} }

// ParseDevice parses "bus/name". The bus is a lower-case word; a pci name
// must be a PCI address; other names are plain sysfs names (no '/', not "."
// or "..", at most 64 bytes).
func ParseDevice(s string) (Device, error) {
	bus, name, ok := strings.Cut(s, "/")
	if !ok {
		return Device{}, errs.Invalid("device", s, "want bus/name, for example pci/0000:84:00.0")
	}
	d := Device{Bus: bus, Name: name}
	if err := d.validate(); err != nil {
		return Device{}, err
	}
	if d.Bus == "pci" {
		a, _ := ParsePCIAddress(name)
		d.Name = a.String()
	}
	return d, nil
}

func (d Device) validate() error {
	if d.Bus == "" || len(d.Bus) > 32 {
		return errs.Invalid("device bus", d.Bus, "empty or too long")
	}
	for i := 0; i < len(d.Bus); i++ {
		c := d.Bus[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return errs.Invalid("device bus", d.Bus, "only a-z, 0-9 and '_'")
		}
	}
	if d.Bus == "pci" {
		_, err := ParsePCIAddress(d.Name)
		return err
	}
	if d.Name == "" || d.Name == "." || d.Name == ".." || len(d.Name) > 64 || strings.ContainsAny(d.Name, "/\x00 \t\n") {
		return errs.Invalid("device name", d.Name, "not a plain sysfs name")
	}
	return nil
}

// String returns "bus/name".
func (d Device) String() string { return d.Bus + "/" + d.Name }

// MarshalText renders "bus/name".
func (d Device) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// dir returns the device's sysfs directory relative to the root.
func (d Device) dir() string { return "sys/bus/" + d.Bus + "/devices/" + d.Name }

// PortQuery selects one switch port of a device. Numbers that do not apply
// are -1; Controller 0 means the local controller (names without "c<N>").
type PortQuery struct {
	Flavour    PortFlavour
	Controller int
	PF         int // -1: any (the port must then be unambiguous)
	VF         int
	SF         int
}
