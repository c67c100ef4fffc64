module github.com/offloadkit/offloadkit/offload/sriovnet/sidebyside

go 1.25.0

require (
	github.com/k8snetworkplumbingwg/sriovnet v1.3.0
	github.com/offloadkit/offloadkit v0.0.0
	github.com/vishvananda/netlink v1.3.2-0.20251101063711-6e61cd407d1d
)

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mdlayher/genetlink v1.4.0 // indirect
	github.com/mdlayher/netlink v1.11.2 // indirect
	github.com/mdlayher/socket v0.6.0 // indirect
	github.com/spf13/afero v1.15.0 // indirect
	github.com/vishvananda/netns v0.0.5 // indirect
	golang.org/x/net v0.53.0 // indirect
	golang.org/x/sync v0.20.0 // indirect
	golang.org/x/sys v0.43.0 // indirect
	golang.org/x/text v0.36.0 // indirect
)

replace github.com/offloadkit/offloadkit => ../../..
