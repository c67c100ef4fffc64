// Package collector is a Prometheus collector (prometheus.Collector from
// github.com/prometheus/client_golang) for a node's offload state, meant to
// be registered by a CNI agent (Kube-OVN, Antrea, ovn-kubernetes) in its own
// registry, or served by `offloadctl agent`. Every value comes from the
// library's own calls, never from running a program: package offload for
// PFs, VFs and representors, offload/switchdev for the doctor's checks,
// ovs/unixctl and ovs/ovsdb for Open vSwitch, package tc for flower
// filters.
//
//	c := collector.New(collector.Config{Host: h, Engine: e, OVS: &collector.OVSConfig{}, TC: tcClient})
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(c)
//
// # Subsystems, deadline and errors
//
// A scrape runs four subsystems: "host" (sysfs, devlink, ethtool), "ovs"
// (ovs-vswitchd's control socket and OVSDB), "tc" (rtnetlink) and
// "doctor". Each scrape has a deadline (Config.Timeout, 10 s by default);
// the subsystems run side by side under it. A subsystem that fails, or is
// still running at the deadline, reports offloadkit_scrape_error{subsystem}
// 1 and whatever it had collected before failing (nothing, when it timed
// out); the other subsystems report as usual, so one slow or broken part
// never hides the rest. A subsystem left unconfigured (no OVS, no tc
// client, no engine) reports no series at all. "tc" needs the
// representor list of "host", so it starts when "host" is done.
//
// The doctor reads every PF again (Engine.Doctor discovers the host
// itself), so it is not run on every scrape: its last report is kept and
// refreshed on the first scrape after Config.DoctorInterval (5 minutes by
// default) has passed, or at once after Collector.RefreshDoctor.
// offloadkit_doctor_last_run_timestamp_seconds says how old the report is.
// Apart from such a refresh, one scrape reads each sysfs file at most once
// (the tests prove it on the 16 PF x 256 VF tree).
//
// # Metrics and label cardinality
//
// Every name starts with offloadkit_. Labels are bounded by the hardware,
// never by traffic or pods: no flow keys, no UFIDs, no pod names.
//
//	scrape_duration_seconds{subsystem}          gauge   4 subsystems
//	scrape_error{subsystem}                     gauge   1 when the subsystem failed or timed out
//	scrape_errors_total{subsystem}              counter since the collector was made
//	pfs                                         gauge   SR-IOV PFs found
//	pf_info{pf,id,driver,uplink}                gauge   1 per PF
//	pf_eswitch_mode{pf,mode}                    gauge   1 for the current mode, 0 for the others (4 modes)
//	pf_vfs{pf}, pf_vfs_supported{pf}                gauge   sriov_numvfs, sriov_totalvfs
//	pf_vf_representors{pf}                      gauge   VF representor netdevs found
//	pf_hw_tc_offload{pf,uplink}                 gauge   1 on, 0 off; absent when it cannot be read
//	pf_flow_steering_mode{pf,mode}              gauge   1; mlx5 PFs whose devlink answers
//	pf_bond_info{pf,bond,mode}                  gauge   1 per bonded PF
//	pf_vf_lag{pf}                               gauge   1 when the bond is a VF LAG (switchdev, LAG mode, 2 slaves)
//	vf_info{pf,vf,driver}                       gauge   1 per VF; vf is the index, driver "none" when unbound
//	vf_representor{pf,vf,representor}           gauge   1 found (representor is its netdev), 0 not found (representor "")
//	ovs_up                                      gauge   ovs-vswitchd answered on its control socket
//	ovs_hw_offload_enabled                      gauge   other_config:hw-offload is true
//	ovs_datapath_flows{datapath,placement}      gauge   per datapath (type@name) and placement (6 values)
//	ovs_datapath_packets{datapath,placement}    gauge   packets of the flows in the dump (not monotonic: flows expire)
//	ovs_datapath_bytes{datapath,placement}      gauge   bytes, likewise
//	tc_filters{pf,representor,state}            gauge   filters by state: in_hw, not_in_hw, skip_hw, unknown
//	representor_slow_path_packets_total{pf,representor} counter
//	representor_slow_path_bytes_total{pf,representor}   counter
//	doctor_check{check,subject,state}           gauge   1 for the check's state, 0 for the other states
//	doctor_last_run_timestamp_seconds           gauge   when the doctor report was made
//
// With P PFs, V VFs per PF and R representors, a host gives O(P*V + R)
// series: 16 PFs of 256 VFs give about 25,000. Placements are dpflow's
// (unknown, ovs, tc-software, hardware, dpdk-partial, dpdk-full): on the
// kernel datapath (system@...) "ovs" is the kernel datapath, on the
// userspace one (netdev@...) it is userspace. The offload ratio is
//
//	sum(offloadkit_ovs_datapath_flows{placement=~"hardware|dpdk-.*"}) / sum(offloadkit_ovs_datapath_flows)
//
// The slow path of a representor is the packets (bytes) its netdev
// received (statistics/rx_packets) minus the hardware counters of the
// flower filters on its ingress: what reached the kernel instead of being
// switched by the NIC. It is reported as a counter; it can step back when
// offloaded filters (and their hardware counts) go away.
//
// # Privileges and network namespaces
//
// Reading sysfs needs no privilege; devlink and ethtool reads neither. The
// OVS control socket and OVSDB socket need the permissions of their files
// (root on most hosts). Run in the host network namespace (hostNetwork in
// a pod) with the host's /sys mounted at the Host's root: rtnetlink and
// devlink answer for the namespace the collector runs in.
//
// # Errors
//
// Collect never fails as a whole; errors are metrics (above) and log
// records (Config.Logger, else the Host's logger), each naming the
// subsystem and the device or socket.
package collector
