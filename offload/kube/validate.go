package kube

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// ValidateDNS1123Label checks a Kubernetes object name of the label kind
// (namespaces, pod and container names): 1 to 63 lower-case letters,
// digits and '-', starting and ending with a letter or digit.
func ValidateDNS1123Label(what, s string) error {
	if s == "" {
		return errs.Invalid(what, s, "empty")
	}
	if len(s) > 63 {
		return errs.Invalid(what, s, "longer than 63 characters (DNS-1123 label)")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
		case c == '-':
			if i == 0 || i == len(s)-1 {
				return errs.Invalid(what, s, "must start and end with a lower-case letter or digit (DNS-1123 label)")
			}
		default:
			return errs.Invalid(what, s, fmt.Sprintf("character %q not allowed: only a-z, 0-9 and '-' (DNS-1123 label)", c))
		}
	}
	return nil
}

// ValidateDNS1123Subdomain checks a name of the subdomain kind (most object
// names, resource prefixes): at most 253 characters, dot-separated
// DNS-1123 labels.
func ValidateDNS1123Subdomain(what, s string) error {
	if s == "" {
		return errs.Invalid(what, s, "empty")
	}
	if len(s) > 253 {
		return errs.Invalid(what, s, "longer than 253 characters (DNS-1123 subdomain)")
	}
	for _, part := range strings.Split(s, ".") {
		if err := ValidateDNS1123Label(what, part); err != nil {
			return errs.Invalid(what, s, "each dot-separated part must be a DNS-1123 label (lower-case letters, digits, '-')")
		}
	}
	return nil
}

// ResourceName is an extended resource the device plugin advertises,
// "prefix/name" (mellanox.com/cx5_sriov_switchdev).
type ResourceName struct {
	Prefix string
	Name   string
}

// String returns "prefix/name".
func (r ResourceName) String() string { return r.Prefix + "/" + r.Name }

// ParseResourceName parses and validates "prefix/name".
func ParseResourceName(s string) (ResourceName, error) {
	p, n, ok := strings.Cut(s, "/")
	if !ok {
		return ResourceName{}, errs.Invalid("resource name", s, "want prefix/name, for example mellanox.com/cx5_sriov_switchdev")
	}
	r := ResourceName{Prefix: p, Name: n}
	return r, r.Validate()
}

// Validate checks the prefix as a DNS-1123 subdomain and the name as the
// device plugin wants it: 1 to 63 letters, digits and '_' (Kubernetes
// also allows '-' and '.', the device plugin refuses them).
func (r ResourceName) Validate() error {
	if err := ValidateDNS1123Subdomain("resource prefix", r.Prefix); err != nil {
		return err
	}
	if r.Prefix == "kubernetes.io" || strings.HasSuffix(r.Prefix, ".kubernetes.io") || r.Prefix == "k8s.io" || strings.HasSuffix(r.Prefix, ".k8s.io") {
		return errs.Invalid("resource prefix", r.Prefix, "the kubernetes.io and k8s.io domains are reserved for built-in resources")
	}
	if r.Name == "" || len(r.Name) > 63 {
		return errs.Invalid("resource name", r.Name, "want 1 to 63 characters")
	}
	for i := 0; i < len(r.Name); i++ {
		c := r.Name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return errs.Invalid("resource name", r.Name, fmt.Sprintf("character %q not allowed: the SR-IOV device plugin accepts only letters, digits and '_'", c))
		}
	}
	return nil
}

// MarshalText renders "prefix/name".
func (r ResourceName) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses "prefix/name".
func (r *ResourceName) UnmarshalText(b []byte) error {
	v, err := ParseResourceName(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

func validateHex4(what, s string) error {
	if len(s) != 4 {
		return errs.Invalid(what, s, "want 4 hex digits")
	}
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return errs.Invalid(what, s, "want 4 lower-case hex digits, as lspci -n prints them")
		}
	}
	return nil
}

func validateWord(what, s string) error {
	if s == "" || len(s) > 64 {
		return errs.Invalid(what, s, "empty or longer than 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return errs.Invalid(what, s, "only letters, digits, '_', '-' and '.' are allowed")
		}
	}
	return nil
}

func validateDigits(what, s string) error {
	if s == "" || len(s) > 10 {
		return errs.Invalid(what, s, "want a decimal number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return errs.Invalid(what, s, "want a decimal number")
		}
	}
	return nil
}

// ValidateQualifiedName checks an annotation or label key as Kubernetes
// does: an optional DNS-1123 subdomain prefix and '/', then a name of 1 to
// 63 letters, digits, '-', '_' and '.', starting and ending with a letter
// or digit.
func ValidateQualifiedName(what, s string) error {
	prefix, name, hasPrefix := strings.Cut(s, "/")
	if !hasPrefix {
		name = s
	} else if err := ValidateDNS1123Subdomain(what+" prefix", prefix); err != nil {
		return errs.Invalid(what, s, "the part before '/' must be a DNS-1123 subdomain")
	}
	if name == "" || len(name) > 63 {
		return errs.Invalid(what, s, "the name part must be 1 to 63 characters")
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return errs.Invalid(what, s, "the name part must start and end with a letter or digit")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return errs.Invalid(what, s, fmt.Sprintf("character %q not allowed: only letters, digits, '-', '_' and '.'", c))
		}
	}
	return nil
}

// ValidateLabelValue checks a label value: empty, or 1 to 63 letters,
// digits, '-', '_' and '.', starting and ending with a letter or digit.
func ValidateLabelValue(what, s string) error {
	if s == "" {
		return nil
	}
	if err := ValidateQualifiedName(what, s); err != nil || strings.Contains(s, "/") {
		return errs.Invalid(what, s, "want at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
	}
	return nil
}

// ValidateCommand checks a container command (or args): every element is
// valid UTF-8 (JSON would otherwise replace bytes, so the pod would run
// something else than asked) and holds no NUL (execve(2) arguments are C
// strings; the runtime would cut or refuse them). Anything else, line and
// paragraph separators included, is a legitimate argument and is kept
// exactly by YAML.
func ValidateCommand(what string, cmd []string) error {
	for i, a := range cmd {
		if !utf8.ValidString(a) {
			return errs.Invalid(what, a, fmt.Sprintf("element %d is not valid UTF-8", i))
		}
		if strings.IndexByte(a, 0) >= 0 {
			return errs.Invalid(what, a, fmt.Sprintf("element %d contains NUL, which no process argument can hold", i))
		}
	}
	return nil
}

// validateImage checks a container image reference loosely: non-empty,
// printable ASCII without white space (registry, path, tag and digest are
// all ASCII).
func validateImage(s string) error {
	if s == "" || len(s) > 4096 {
		return errs.Invalid("container image", s, "empty or too long")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return errs.Invalid("container image", s, fmt.Sprintf("character %q not allowed: want printable ASCII without white space", c))
		}
	}
	return nil
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
