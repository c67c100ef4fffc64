package upstreamcheck

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// schema is the part of a CRD's OpenAPI v3 schema these CRDs use. A
// keyword it does not know fails the load (see knownKeywords), so a CRD
// update that starts using one cannot pass unchecked.
type schema struct {
	Type                 string             `json:"type"`
	Properties           map[string]*schema `json:"properties"`
	AdditionalProperties *schema            `json:"additionalProperties"`
	Items                *schema            `json:"items"`
	Required             []string           `json:"required"`
	Enum                 []any              `json:"enum"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	MaxLength            *int               `json:"maxLength"`
	Pattern              string             `json:"pattern"`
	Not                  *schema            `json:"not"`
	ListType             string             `json:"x-kubernetes-list-type"`
}

// knownKeywords are the keywords schema checks, and those that say nothing
// about a value's validity (description, default: the API server fills it
// in; x-kubernetes-validations: CEL rules, here only "self == oldSelf",
// which concerns updates).
var knownKeywords = map[string]bool{
	"type": true, "properties": true, "additionalProperties": true, "items": true, "required": true,
	"enum": true, "minimum": true, "maximum": true, "maxLength": true, "pattern": true, "not": true,
	"x-kubernetes-list-type": true, "description": true, "default": true, "x-kubernetes-validations": true,
}

// checkKeywords walks raw (one schema node, JSON) for unknown keywords.
func checkKeywords(path string, raw json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for k, v := range m {
		if !knownKeywords[k] {
			return fmt.Errorf("%s: schema keyword %q is not checked by this test: teach crdschema_test.go", path, k)
		}
		switch k {
		case "properties":
			var props map[string]json.RawMessage
			if err := json.Unmarshal(v, &props); err != nil {
				return err
			}
			for name, p := range props {
				if err := checkKeywords(path+"."+name, p); err != nil {
					return err
				}
			}
		case "additionalProperties", "items", "not":
			if err := checkKeywords(path+"."+k, v); err != nil {
				return err
			}
		case "x-kubernetes-validations":
			var rules []struct{ Rule string }
			if err := json.Unmarshal(v, &rules); err != nil {
				return err
			}
			for _, r := range rules {
				if r.Rule != "self == oldSelf" {
					return fmt.Errorf("%s: CEL rule %q is not checked by this test", path, r.Rule)
				}
			}
		}
	}
	return nil
}

// crdSchema returns the openAPIV3Schema of version v1 of the CRD for kind
// in the YAML file (one or more documents).
func crdSchema(t *testing.T, file, kind string) *schema {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range yamlDocs(string(data)) {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Schema struct {
						OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(js, &crd); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if crd.Kind != "CustomResourceDefinition" || crd.Spec.Names.Kind != kind {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Name != "v1" {
				continue
			}
			if err := checkKeywords(kind, v.Schema.OpenAPIV3Schema); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var s schema
			if err := json.Unmarshal(v.Schema.OpenAPIV3Schema, &s); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			return &s
		}
	}
	t.Fatalf("%s: no v1 CRD for %s", file, kind)
	return nil
}

// yamlDocs splits a YAML stream at its "---" lines.
func yamlDocs(s string) []string {
	var docs []string
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(s, -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// validateCR checks a custom resource (JSON) against its CRD schema as the
// API server would, with one difference: a field the schema does not
// declare is an error here, where the server would drop it silently
// (pruning), since a dropped field is a setting that never applies. At
// the root, apiVersion, kind and metadata are always allowed, as the
// server allows them.
func validateCR(s *schema, js []byte) []string {
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return []string{err.Error()}
	}
	root, ok := v.(map[string]any)
	if !ok {
		return []string{"not an object"}
	}
	var errs []string
	rest := map[string]any{}
	for k, val := range root {
		switch {
		case k == "metadata" && s.Properties[k] != nil:
			// The server checks ObjectMeta itself; the CRD may add rules
			// for some of its fields (Kube-OVN's name length), and only
			// those are checked here.
			meta, _ := val.(map[string]any)
			declared := map[string]any{}
			for f := range s.Properties[k].Properties {
				if v, ok := meta[f]; ok {
					declared[f] = v
				}
			}
			errs = append(errs, s.Properties[k].validate(".metadata", declared)...)
		case k == "metadata":
		case (k == "apiVersion" || k == "kind") && s.Properties[k] == nil:
			if _, ok := val.(string); !ok {
				errs = append(errs, k+": not a string")
			}
		default:
			rest[k] = val
		}
	}
	if s.Properties["metadata"] != nil {
		s = &schema{Type: s.Type, Properties: maps.Clone(s.Properties), Required: s.Required}
		delete(s.Properties, "metadata")
	}
	return append(errs, s.validate("", rest)...)
}

func (s *schema) validate(path string, v any) []string {
	if s == nil {
		return nil
	}
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, a...)) }
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("want an object, have %T", v)
			return errs
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				fail("required field %q missing", r)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch {
			case s.Properties[k] != nil:
				errs = append(errs, s.Properties[k].validate(path+"."+k, m[k])...)
			case s.AdditionalProperties != nil:
				errs = append(errs, s.AdditionalProperties.validate(path+"."+k, m[k])...)
			case s.Properties == nil:
				// type: object without properties (metadata): anything.
			default:
				fail("field %q is not in the schema (the API server would drop it)", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			fail("want an array, have %T", v)
			return errs
		}
		for i, e := range a {
			errs = append(errs, s.Items.validate(fmt.Sprintf("%s[%d]", path, i), e)...)
			if s.ListType == "set" && slices.IndexFunc(a[:i], func(x any) bool { return fmt.Sprint(x) == fmt.Sprint(e) }) >= 0 {
				fail("list-type set holds %v twice", e)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("want a string, have %T", v)
			return errs
		}
		if s.MaxLength != nil && utf8.RuneCountInString(str) > *s.MaxLength {
			fail("%q longer than %d", str, *s.MaxLength)
		}
		if s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(str) {
			fail("%q does not match %s", str, s.Pattern)
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok || (s.Type == "integer" && f != math.Trunc(f)) {
			fail("want an %s, have %v", s.Type, v)
			return errs
		}
		if s.Minimum != nil && f < *s.Minimum {
			fail("%v below the minimum %v", f, *s.Minimum)
		}
		if s.Maximum != nil && f > *s.Maximum {
			fail("%v above the maximum %v", f, *s.Maximum)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("want a boolean, have %T", v)
		}
	case "":
		// No type: only the other keywords apply.
	default:
		fail("schema type %q is not checked by this test", s.Type)
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		fail("%v is not one of %v", v, s.Enum)
	}
	if s.Not != nil && len(s.Not.validate(path, v)) == 0 {
		fail("%v matches a schema it must not", v)
	}
	return errs
}

// TestSchemaCheckerCanFail: each check of validateCR refuses what it
// should, on the operator's policy schema.
func TestSchemaCheckerCanFail(t *testing.T) {
	t.Parallel()
	s := crdSchema(t, "testdata/crd/sriovnetwork-v1.6.0-sriovnetworknodepolicies.yaml", "SriovNetworkNodePolicy")
	good := `{"apiVersion":"sriovnetwork.openshift.io/v1","kind":"SriovNetworkNodePolicy","metadata":{"name":"policy"},
		"spec":{"nodeSelector":{"a":"b"},"numVfs":3,"nicSelector":{"pfNames":["p0"]},"resourceName":"r","eSwitchMode":"switchdev"}}`
	if errs := validateCR(s, []byte(good)); len(errs) != 0 {
		t.Fatalf("a valid policy refused: %v", errs)
	}
	for name, c := range map[string]struct{ from, to, want string }{
		"enum":          {`"switchdev"`, `"offload"`, "is not one of"},
		"minimum":       {`"numVfs":3`, `"numVfs":-1`, "below the minimum"},
		"integer":       {`"numVfs":3`, `"numVfs":3.5`, "want an integer"},
		"type":          {`"numVfs":3`, `"numVfs":"3"`, "want an integer"},
		"required":      {`"resourceName":"r",`, ``, `required field "resourceName"`},
		"unknown field": {`"resourceName":"r"`, `"resourceName":"r","resourcename":"r"`, `"resourcename" is not in the schema`},
		"map values":    {`{"a":"b"}`, `{"a":true}`, "want a string"},
		"array items":   {`["p0"]`, `[1]`, "want a string"},
		"root field":    {`"kind":`, `"status":{},"extra":1,"kind":`, `"extra" is not in the schema`},
	} {
		bad := strings.Replace(good, c.from, c.to, 1)
		if bad == good {
			t.Fatalf("%s: replacement did not apply", name)
		}
		errs := validateCR(s, []byte(bad))
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, c.want) }) {
			t.Errorf("%s: errors %v, want one containing %q", name, errs, c.want)
		}
	}
	// The Kube-OVN CRDs' own keywords: maxLength, pattern, not-enum.
	pn := crdSchema(t, "testdata/crd/kubeovn-v1.13.0.yaml", "ProviderNetwork")
	for _, bad := range []string{
		`{"metadata":{"name":"underlay-offload"},"spec":{"defaultInterface":"bond1"}}`,
		`{"metadata":{"name":"int"},"spec":{"defaultInterface":"bond1"}}`,
		`{"metadata":{"name":"u"},"spec":{"defaultInterface":"bond 1"}}`,
		`{"metadata":{"name":"u"},"spec":{}}`,
	} {
		if errs := validateCR(pn, []byte(bad)); len(errs) == 0 {
			t.Errorf("accepted %s", bad)
		}
	}
	if err := checkKeywords("x", json.RawMessage(`{"type":"string","format":"ipv4"}`)); err == nil {
		t.Error("an unknown keyword passed the keyword check")
	}
}
