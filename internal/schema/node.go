package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Pos is a 1-based line and column in a source file. Columns count runes.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

// Kind is the JSON kind of a Node.
type Kind uint8

// Node kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "unknown"
}

// Node is one value of a JSON or YAML document, with its position.
// Object members keep their source order.
type Node struct {
	Kind    Kind
	Pos     Pos
	Str     string // string value, or the literal text of a number
	Bool    bool
	Items   []*Node
	Members []Member
}

// Member is one key of an object.
type Member struct {
	Key    string
	KeyPos Pos
	Value  *Node
}

// Get returns the value of key in an object node, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := range n.Members {
		if n.Members[i].Key == key {
			return n.Members[i].Value
		}
	}
	return nil
}

// Member returns the member named key, or nil.
func (n *Node) Member(key string) *Member {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := range n.Members {
		if n.Members[i].Key == key {
			return &n.Members[i]
		}
	}
	return nil
}

// StringValue returns the string value and whether n is a string.
func (n *Node) StringValue() (string, bool) {
	if n == nil || n.Kind != String {
		return "", false
	}
	return n.Str, true
}

// Interface converts the node to plain Go values: map[string]any, []any,
// string, json.Number, bool and nil.
func (n *Node) Interface() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Bool:
		return n.Bool
	case Number:
		return json.Number(n.Str)
	case String:
		return n.Str
	case Array:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = it.Interface()
		}
		return out
	case Object:
		out := make(map[string]any, len(n.Members))
		for _, m := range n.Members {
			out[m.Key] = m.Value.Interface()
		}
		return out
	}
	return nil
}

// Pointer resolves a JSON pointer ("/properties/a", "" for the root).
func (n *Node) Pointer(ptr string) *Node {
	if ptr == "" || ptr == "#" {
		return n
	}
	if ptr[0] == '#' {
		ptr = ptr[1:]
	}
	cur := n
	for _, tok := range splitPointer(ptr) {
		if cur == nil {
			return nil
		}
		switch cur.Kind {
		case Object:
			cur = cur.Get(tok)
		case Array:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Items) {
				return nil
			}
			cur = cur.Items[i]
		default:
			return nil
		}
	}
	return cur
}

func splitPointer(p string) []string {
	if p == "" {
		return nil
	}
	if p[0] == '/' {
		p = p[1:]
	}
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			out = append(out, unescapePointer(p[start:i]))
			start = i + 1
		}
	}
	return out
}

func unescapePointer(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && i+1 < len(s) {
			switch s[i+1] {
			case '0':
				b = append(b, '~')
				i++
				continue
			case '1':
				b = append(b, '/')
				i++
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

// CompactJSON writes the node as compact JSON with object keys in source
// order: the text registered for JSON Schema written in YAML.
func (n *Node) CompactJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := n.writeJSON(&b, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (n *Node) writeJSON(b *bytes.Buffer, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("document nests deeper than %d levels", MaxDepth)
	}
	str := func(s string) {
		enc, _ := json.Marshal(s)
		b.Write(enc)
	}
	switch n.Kind {
	case Null:
		b.WriteString("null")
	case Bool:
		b.WriteString(strconv.FormatBool(n.Bool))
	case Number:
		b.WriteString(n.Str)
	case String:
		str(n.Str)
	case Array:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := it.writeJSON(b, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case Object:
		b.WriteByte('{')
		for i, m := range n.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			str(m.Key)
			b.WriteByte(':')
			if err := m.Value.writeJSON(b, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("cannot write a %s value as JSON", n.Kind)
	}
	return nil
}

// FileRefs returns the distinct file parts of the $refs in a JSON Schema
// document that point at other files ("Money.json" of
// "Money.json#/definitions/m"), in document order. Local refs ("#/…") and
// absolute URLs are left out, and so are values under enum, const, examples
// and default, which are data rather than schemas.
func FileRefs(root *Node) []string {
	return refFiles(root, false)
}

// ExternalRefs is FileRefs with absolute URLs too: every $ref to another
// document, which may be a catalog file named by its $id.
func ExternalRefs(root *Node) []string {
	return refFiles(root, true)
}

func refFiles(root *Node, absolute bool) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		if n == nil || depth > MaxDepth {
			return
		}
		for _, m := range n.Members {
			if m.Key == "$ref" && m.Value.Kind == String {
				file, _, _ := strings.Cut(m.Value.Str, "#")
				if file != "" && (absolute || !strings.Contains(file, "://")) && !seen[file] {
					seen[file] = true
					out = append(out, file)
				}
			}
			switch m.Key {
			case "enum", "const", "examples", "default":
				continue
			}
			walk(m.Value, depth+1)
		}
		for _, it := range n.Items {
			walk(it, depth+1)
		}
	}
	walk(root, 0)
	return out
}
