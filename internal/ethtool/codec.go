package ethtool

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
)

// Interface names a netdev by index or name; a zero Index means "by name".
type Interface struct {
	Index int
	Name  string
}

// String returns the name, or the index when there is no name.
func (i Interface) String() string {
	if i.Name != "" {
		return i.Name
	}
	return fmt.Sprintf("ifindex %d", i.Index)
}

// Bit is one bit of an ethtool bitset as it travels on the wire. Index -1
// (in requests) means "by name only".
type Bit struct {
	Index int
	Name  string
	Value bool
}

// Bitset is a decoded ETHTOOL_A_BITSET. With NoMask, Bits are the bits that
// are set; without, Bits are the bits in the mask with their values.
type Bitset struct {
	Size   int
	NoMask bool
	Bits   []Bit
}

// Feature is one netdev feature as `ethtool -k` shows it.
type Feature struct {
	Name  string
	Index int
	// Changeable is false for what ethtool marks "[fixed]": the driver
	// does not let the feature change (not in hw_features, or never
	// changeable).
	Changeable bool
	// Requested is what the user last asked for (wanted_features).
	Requested bool
	// Active is the feature's current state.
	Active bool
}

// Features is the feature list of one netdev, in bit order.
type Features []Feature

// Get returns the feature called name.
func (fs Features) Get(name string) (Feature, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Feature{}, false
}

// FeatureChange is one feature of a FEATURES_SET reply: in SetResult.NotApplied
// Value is what was requested; in SetResult.Changed it is the new state.
type FeatureChange struct {
	Name  string
	Value bool
}

// SetResult is the kernel's FEATURES_SET reply: NotApplied are requested
// bits whose result differs from the request; Changed are the active
// features that changed.
type SetResult struct {
	NotApplied []FeatureChange
	Changed    []FeatureChange
}

func putHeader(ae *netlink.AttributeEncoder, ifc Interface, flags uint32) {
	ae.Nested(attrFeaturesHeader, func(ae *netlink.AttributeEncoder) error {
		if ifc.Index != 0 {
			ae.Uint32(attrHeaderDevIndex, uint32(ifc.Index))
		}
		if ifc.Name != "" {
			ae.String(attrHeaderDevName, ifc.Name)
		}
		if flags != 0 {
			ae.Uint32(attrHeaderFlags, flags)
		}
		return nil
	})
}

func decodeHeader(ad *netlink.AttributeDecoder) (ifc Interface, flags uint32) {
	ad.Nested(func(ad *netlink.AttributeDecoder) error {
		for ad.Next() {
			switch ad.Type() {
			case attrHeaderDevIndex:
				ifc.Index = int(genl.Uint(ad.Bytes()))
			case attrHeaderDevName:
				ifc.Name = ad.String()
			case attrHeaderFlags:
				flags = uint32(genl.Uint(ad.Bytes()))
			}
		}
		return nil
	})
	return ifc, flags
}

// EncodeBitset writes bs in the verbose form into ae as attribute typ.
func EncodeBitset(ae *netlink.AttributeEncoder, typ uint16, bs Bitset) {
	ae.Nested(typ, func(ae *netlink.AttributeEncoder) error {
		if bs.NoMask {
			ae.Flag(attrBitsetNoMask, true)
		}
		if bs.Size > 0 {
			ae.Uint32(attrBitsetSize, uint32(bs.Size))
		}
		ae.Nested(attrBitsetBits, func(ae *netlink.AttributeEncoder) error {
			for _, b := range bs.Bits {
				ae.Nested(attrBitsetBitsBit, func(ae *netlink.AttributeEncoder) error {
					if b.Index >= 0 {
						ae.Uint32(attrBitIndex, uint32(b.Index))
					}
					if b.Name != "" {
						ae.String(attrBitName, b.Name)
					}
					if b.Value {
						ae.Flag(attrBitValue, true)
					}
					return nil
				})
			}
			return nil
		})
		return nil
	})
}

