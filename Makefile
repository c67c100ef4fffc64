# offloadkit: one entry point for every test tier. `make test` is the README's
# test command and what CI runs (.ci/run): on a fresh Debian machine it installs
# what the tiers need (deps), then runs static analysis, the unit tier with the
# real-OVS tests, and the real-kernel tier.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: test deps lint vet staticcheck tidy unit vmtest vmtest-deps

test: deps lint unit vmtest

# Debian packages the tiers need, one per line so that adding one is a one-line
# change. `make deps` installs the missing ones; the tests skip, with the
# reason, what they cannot run without them.
DEBS += openvswitch-switch    # real-OVS unit tests: ovsdb-server, ovs-vswitchd, ovs-vsctl, ovs-appctl
DEBS += python3-openvswitch   # ovs/dpflow: OVS's own flow parser, the reference for the side-by-side tests
DEBS += python3-netaddr       # ... which needs netaddr
DEBS += iproute2              # ip and tc, to cross-check the library in tests
DEBS += prometheus            # cmd/offloadctl: a real Prometheus scrapes the agent; promtool checks metrics and the scrape config
DEBS += qemu-system-x86       # vmtest: the guest
DEBS += busybox-static        # vmtest: the guest's userland
DEBS += kmod                  # vmtest: modules in the guest
DEBS += cpio                  # vmtest: initramfs tooling
DEBS += linux-source-6.1      # vmtest: the netdevsim kernel is built from it (then cached)
DEBS += linux-source-6.12     # vmtest: the second guest kernel (netdevsim-6.12), likewise
DEBS += bc                    # vmtest kernel build ...
DEBS += flex
DEBS += bison
DEBS += libelf-dev
DEBS += libssl-dev
DEBS += make
DEBS += gcc
DEBS += libc6-dev
DEBS += xz-utils
DEBS += ovn-common            # ovs/ovnnb: the OVN northbound schema its test serves with a real ovsdb-server

# Idempotent: touches apt only when a package is missing, or when apt has no
# package lists (vmtest fetches busybox-static and the Debian kernel with
# `apt-get download`). A warm run only asks dpkg. Not Debian: says so and
# leaves the machine alone.
deps:
	@if ! command -v dpkg >/dev/null 2>&1; then \
		echo "deps: no dpkg (not Debian); install by hand: $(strip $(DEBS))"; exit 0; \
	fi; \
	missing=""; for p in $(strip $(DEBS)); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	lists=$$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | head -n 1); \
	if [ -z "$$missing" ] && [ -n "$$lists" ]; then exit 0; fi; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	echo "deps: apt-get update$${missing:+; installing$$missing}"; \
	$$sudo apt-get update && \
	if [ -n "$$missing" ]; then \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

# The name `make vmtest` used before the list was shared.
vmtest-deps: deps

# Static analysis: gofmt, go vet, staticcheck, and go.mod/go.sum as `go mod
# tidy` leaves them, for every module in the tree.
lint: vet staticcheck tidy

vet:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# staticcheck 2026.1 (v0.7.0), which supports Go 1.25 and 1.26, run with
# `go run` at that exact version: nothing to install, the same on every
# machine. It runs twice, to see the vmtest-tagged files too. Findings that
# are wrong are silenced in the code with //lint:ignore and the reason.
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.7.0
STATICCHECK_PKGS ?= ./...
staticcheck:
	$(STATICCHECK) $(STATICCHECK_PKGS)
	$(STATICCHECK) -tags vmtest $(STATICCHECK_PKGS)
	cd hack/sriovnet-bench && $(STATICCHECK) ./...

tidy:
	@for m in $$(git ls-files 'go.mod' '*/go.mod'); do \
		d=$$(dirname $$m); echo "go mod tidy -diff ($$d)"; \
		(cd $$d && $(GO) mod tidy -diff) || exit 1; \
	done

# Tier 1 (unit, fakes) and tier 2 (real ovsdb-server/ovs-vswitchd; skips with a
# reason when the binaries are missing), in random order (-shuffle=on; go test
# prints the seed, rerun one with -shuffle=SEED). Test temp dirs go to tmpfs
# when there is one: the fake sysfs trees are many small files, and building
# the 16x256 tree takes ~2 s on tmpfs against ~25-70 s on this machine's ext4.
UNIT_TMPDIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})
unit:
	TMPDIR=$(UNIT_TMPDIR) $(GO) test -race -shuffle=on -count=1 ./...
	@echo "offload/kube/upstreamcheck (separate module: generated YAML vs k8s.io/api, CNI, Multus and Kube-OVN types, the operator CRDs)"
	cd offload/kube/upstreamcheck && $(GO) test -shuffle=on -count=1 ./...
	@echo "offload/sriovnet/consumers (separate module: the drop-in called as Antrea, Kube-OVN and ovn-kubernetes call sriovnet)"
	cd offload/sriovnet/consumers && $(GO) vet ./... && $(GO) test -race -shuffle=on -count=1 ./...

# Tier 3: boots a real kernel under qemu (TCG) and runs the vmtest-tagged tests
# there (internal/vmtest, hack/vmtest/README.md), once per kernel in
# VMTEST_KERNELS: netdevsim (built once from linux-source-6.1) and
# netdevsim-6.12 (from linux-source-6.12), each cached by its inputs. Pick one
# with VMTEST_KERNEL=netdevsim|netdevsim-6.12|debian (stock
# linux-image-6.1.0-N-amd64, no netdevsim). Cold, both kernels build one after
# the other under nice (see hack/vmtest/README.md for the times). Cache:
# ${OFFLOADKIT_CACHE:-$HOME/.cache/offloadkit}. VMTEST_FLAGS passes e.g.
# "-v -run TestX" to the harness.
VMTEST_KERNELS ?= netdevsim netdevsim-6.12
VMTEST_KERNEL ?=
VMTEST_FLAGS ?=
vmtest: deps
	@rc=0; for k in $(or $(VMTEST_KERNEL),$(VMTEST_KERNELS)); do \
		echo "== vmtest on kernel $$k"; \
		$(GO) run ./internal/vmtest/cmd/vmtest -kernel $$k $(VMTEST_FLAGS) || rc=$$?; \
	done; exit $$rc
