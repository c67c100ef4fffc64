package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/k8s")

const goldenDir = "../../testdata/k8s"

// objectsFor builds what examples/k8sgen prints for a tree: the ConfigMap,
// both NADs per resource, and a pod.
func objectsFor(t *testing.T, tree string) (cfg DevicePluginConfig, objs []any) {
	t.Helper()
	h := offloadtest.NewByName(t, tree).Host(t)
	pfs, err := h.Discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ResourcesFromPFs(pfs)
	if err != nil {
		t.Fatal(err)
	}
	cfg = DevicePluginConfig{ResourceList: res}
	cm, err := DevicePluginConfigMap(cfg, "kube-system")
	if err != nil {
		t.Fatal(err)
	}
	objs = append(objs, cm)
	for _, r := range res {
		ovn, err := KubeOVNNAD("sriov", "default", r.Resource())
		if err != nil {
			t.Fatal(err)
		}
		antrea, err := AntreaNAD("antrea-sriov", "kube-system", r.Resource())
		if err != nil {
			t.Fatal(err)
		}
		pod, err := VFPod(VFPodSpec{Name: "nginx", Namespace: "default", Image: "docker.io/library/nginx:alpine", NAD: ovn, LogicalSwitch: "ovn-default"})
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, ovn, antrea, pod)
	}
	return cfg, objs
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join(goldenDir, name)
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", p, d)
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tree := range []string{"cx5-switchdev", "agilio-flower", "yusur-2200e", "cx5-legacy"} {
		t.Run(tree, func(t *testing.T) {
			t.Parallel()
			cfg, objs := objectsFor(t, tree)
			js, err := indentJSON(cfg)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tree+".config.json", []byte(js))
			y, err := YAML(objs...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tree+".yaml", y)
		})
	}
}

// The mirrors below copy the field names and tags of the upstream types
// (sriov-network-device-plugin pkg/types ResourceConfList and the
// NetDeviceSelectors it embeds; network-attachment-definition-client
// NetworkAttachmentDefinition; containernetworking/cni NetConfList and
// NetConf, kube-ovn's server_socket and provider; core/v1 ConfigMap and
// Pod, the fields used here). Importing the real types here would pull
// k8s.io/apimachinery, ghw and gRPC into the module, which the project does
// not allow; the strict decode below fails on any field the upstream type
// lacks. upstreamcheck/, a module of its own, does the same with the real
// core/v1 and CNI types (the NAD client module is not on the proxy).
type upResourceConfList struct {
	ResourceList []upResourceConfig `json:"resourceList"`
}

type upResourceConfig struct {
	ResourcePrefix  string                       `json:"resourcePrefix,omitempty"`
	ResourceName    string                       `json:"resourceName"`
	DeviceType      string                       `json:"deviceType,omitempty"`
	ExcludeTopology bool                         `json:"excludeTopology,omitempty"`
	Selectors       *json.RawMessage             `json:"selectors,omitempty"`
	AdditionalInfo  map[string]map[string]string `json:"additionalInfo,omitempty"`
}

type upDeviceSelectors struct {
	Vendors []string `json:"vendors,omitempty"`
	Devices []string `json:"devices,omitempty"`
	Drivers []string `json:"drivers,omitempty"`
}

type upGenericPciDeviceSelectors struct {
	PciAddresses []string `json:"pciAddresses,omitempty"`
}

type upGenericNetDeviceSelectors struct {
	PfNames     []string `json:"pfNames,omitempty"`
	RootDevices []string `json:"rootDevices,omitempty"`
	LinkTypes   []string `json:"linkTypes,omitempty"`
	IsRdma      bool     // upstream has no tag: encoding/json matches "isRdma" case-insensitively
	AcpiIndexes []string `json:"acpiIndexes,omitempty"`
}

type upNetDeviceSelectors struct {
	upDeviceSelectors
	upGenericPciDeviceSelectors
	upGenericNetDeviceSelectors
	DDPProfiles  []string `json:"ddpProfiles,omitempty"`
	NeedVhostNet bool     // no tag upstream either
	VdpaType     string   `json:"vdpaType,omitempty"`
	PKeys        []string `json:"pKeys,omitempty"`
}

type upObjectMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type upNAD struct {
	Kind       string       `json:"kind,omitempty"`
	APIVersion string       `json:"apiVersion,omitempty"`
	Metadata   upObjectMeta `json:"metadata,omitempty"`
	Spec       struct {
		Config string `json:"config"`
	} `json:"spec"`
}

type upNetConfList struct {
	CNIVersion   string            `json:"cniVersion,omitempty"`
	Name         string            `json:"name,omitempty"`
	DisableCheck bool              `json:"disableCheck,omitempty"`
	Plugins      []json.RawMessage `json:"plugins,omitempty"`
}

