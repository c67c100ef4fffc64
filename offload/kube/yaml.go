package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// YAML renders objects as one YAML stream, documents separated by "---",
// for `kubectl apply -f -`. Each object is marshalled to JSON first, so the
// YAML carries exactly the JSON field names and order; strings with line
// breaks (config.json, a NAD's config) become literal blocks. The output is
// deterministic: map keys are sorted as encoding/json sorts them.
func YAML(objs ...any) ([]byte, error) {
	var b bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			b.WriteString("---\n")
		}
		js, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.UseNumber()
		n, err := decodeNode(dec)
		if err != nil {
			return nil, fmt.Errorf("yaml: %w", err)
		}
		if n.kind != kindMap {
			return nil, fmt.Errorf("yaml: top-level value is not an object")
		}
		writeMap(&b, n, 0)
	}
	return b.Bytes(), nil
}

type nodeKind uint8

const (
	kindScalar nodeKind = iota // number, bool, null: raw text
	kindString
	kindMap
	kindList
)

type node struct {
	kind  nodeKind
	text  string
	keys  []string
	vals  []*node
	items []*node
}

func decodeNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: kindMap}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T", kt)
				}
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &node{kind: kindList}
			for dec.More() {
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			_, err := dec.Token()
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &node{kind: kindString, text: t}, nil
	case json.Number:
		return &node{kind: kindScalar, text: t.String()}, nil
	case bool:
		return &node{kind: kindScalar, text: strconv.FormatBool(t)}, nil
	case nil:
		return &node{kind: kindScalar, text: "null"}, nil
	}
	return nil, io.ErrUnexpectedEOF
}

func pad(b *bytes.Buffer, n int) {
	for i := 0; i < n; i++ {
		b.WriteByte(' ')
	}
}

// writeMap writes the entries of a map at indent; the caller has already
// positioned the first line when first is set.
func writeMap(b *bytes.Buffer, n *node, indent int) {
	for i, k := range n.keys {
		if i > 0 || indent > 0 {
			pad(b, indent)
		}
		writeEntry(b, k, n.vals[i], indent)
	}
}

// writeEntry writes "key: value" whose key starts at indent.
func writeEntry(b *bytes.Buffer, k string, v *node, indent int) {
	b.WriteString(scalarString(k))
	b.WriteByte(':')
	writeValue(b, v, indent)
}

// writeValue writes the value part after "key:" or "-", ending the line.
func writeValue(b *bytes.Buffer, v *node, indent int) {
	switch v.kind {
	case kindMap:
		if len(v.keys) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		for i, k := range v.keys {
			pad(b, indent+2)
			writeEntry(b, k, v.vals[i], indent+2)
		}
	case kindList:
		if len(v.items) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		for _, it := range v.items {
			pad(b, indent)
			writeItem(b, it, indent)
		}
	case kindString:
		if lit, ok := literalBlock(v.text, indent+2); ok {
			b.WriteString(lit)
			return
		}
		b.WriteByte(' ')
		b.WriteString(scalarString(v.text))
		b.WriteByte('\n')
	default:
		b.WriteByte(' ')
		b.WriteString(v.text)
		b.WriteByte('\n')
	}
}

// writeItem writes a list item "- ..." whose dash is at indent.
func writeItem(b *bytes.Buffer, v *node, indent int) {
	b.WriteString("-")
	switch {
	case v.kind == kindMap && len(v.keys) > 0:
		b.WriteByte(' ')
		for i, k := range v.keys {
			if i > 0 {
				pad(b, indent+2)
			}
			writeEntry(b, k, v.vals[i], indent+2)
		}
	case v.kind == kindList && len(v.items) > 0:
		b.WriteByte('\n')
		for _, it := range v.items {
			pad(b, indent+2)
			writeItem(b, it, indent+2)
		}
	default:
		writeValue(b, v, indent)
	}
}

// literalBlock renders a multi-line string as a "|" block when that keeps
// it exact: no carriage returns or tabs, no trailing blanks on any line, a
// first line that does not start with a space, and at most one final
// newline ("|" keeps one, "|-" none).
func literalBlock(s string, indent int) (string, bool) {
	if !strings.Contains(strings.TrimSuffix(s, "\n"), "\n") {
		return "", false
	}
	if strings.ContainsAny(s, "\r\t") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, "\n\n") {
		return "", false
	}
	header := " |\n"
	body := s
	if strings.HasSuffix(s, "\n") {
		body = strings.TrimSuffix(s, "\n")
	} else {
		header = " |-\n"
	}
	var b strings.Builder
	b.WriteString(header)
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasSuffix(line, " ") {
			return "", false
		}
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), true
}

// yamlKeyword reports whether s (lower-cased) is a plain scalar YAML 1.1
// or 1.2 would not read as a string.
func yamlKeyword(s string) bool {
	switch s {
	case "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~":
		return true
	}
	return false
}

// scalarString returns s plain when YAML reads it back as the same string,
// else double-quoted (JSON string syntax is valid YAML).
func scalarString(s string) string {
	if plainSafe(s) {
		return s
	}
	q, _ := json.Marshal(s)
	// encoding/json escapes <, > and & for HTML; YAML wants them plain.
	r := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	return r.Replace(string(q))
}

func plainSafe(s string) bool {
	if s == "" || yamlKeyword(strings.ToLower(s)) {
		return false
	}
	c0 := s[0]
	if !(c0 >= 'a' && c0 <= 'z' || c0 >= 'A' && c0 <= 'Z' || c0 == '_' || c0 == '/') {
		return false // digits could read as numbers; punctuation as indicators
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}
