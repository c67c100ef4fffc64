package collector

import "github.com/prometheus/client_golang/prometheus"

// descs are the Collector's metric descriptions, made once per Collector
// (no package-level state).
type descs struct {
	scrapeDuration, scrapeError, scrapeErrors *prometheus.Desc

	pfs, pfInfo, pfMode, pfVFs, pfVFsTotal, pfReps, pfHWTC, pfSteering, pfBond, pfVFLAG *prometheus.Desc
	vfInfo, vfRep                                                                       *prometheus.Desc

	ovsUp, ovsHWOffload, dpFlows, dpPackets, dpBytes *prometheus.Desc

	tcFilters, slowPackets, slowBytes *prometheus.Desc

	doctorCheck, doctorLastRun *prometheus.Desc
}

func newDescs() descs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("offloadkit_"+name, help, labels, nil)
	}
	return descs{
		scrapeDuration: d("scrape_duration_seconds", "Time a subsystem took in the last scrape (the scrape deadline when it timed out).", "subsystem"),
		scrapeError:    d("scrape_error", "1 when the subsystem failed or timed out in this scrape, else 0.", "subsystem"),
		scrapeErrors:   d("scrape_errors_total", "Scrapes in which the subsystem failed or timed out.", "subsystem"),

		pfs:        d("pfs", "SR-IOV capable physical functions found."),
		pfInfo:     d("pf_info", "One per PF: its PCI ID, driver and uplink netdev.", "pf", "id", "driver", "uplink"),
		pfMode:     d("pf_eswitch_mode", "1 for the PF's current eswitch mode, 0 for the other modes.", "pf", "mode"),
		pfVFs:      d("pf_vfs", "VFs configured on the PF (sriov_numvfs).", "pf"),
		pfVFsTotal: d("pf_vfs_supported", "VFs the PF supports (sriov_totalvfs).", "pf"),
		pfReps:     d("pf_vf_representors", "VF representor netdevs found for the PF.", "pf"),
		pfHWTC:     d("pf_hw_tc_offload", "1 when hw-tc-offload is on on the PF's uplink, 0 when off; absent when it cannot be read.", "pf", "uplink"),
		pfSteering: d("pf_flow_steering_mode", "1 for the mlx5 flow_steering_mode devlink parameter's value.", "pf", "mode"),
		pfBond:     d("pf_bond_info", "1 when the PF's uplink is enslaved to a bond, with the bond and its mode.", "pf", "bond", "mode"),
		pfVFLAG:    d("pf_vf_lag", "1 when the PF's bond is a VF LAG (switchdev, an active-backup, balance-xor or 802.3ad bond of two PFs), else 0.", "pf"),
		vfInfo:     d("vf_info", "One per VF, with the driver it is bound to (\"none\" when unbound).", "pf", "vf", "driver"),
		vfRep:      d("vf_representor", "1 when the VF's representor netdev was found (its name in representor), 0 when not.", "pf", "vf", "representor"),

		ovsUp:        d("ovs_up", "1 when ovs-vswitchd answered on its control socket in this scrape."),
		ovsHWOffload: d("ovs_hw_offload_enabled", "1 when other_config:hw-offload is true in OVSDB."),
		dpFlows:      d("ovs_datapath_flows", "Datapath flows in this scrape's dump, by datapath and placement.", "datapath", "placement"),
		dpPackets:    d("ovs_datapath_packets", "Packets counted by the datapath flows in the dump (flows expire: not monotonic).", "datapath", "placement"),
		dpBytes:      d("ovs_datapath_bytes", "Bytes counted by the datapath flows in the dump (flows expire: not monotonic).", "datapath", "placement"),

		tcFilters:   d("tc_filters", "tc filters on the representor's ingress (and egress with clsact), by offload state.", "pf", "representor", "state"),
		slowPackets: d("representor_slow_path_packets_total", "Packets the representor received in software: its rx_packets minus the hardware packet counters of its filters.", "pf", "representor"),
		slowBytes:   d("representor_slow_path_bytes_total", "Bytes the representor received in software: its rx_bytes minus the hardware byte counters of its filters.", "pf", "representor"),

		doctorCheck:   d("doctor_check", "1 for the doctor check's state, 0 for the other states.", "check", "subject", "state"),
		doctorLastRun: d("doctor_last_run_timestamp_seconds", "When the doctor report the checks come from was made (Unix time)."),
	}
}

func (d descs) all() []*prometheus.Desc {
	return []*prometheus.Desc{d.scrapeDuration, d.scrapeError, d.scrapeErrors,
		d.pfs, d.pfInfo, d.pfMode, d.pfVFs, d.pfVFsTotal, d.pfReps, d.pfHWTC, d.pfSteering, d.pfBond, d.pfVFLAG,
		d.vfInfo, d.vfRep, d.ovsUp, d.ovsHWOffload, d.dpFlows, d.dpPackets, d.dpBytes,
		d.tcFilters, d.slowPackets, d.slowBytes, d.doctorCheck, d.doctorLastRun}
}
