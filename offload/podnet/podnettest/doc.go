// Package podnettest stands real links in for a SmartNIC's VF netdev and its
// representor, so that podnet's plumbing (moving a VF into a pod namespace,
// renaming its representor, undoing both) can run against the kernel on a
// host without the hardware.
//
// A VF and its representor are, for everything podnet does with links, a
// pair of netdevs that can be renamed, aliased, set up and moved between
// namespaces: a veth pair does all of that, and unlike dummy links it needs
// no module the host kernel may lack. The pair is named as an
// offload/offloadtest tree names the VF netdev and its representor, so the
// fake sysfs and the real links agree.
//
// Network namespaces are bind-mounted under /var/run/netns, as a container
// runtime does for a pod, and created from a locked, throw-away thread so no
// goroutine of the caller ever runs inside them. Everything here needs root
// (CAP_SYS_ADMIN and CAP_NET_ADMIN); the testing.TB helpers skip, saying so,
// when that is missing, and remove what they made when the test ends.
//
// It is used by offload/podnet's own tests and by examples/cni-attach, whose
// -tree demo runs outside any test and so uses the plain functions:
//
//	hostNS := podnettest.NetNS(t, "host")
//	podnettest.StandIn(t, hostNS, "enp132s0f0v0", "enp132s0f0r0")
//	p := podnet.New(tree.Host(t), podnet.Config{HostNetNS: hostNS})
//
// The package is Linux-only; on other systems it is empty.
package podnettest
