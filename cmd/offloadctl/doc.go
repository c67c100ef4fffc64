// Command offloadctl is the operator's command for SmartNIC offload on one
// node: what the vendors' Kube-OVN and Antrea offload guides do by hand,
// through offloadkit's library calls (it never runs ip, devlink, ethtool,
// tc or ovs-* programs).
//
//	offloadctl discover [-tree NAME | -root DIR]     PFs, VFs, representors
//	offloadctl plan     [-config FILE | -pf PCI -vfs N ...]   the switchdev plan (dry run)
//	offloadctl apply    [-config FILE | -pf PCI -vfs N ...]   plan and apply, rollback on failure
//	offloadctl doctor                                prerequisites and pitfalls
//	offloadctl flows    [-file DUMP | -ovs-rundir DIR]        datapath flows by placement
//	offloadctl tc       -file RECORDING | -dev NETDEV         tc filters and their offload state
//	offloadctl k8s                                   device plugin ConfigMap, NADs, sample pod
//	offloadctl agent    -config FILE -listen ADDR    node agent: apply, /metrics, /healthz, /readyz
//
// Every subcommand takes -h. The host is the one offloadctl runs on (read
// below -root, "/" by default: a pod mounts the host's /sys and /proc
// elsewhere, such as -root /host), or a bundled fake host (-tree NAME, with
// a fake kernel: nothing on this machine is touched; -tree list lists
// them). Changes need root on a real host. With -root, offloadctl talks to
// no kernel (the tree may be a copy) unless -host-kernel says -root is this
// host's filesystem mounted elsewhere; the agent assumes so (its pod
// mounts the host's /sys and /proc below /host and runs with hostNetwork).
//
// # Output
//
// Tables for people by default; -o json prints one JSON document on
// stdout for tools (the agent logs JSON lines instead). Progress and
// warnings go to stderr. The JSON shapes:
//
//	discover: {"root","tree","pfs":[offload.PF]}
//	plan, apply: {"root","tree","plans":[{"pf","plan":switchdev.Plan,"error","applied","apply_error"}],"after":[{"state":switchdev.PFState,"summary"}]}
//	doctor:   {"notes":["..."],"checks":[{"name","subject","status","detail","fix"}]}  (status: ok, fail, unknown)
//	flows:    {"source","total","offloaded","by_placement":{PLACEMENT:{"flows","packets","bytes"}},"ports":[...],"findings":[...],"errors":[...]}
//	tc:       [tc.Offload] ({"interface","ifindex","filters":[...],"in_hw","not_in_hw","skip_hw","unknown","hw_packets","hw_bytes"})
//	k8s:      the objects as a JSON list (YAML by default)
//
// # Exit codes
//
//	0  done; for doctor: every check ok
//	1  an operation failed (a read, a plan, an apply: the message says which)
//	2  usage: unknown subcommand, bad flag or flag value, bad config file
//	3  doctor: at least one check failed (fail); plan/apply: a PF could not be planned or applied
//	4  doctor: no check failed, but at least one could not tell (unknown:
//	   on a bundled or copied tree the host-only checks always are)
//
// # The node config (plan, apply, agent)
//
// YAML, read with sigs.k8s.io/yaml in strict mode (unknown keys are
// errors): the Kubernetes ecosystem's YAML library, which maps YAML onto
// the json tags, so the config reads like a Kubernetes object and a
// ConfigMap can carry it unchanged. Example (deploy/configmap.yaml):
//
//	pfs:
//	- pci: "0000:84:00.0"          # or selector: {vendor: "15b3", device: "1017", driver: mlx5_core}
//	  vfs: 4                       # absent: keep the current count
//	  eswitchMode: switchdev       # default switchdev
//	  flowSteering: smfs           # mlx5; absent: keep
//	  hwTCOffload: true            # default true
//	  bond: vf-lag                 # refuse (default), release, vf-lag
//	ovs:
//	  hwOffload: true              # other_config:hw-offload (takes effect when ovs-vswitchd restarts)
//
// # The agent
//
// `offloadctl agent` reads the node config, plans and applies it at start
// and again on SIGHUP (each plan is logged, then applied; a failed step
// rolls back), serves /metrics (package offload/collector), /healthz (the
// process is serving) and /readyz (200 only once the config is applied and
// a fresh plan is empty), logs JSON lines with log/slog, and exits 0 on
// SIGTERM or SIGINT after closing its listener. deploy/ has a DaemonSet,
// a ConfigMap and a scrape config.
package main