// upNetConf is CNI's NetConf plus the plugin-specific keys kube-ovn reads.
type upNetConf struct {
	CNIVersion   string          `json:"cniVersion,omitempty"`
	Name         string          `json:"name,omitempty"`
	Type         string          `json:"type,omitempty"`
	Capabilities map[string]bool `json:"capabilities,omitempty"`
	IPAM         struct {
		Type string `json:"type,omitempty"`
	} `json:"ipam,omitempty"`
	ServerSocket string `json:"server_socket"`
	Provider     string `json:"provider"`
}

type upConfigMap struct {
	Kind       string            `json:"kind,omitempty"`
	APIVersion string            `json:"apiVersion,omitempty"`
	Metadata   upObjectMeta      `json:"metadata,omitempty"`
	Data       map[string]string `json:"data,omitempty"`
}

type upPod struct {
	Kind       string       `json:"kind,omitempty"`
	APIVersion string       `json:"apiVersion,omitempty"`
	Metadata   upObjectMeta `json:"metadata,omitempty"`
	Spec       struct {
		Containers []struct {
			Name      string   `json:"name"`
			Image     string   `json:"image,omitempty"`
			Command   []string `json:"command,omitempty"`
			Resources struct {
				Limits   map[string]string `json:"limits,omitempty"`
				Requests map[string]string `json:"requests,omitempty"`
			} `json:"resources,omitempty"`
		} `json:"containers"`
	} `json:"spec"`
}

func strict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("strict decode into %T: %v\n%s", v, err, data)
	}
}

func TestStrictUpstreamFields(t *testing.T) {
	t.Parallel()
	for _, tree := range []string{"cx5-switchdev", "agilio-flower", "yusur-2200e"} {
		t.Run(tree, func(t *testing.T) {
			t.Parallel()
			cfg, objs := objectsFor(t, tree)
			cfg.ResourceList[0].Selectors.IsRdma = true // prove the untagged upstream fields match too
			cfg.ResourceList[0].Selectors.NeedVhostNet = true
			js, _ := json.Marshal(cfg)
			var list upResourceConfList
			strict(t, js, &list)
			if len(list.ResourceList) != len(cfg.ResourceList) {
				t.Fatalf("got %d resources, want %d", len(list.ResourceList), len(cfg.ResourceList))
			}
			for i, r := range list.ResourceList {
				var sel upNetDeviceSelectors
				strict(t, *r.Selectors, &sel)
				want := cfg.ResourceList[i]
				if r.ResourceName != want.ResourceName || r.ResourcePrefix != want.ResourcePrefix {
					t.Errorf("resource %d: got %s/%s", i, r.ResourcePrefix, r.ResourceName)
				}
				if i == 0 && (!sel.IsRdma || !sel.NeedVhostNet) {
					t.Errorf("isRdma/needVhostNet did not reach the upstream fields: %+v", sel)
				}
				if d := cmp.Diff(want.Selectors.Vendors, sel.Vendors); d != "" {
					t.Errorf("vendors (-want +got):\n%s", d)
				}
				if len(sel.PfNames)+len(sel.RootDevices) == 0 {
					t.Errorf("resource %d selects no PFs", i)
				}
			}
			for _, o := range objs {
				js, err := json.Marshal(o)
				if err != nil {
					t.Fatal(err)
				}
				switch o := o.(type) {
				case *ConfigMap:
					var cm upConfigMap
					strict(t, js, &cm)
					var inner upResourceConfList
					strict(t, []byte(cm.Data["config.json"]), &inner)
				case *NetworkAttachmentDefinition:
					var nad upNAD
					strict(t, js, &nad)
					var conf upNetConfList
					strict(t, []byte(nad.Spec.Config), &conf)
					for _, p := range conf.Plugins {
						var nc upNetConf
						strict(t, p, &nc)
						if nc.Type == "kube-ovn" && nc.Provider != KubeOVNProvider(o.Metadata.Name, o.Metadata.Namespace) {
							t.Errorf("provider %q", nc.Provider)
						}
					}
					if nad.Metadata.Annotations[AnnotationResourceName] == "" {
						t.Errorf("NAD %s has no resourceName annotation", nad.Metadata.Name)
					}
				case *Pod:
					var p upPod
					strict(t, js, &p)
				default:
					t.Fatalf("unexpected object %T", o)
				}
			}
		})
	}
}

