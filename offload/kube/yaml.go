package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// YAML renders objects as one YAML stream, documents separated by "---",
// for `kubectl apply -f -`. Each object is marshalled to JSON first, so the
// YAML carries exactly the JSON field names, omissions and order; the JSON
// is then turned into a node tree of go.yaml.in/yaml/v3 and emitted by that
// library (see the package documentation for why this one). Every string
// is tagged !!str, so no value is read back as a number, boolean, null or
// structure; a string is written plain only when it is a simple word, as a
// literal block when it is multi-line printable ASCII (config.json, a NAD's
// config), and double-quoted with escapes otherwise, so U+0085, U+2028,
// U+2029, NUL and other line breaks or control characters stay characters.
// The output is deterministic: map keys are sorted as encoding/json sorts
// them.
func YAML(objs ...any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.CompactSeqIndent() // "- " at the key's indent, as kubectl prints
	for _, o := range objs {
		js, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.UseNumber()
		n, err := jsonNode(dec)
		if err != nil {
			return nil, fmt.Errorf("yaml: %w", err)
		}
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("yaml: top-level value of %T is not an object", o)
		}
		if err := enc.Encode(n); err != nil {
			return nil, fmt.Errorf("yaml: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	return b.Bytes(), nil
}

// jsonNode reads one JSON value from dec as a YAML node, keeping the order
// of object keys.
func jsonNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		var n *yaml.Node
		switch t {
		case '{':
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T", kt)
				}
				v, err := jsonNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, stringNode(k), v)
			}
		case '[':
			n = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				v, err := jsonNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
		default:
			return nil, fmt.Errorf("unexpected %v", t)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle // {} and []
		}
		return n, nil
	case string:
		return stringNode(t), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// stringNode returns a !!str scalar in the style described at YAML. The
// library still refuses a style that would not keep the value (a literal
// block with trailing spaces falls back to double quotes); choosing double
// quotes for everything unusual keeps that decision out of its heuristics.
func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case plainSafe(s):
	case strings.Contains(s, "\n") && printableASCIILines(s):
		n.Style = yaml.LiteralStyle
	default:
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// printableASCIILines reports whether s holds only printable ASCII and
// line feeds.
func printableASCIILines(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\n' && (c < 0x20 || c > 0x7e) {
			return false
		}
	}
	return true
}

// plainSafe reports whether s is a word YAML reads back as the same string
// when written plain: letters, digits, '_', '-', '.', '/', starting with a
// letter, '_' or '/', and no YAML 1.1 or 1.2 keyword.
func plainSafe(s string) bool {
	if s == "" {
		return false
	}
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~":
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
