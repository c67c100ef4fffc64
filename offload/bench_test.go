package offload_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// BenchmarkVFRepresentor resolves VF representors on hosts of 16 PFs with
// 16, 64 and 256 VFs each. sysfs-reads/op is the steady-state cost of one
// lookup; it must not grow with the VF count (sriovnet reads every netdev
// of the PF per call). hack/sriovnet-bench runs sriovnet on the same tree.
func BenchmarkVFRepresentor(b *testing.B) {
	for _, vfs := range []int{16, 64, 256} {
		b.Run(fmt.Sprintf("16x%d", vfs), func(b *testing.B) {
			tr, err := offloadtest.Build(b.TempDir(), offloadtest.Large(16, vfs))
			if err != nil {
				b.Fatal(err)
			}
			h, err := tr.Open()
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var addrs []offload.PCIAddress
			for _, pf := range tr.Spec.PFs {
				a := offload.MustParsePCIAddress(pf.Address)
				vs, err := h.VFs(ctx, a)
				if err != nil {
					b.Fatal(err)
				}
				for _, v := range vs {
					addrs = append(addrs, v.Address)
				}
			}
			// Warm the representor index of every PF once.
			for _, a := range addrs {
				if _, err := h.VFRepresentor(ctx, a); err != nil {
					b.Fatal(err)
				}
			}
			start := h.FS().Reads()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := h.VFRepresentor(ctx, addrs[i%len(addrs)]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(h.FS().Reads()-start)/float64(b.N), "sysfs-reads/op")
		})
	}
}

// TestRepresentorLookupCostIsBounded checks the property the benchmark
// shows: in steady state a lookup reads the same number of sysfs files on a
// PF with 4 VFs as on one with 256.
func TestRepresentorLookupCostIsBounded(t *testing.T) {
	t.Parallel()
	cost := func(vfs int) int64 {
		tr := offloadtest.New(t, offloadtest.Large(1, vfs))
		h := tr.Host(t)
		ctx := context.Background()
		pf := offload.MustParsePCIAddress(tr.Spec.PFs[0].Address)
		all, err := h.VFs(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.VFRepresentor(ctx, all[0].Address); err != nil { // warm
			t.Fatal(err)
		}
		start := h.FS().Reads()
		last := all[len(all)-1]
		r, err := h.VFRepresentor(ctx, last.Address)
		if err != nil || r.PortName.VF != vfs-1 {
			t.Fatalf("VFRepresentor(%s) = %+v, %v", last.Address, r, err)
		}
		return h.FS().Reads() - start
	}
	small, large := cost(4), cost(256)
	if small != large || large > 3 {
		t.Fatalf("reads per lookup: %d with 4 VFs, %d with 256; want equal and at most 3", small, large)
	}
	t.Logf("sysfs reads per steady-state lookup: %d (4 VFs), %d (256 VFs)", small, large)
}