// TestYAMLReadsBackAsJSON parses the YAML with PyYAML and compares it with
// the JSON of the same objects, so the emitter's quoting and literal blocks
// are checked by an independent reader.
func TestYAMLReadsBackAsJSON(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: no independent YAML reader to cross-check with")
	}
	if err := exec.Command(py, "-c", "import yaml").Run(); err != nil {
		t.Skip("python3 has no yaml module (Debian: python3-yaml): no independent YAML reader")
	}
	_, objs := objectsFor(t, "cx5-switchdev")
	tricky := &ConfigMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: ObjectMeta{Name: "tricky"}, Data: map[string]string{
		"yes": "no", "num": "0123", "colon": "a: b", "hash": "a #b", "empty": "", "lead": " x\ny", "tab": "a\tb",
		"two": "a\n\n", "nonl": "a\nb", "quote": `"q'`, "unicode": "é", "html": "<a&b>", "dash": "-x", "null": "~",
	}}
	objs = append(objs, tricky)
	y, err := YAML(objs...)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", "import sys, yaml, json; json.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout)")
	cmd.Stdin = bytes.NewReader(y)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("PyYAML rejected the output: %v\n%s", err, y)
	}
	var got, want []any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(objs)
	if err := json.Unmarshal(js, &want); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("YAML read back differs from the JSON (-json +yaml):\n%s\n%s", d, y)
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	res := ResourceName{Prefix: "mellanox.com", Name: "cx5_sriov_switchdev"}
	cases := []struct {
		name string
		err  error
	}{
		{"nad name upper", func() error { _, err := KubeOVNNAD("Sriov", "default", res); return err }()},
		{"nad name underscore", func() error { _, err := KubeOVNNAD("my_net", "default", res); return err }()},
		{"nad namespace dot", func() error { _, err := AntreaNAD("a", "kube.system", res); return err }()},
		{"nad no namespace", func() error { _, err := AntreaNAD("a", "", res); return err }()},
		{"resource dash", func() error {
			_, err := KubeOVNNAD("a", "b", ResourceName{Prefix: "mellanox.com", Name: "cx5-sriov"})
			return err
		}()},
		{"resource reserved prefix", func() error { _, err := ParseResourceName("kubernetes.io/vf"); return err }()},
		{"resource no slash", func() error { _, err := ParseResourceName("mellanox.com"); return err }()},
		{"resource prefix upper", func() error { _, err := ParseResourceName("Mellanox.com/vf"); return err }()},
		{"label too long", ValidateDNS1123Label("name", strings.Repeat("a", 64))},
		{"label trailing dash", ValidateDNS1123Label("name", "a-")},
		{"subdomain empty part", ValidateDNS1123Subdomain("name", "a..b")},
		{"pfName range reversed", func() error { _, err := ParsePFName("p0#3-1"); return err }()},
		{"pfName bad ifname", func() error { _, err := ParsePFName("a/b#0-1"); return err }()},
		{"pfName sign", func() error { _, err := ParsePFName("p0#+1"); return err }()},
		{"vendor upper", (NetDeviceSelectors{Vendors: []string{"15B3"}}).Validate()},
		{"device short", (NetDeviceSelectors{Devices: []string{"101"}}).Validate()},
		{"pci bad", (NetDeviceSelectors{RootDevices: []string{"0000:84:00.0/../x"}}).Validate()},
		{"acpi not digits", (NetDeviceSelectors{AcpiIndexes: []string{"1a"}}).Validate()},
		{"device type", (ResourceConfig{ResourceName: "x", DeviceType: "gpu"}).Validate()},
		{"duplicate", (DevicePluginConfig{ResourceList: []ResourceConfig{{ResourceName: "x"}, {ResourceName: "x"}}}).Validate()},
		{"pod no nad", func() error { _, err := VFPod(VFPodSpec{Name: "p", Image: "i"}); return err }()},
		{"antrea logical switch", func() error {
			nad, err := AntreaNAD("a", "b", res)
			if err != nil {
				return err
			}
			_, err = VFPod(VFPodSpec{Name: "p", Image: "i", NAD: nad, LogicalSwitch: "ls"})
			return err
		}()},
	}
	for _, c := range cases {
		if !errors.Is(c.err, errs.ErrInvalidArgument) {
			t.Errorf("%s: got %v, want ErrInvalidArgument", c.name, c.err)
		}
	}
	for _, ok := range []string{"p0", "p0#0-3", "enp132s0f0np0#0,2-4", "p0#7"} {
		p, err := ParsePFName(ok)
		if err != nil || p.String() != ok {
			t.Errorf("ParsePFName(%q) = %v, %v; want it back", ok, p, err)
		}
	}
}

func FuzzParsePFName(f *testing.F) {
	for _, s := range []string{"p0", "p0#0-3", "enp132s0f0np0#0,2-4", "#", "p0#", "p0#-1", "p0#1-", "a#1,,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePFName(s)
		if err != nil {
			return
		}
		q, err := ParsePFName(p.String())
		if err != nil {
			t.Fatalf("ParsePFName(%q) ok but its String %q does not parse: %v", s, p.String(), err)
		}
		if !cmp.Equal(p, q) {
			t.Fatalf("round trip %q: %+v != %+v", s, p, q)
		}
	})
}

