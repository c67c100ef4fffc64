package offload

import "sort"

// Switch is one switch ID as the kernel shows it: every port whose
// phys_switch_id is ID. The driver chooses what shares an ID: mlx5 derives
// it from the card-wide system image GUID, so both ports of one ConnectX
// card (and a BlueField's ECPF) report the same ID, while two cards differ;
// nfp and ice report one per PF. The ID is compared whole (8 bytes on mlx5,
// 32 on netdevsim), never truncated.
type Switch struct {
	ID           string        `json:"phys_switch_id"`
	PFs          []PCIAddress  `json:"pfs"`
	Uplinks      []string      `json:"uplinks"`
	Representors []Representor `json:"representors"`
}

// GroupBySwitch groups discovered PFs and their ports by phys_switch_id.
// PFs without one (legacy mode, no switchdev driver) are left out. The
// result is sorted by ID.
func GroupBySwitch(pfs []PF) []Switch {
	byID := map[string]*Switch{}
	for _, pf := range pfs {
		ids := map[string]bool{}
		for _, nd := range pf.Netdevs {
			if nd.SwitchID != "" {
				ids[nd.SwitchID] = true
				sw := switchFor(byID, nd.SwitchID)
				if nd.PortName.Flavour == PortFlavourPhysical {
					sw.Uplinks = append(sw.Uplinks, nd.Name)
				}
			}
		}
		for _, r := range pf.Representors {
			if r.SwitchID != "" {
				ids[r.SwitchID] = true
				sw := switchFor(byID, r.SwitchID)
				sw.Representors = append(sw.Representors, r)
			}
		}
		for id := range ids {
			sw := byID[id]
			sw.PFs = append(sw.PFs, pf.Address)
		}
	}
	out := make([]Switch, 0, len(byID))
	for _, sw := range byID {
		sortRepresentors(sw.Representors)
		out = append(out, *sw)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func switchFor(m map[string]*Switch, id string) *Switch {
	if sw, ok := m[id]; ok {
		return sw
	}
	sw := &Switch{ID: id}
	m[id] = sw
	return sw
}