// DecodeBitset decodes the contents of a bitset attribute, verbose or
// compact. Bits of a verbose set without an index get Index -1.
func DecodeBitset(b []byte) (Bitset, error) {
	var bs Bitset
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return bs, err
	}
	var value, mask []byte
	var compact bool
	for ad.Next() {
		switch ad.Type() {
		case attrBitsetNoMask:
			bs.NoMask = true
		case attrBitsetSize:
			bs.Size = int(genl.Uint(ad.Bytes()))
		case attrBitsetValue:
			value, compact = ad.Bytes(), true
		case attrBitsetMask:
			mask = ad.Bytes()
		case attrBitsetBits:
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				for ad.Next() {
					if ad.Type() != attrBitsetBitsBit {
						continue
					}
					bit := Bit{Index: -1}
					ad.Nested(func(ad *netlink.AttributeDecoder) error {
						for ad.Next() {
							switch ad.Type() {
							case attrBitIndex:
								bit.Index = int(genl.Uint(ad.Bytes()))
							case attrBitName:
								bit.Name = ad.String()
							case attrBitValue:
								bit.Value = true
							}
						}
						return nil
					})
					if bs.NoMask {
						// In a list every listed bit is set.
						bit.Value = true
					}
					bs.Bits = append(bs.Bits, bit)
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return bs, err
	}
	if compact {
		// Both words arrays are u32s in host order, covering Size bits.
		n := bs.Size
		if max := len(value) * 8; n > max || n == 0 {
			n = max
		}
		for i := 0; i < n; i++ {
			v := bitAt(value, i)
			switch {
			case bs.NoMask || mask == nil:
				if v {
					bs.Bits = append(bs.Bits, Bit{Index: i, Value: true})
				}
			case bitAt(mask, i):
				bs.Bits = append(bs.Bits, Bit{Index: i, Value: v})
			}
		}
	}
	return bs, nil
}

func bitAt(words []byte, i int) bool {
	w := i / 32
	if (w+1)*4 > len(words) {
		return false
	}
	return binary.NativeEndian.Uint32(words[w*4:])&(1<<(i%32)) != 0
}

// EncodeFeatures builds a FEATURES_GET reply for ifc as the kernel does in
// the verbose form: HW lists every feature (mask) with its changeability
// (value); WANTED and ACTIVE list the set bits; NOCHANGE is empty.
func EncodeFeatures(ifc Interface, fs Features) ([]byte, error) {
	var hw, wanted, active Bitset
	hw.Size, wanted.Size, active.Size = len(fs), len(fs), len(fs)
	wanted.NoMask, active.NoMask = true, true
	for _, f := range fs {
		hw.Bits = append(hw.Bits, Bit{Index: f.Index, Name: f.Name, Value: f.Changeable})
		if f.Requested {
			wanted.Bits = append(wanted.Bits, Bit{Index: f.Index, Name: f.Name})
		}
		if f.Active {
			active.Bits = append(active.Bits, Bit{Index: f.Index, Name: f.Name})
		}
	}
	ae := netlink.NewAttributeEncoder()
	putHeader(ae, ifc, 0)
	EncodeBitset(ae, attrFeaturesHW, hw)
	EncodeBitset(ae, attrFeaturesWanted, wanted)
	EncodeBitset(ae, attrFeaturesActive, active)
	EncodeBitset(ae, attrFeaturesNoChange, Bitset{Size: len(fs), NoMask: true})
	return ae.Encode()
}

// DecodeFeatures decodes a FEATURES_GET reply. Names come from the HW set,
// which lists every feature the kernel knows; bits of the other sets are
// matched by index, so a compact reply decodes as well.
func DecodeFeatures(b []byte) (Interface, Features, error) {
	var ifc Interface
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return ifc, nil, err
	}
	sets := map[uint16]Bitset{}
	for ad.Next() {
		switch t := ad.Type(); t {
		case attrFeaturesHeader:
			ifc, _ = decodeHeader(ad)
		case attrFeaturesHW, attrFeaturesWanted, attrFeaturesActive, attrFeaturesNoChange:
			bs, err := DecodeBitset(ad.Bytes())
			if err != nil {
				return ifc, nil, fmt.Errorf("features bitset %d: %w", t, err)
			}
			sets[t] = bs
		}
	}
	if err := ad.Err(); err != nil {
		return ifc, nil, err
	}
	byIndex := map[int]*Feature{}
	var out Features
	for _, bit := range sets[attrFeaturesHW].Bits {
		if bit.Index < 0 {
			continue
		}
		out = append(out, Feature{Name: bit.Name, Index: bit.Index, Changeable: bit.Value})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	for i := range out {
		if out[i].Name == "" {
			out[i].Name = fmt.Sprintf("bit%d", out[i].Index)
		}
		byIndex[out[i].Index] = &out[i]
	}
	apply := func(t uint16, set func(f *Feature, v bool)) {
		for _, bit := range sets[t].Bits {
			if f := byIndex[bit.Index]; f != nil {
				set(f, bit.Value)
			}
		}
	}
	apply(attrFeaturesWanted, func(f *Feature, v bool) { f.Requested = v })
	apply(attrFeaturesActive, func(f *Feature, v bool) { f.Active = v })
	apply(attrFeaturesNoChange, func(f *Feature, v bool) { f.Changeable = f.Changeable && !v })
	return ifc, out, nil
}

// EncodeFeaturesGet builds a FEATURES_GET request.
func EncodeFeaturesGet(ifc Interface) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHeader(ae, ifc, 0)
	return ae.Encode()
}