func FuzzParseResourceName(f *testing.F) {
	for _, s := range []string{"mellanox.com/cx5_sriov_switchdev", "yusur.tech/sriov_dpu", "a/b", "/", "a.b/", "k8s.io/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseResourceName(s)
		if err != nil {
			if !errors.Is(err, errs.ErrInvalidArgument) {
				t.Fatalf("error %v is not ErrInvalidArgument", err)
			}
			return
		}
		if r.String() != s {
			t.Fatalf("%q parsed to %q", s, r)
		}
	})
}

// TestResourcesMultiVendor: a host with a ConnectX-5 pair in switchdev, an
// Agilio and a YUSUR card gets one resource per vendor, sorted, each
// selecting only its own PFs; a legacy PF of the same vendor stays out.
func TestResourcesMultiVendor(t *testing.T) {
	t.Parallel()
	spec := offloadtest.CX5Switchdev()
	spec.PFs = append(spec.PFs, offloadtest.AgilioFlower().PFs...)
	spec.PFs = append(spec.PFs, offloadtest.Yusur2200E().PFs...)
	legacy := offloadtest.CX5Legacy().PFs[0]
	legacy.Address, legacy.Netdev, legacy.VFNetdev = "0000:85:00.0", "enp133s0f0np0", "enp133s0f0v%d"
	spec.PFs = append(spec.PFs, legacy)
	spec.Netdevs = []string{"lo"}
	h := offloadtest.New(t, spec).Host(t)
	pfs, err := h.Discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		o    ResourcesOptions
		want []string
	}{
		// The guides' form: pfNames without VF ranges (they would go stale
		// when sriov_numvfs changes), no drivers for YUSUR (guide 000 has
		// none), no isRdma.
		{ResourcesOptions{}, []string{
			"corigine.com/agilio_sriov 19ee 6003 nfp_netvf ens47np0 rdma=false",
			"mellanox.com/cx5_sriov_switchdev 15b3 1018 mlx5_core enp132s0f0np0,enp132s0f1np1 rdma=false",
			"yusur.tech/sriov_dpu 1f47 110f  p0 rdma=false",
		}},
		// Ranges when asked for; isRdma (the Antrea guide) only on mlx5.
		{ResourcesOptions{VFRanges: true, RDMA: true}, []string{
			"corigine.com/agilio_sriov 19ee 6003 nfp_netvf ens47np0#0-3 rdma=false",
			"mellanox.com/cx5_sriov_switchdev 15b3 1018 mlx5_core enp132s0f0np0#0-3,enp132s0f1np1#0-3 rdma=true",
			"yusur.tech/sriov_dpu 1f47 110f  p0#0-6 rdma=false",
		}},
	} {
		res, err := ResourcesFromPFsWith(pfs, tc.o)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res {
			var pf []string
			for _, p := range r.Selectors.PFNames {
				pf = append(pf, p.String())
			}
			got = append(got, fmt.Sprintf("%s %s %s %s %s rdma=%v", r.Resource(), strings.Join(r.Selectors.Vendors, ","), strings.Join(r.Selectors.Devices, ","),
				strings.Join(r.Selectors.Drivers, ","), strings.Join(pf, ","), r.Selectors.IsRdma))
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%+v: (-want +got):\n%s", tc.o, d)
		}
		if err := (DevicePluginConfig{ResourceList: res}).Validate(); err != nil {
			t.Error(err)
		}
	}
	if plain, _ := ResourcesFromPFs(pfs); !cmp.Equal(plain, func() []ResourceConfig { r, _ := ResourcesFromPFsWith(pfs, ResourcesOptions{}); return r }()) {
		t.Error("ResourcesFromPFs differs from ResourcesFromPFsWith with zero options")
	}
}

// TestDefaultResource pins the resource name of every vendor the guides
// name, both Agilio vendor IDs included, and refuses the others.
func TestDefaultResource(t *testing.T) {
	t.Parallel()
	for v, want := range map[offload.VendorID]string{
		offload.VendorMellanox: "mellanox.com/cx5_sriov_switchdev", offload.VendorNetronome: "corigine.com/agilio_sriov",
		offload.VendorCorigine: "corigine.com/agilio_sriov", offload.VendorYUSUR: "yusur.tech/sriov_dpu",
		offload.VendorIntel: "intel.com/ice_sriov_switchdev",
	} {
		r, ok := DefaultResource(v)
		if !ok || r.String() != want {
			t.Errorf("DefaultResource(%s) = %v, %v; want %s", v, r, ok, want)
		}
	}
	if r, ok := DefaultResource(0x8086 + 1); ok {
		t.Errorf("unknown vendor: got %v", r)
	}
}
