# offloadkit: one entry point for every test tier. `make test` is the README's
# test command and what CI runs (through .ci/run, after `make deps`).
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: test deps vet unit vmtest

test: vet unit vmtest

# Debian packages the tiers need; safe to run again.
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		openvswitch-switch python3-openvswitch python3-netaddr iproute2 \
		qemu-system-x86 busybox-static kmod cpio \
		linux-source-6.1 linux-source-6.12 bc flex bison libelf-dev libssl-dev make gcc libc6-dev xz-utils

vet:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Tier 1 (unit, fakes) and tier 2 (real ovsdb-server/ovs-vswitchd; skips with a
# reason when the binaries are missing). Test temp dirs go to tmpfs when there is
# one: the fake sysfs trees are many small files, and building the 16x256 tree
# takes ~2 s on tmpfs against ~25-70 s on this machine's ext4.
UNIT_TMPDIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})
unit:
	TMPDIR=$(UNIT_TMPDIR) $(GO) test -race -count=1 ./...
	@echo "offload/kube/upstreamcheck (separate module: generated YAML vs k8s.io/api and CNI types)"
	cd offload/kube/upstreamcheck && $(GO) test -count=1 ./...

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
VMTEST_DEBS = qemu-system-x86 busybox-static kmod cpio iproute2 openvswitch-switch \
	linux-source-6.1 linux-source-6.12 bc flex bison libelf-dev libssl-dev make gcc libc6-dev xz-utils
vmtest: vmtest-deps
	@rc=0; for k in $(or $(VMTEST_KERNEL),$(VMTEST_KERNELS)); do \
		echo "== vmtest on kernel $$k"; \
		$(GO) run ./internal/vmtest/cmd/vmtest -kernel $$k $(VMTEST_FLAGS) || rc=$$?; \
	done; exit $$rc

# Installs only what is missing, so a warm run does not touch apt.
.PHONY: vmtest-deps
vmtest-deps:
	@missing=""; for p in $(VMTEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "vmtest-deps: installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