// EncodeFeaturesSet builds a FEATURES_SET request that changes the named
// features and leaves the others (value/mask form, by name, sorted).
func EncodeFeaturesSet(ifc Interface, want map[string]bool) ([]byte, error) {
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	var bs Bitset
	for _, n := range names {
		bs.Bits = append(bs.Bits, Bit{Index: -1, Name: n, Value: want[n]})
	}
	ae := netlink.NewAttributeEncoder()
	putHeader(ae, ifc, 0)
	EncodeBitset(ae, attrFeaturesWanted, bs)
	return ae.Encode()
}

// FeaturesRequest is a decoded FEATURES_GET or FEATURES_SET request; Wanted
// is nil for a GET.
type FeaturesRequest struct {
	Interface Interface
	Flags     uint32
	Wanted    *Bitset
}

// DecodeFeaturesRequest decodes a FEATURES_GET or FEATURES_SET request.
func DecodeFeaturesRequest(b []byte) (FeaturesRequest, error) {
	var r FeaturesRequest
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return r, err
	}
	for ad.Next() {
		switch ad.Type() {
		case attrFeaturesHeader:
			r.Interface, r.Flags = decodeHeader(ad)
		case attrFeaturesWanted:
			bs, err := DecodeBitset(ad.Bytes())
			if err != nil {
				return r, err
			}
			r.Wanted = &bs
		}
	}
	return r, ad.Err()
}

// EncodeFeaturesSetReply builds the FEATURES_SET reply: WANTED holds the
// requested bits whose result differs from the request, with the requested
// value; ACTIVE holds the bits that changed, with their new value. Bits
// need Index and Name, as the kernel sends both.
func EncodeFeaturesSetReply(ifc Interface, size int, notApplied, changed []Bit) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHeader(ae, ifc, 0)
	EncodeBitset(ae, attrFeaturesWanted, Bitset{Size: size, Bits: notApplied})
	EncodeBitset(ae, attrFeaturesActive, Bitset{Size: size, Bits: changed})
	return ae.Encode()
}

// DecodeFeaturesSetReply decodes a FEATURES_SET reply. Bits without names
// (a compact reply) are named "bit<N>".
func DecodeFeaturesSetReply(b []byte) (SetResult, error) {
	var r SetResult
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return r, err
	}
	for ad.Next() {
		t := ad.Type()
		if t != attrFeaturesWanted && t != attrFeaturesActive {
			continue
		}
		bs, err := DecodeBitset(ad.Bytes())
		if err != nil {
			return r, err
		}
		for _, bit := range bs.Bits {
			name := bit.Name
			if name == "" {
				name = fmt.Sprintf("bit%d", bit.Index)
			}
			c := FeatureChange{Name: name, Value: bit.Value}
			if t == attrFeaturesWanted {
				r.NotApplied = append(r.NotApplied, c)
			} else {
				r.Changed = append(r.Changed, c)
			}
		}
	}
	return r, ad.Err()
}
