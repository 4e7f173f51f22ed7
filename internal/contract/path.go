package contract

import (
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// Segment is one step of a field path: a field name, and whether the path
// then steps into the items of an array.
type Segment struct {
	Name  string
	Array int // number of [] after the name
}

// SplitPath splits "lines[].sku" into its segments.
func SplitPath(p string) ([]Segment, error) {
	if p == "" {
		return nil, fmt.Errorf("empty field path")
	}
	var out []Segment
	for _, part := range strings.Split(p, ".") {
		name := part
		n := 0
		for strings.HasSuffix(name, "[]") {
			name = strings.TrimSuffix(name, "[]")
			n++
		}
		if name == "" || strings.ContainsAny(name, "[]") {
			return nil, fmt.Errorf("field path %q: want names separated by '.', each optionally followed by [] for array items (lines[].sku)", p)
		}
		out = append(out, Segment{Name: name, Array: n})
	}
	return out, nil
}

// Resolved is a field path resolved in an event's model.
type Resolved struct {
	// Field is the last field of the path.
	Field *schema.Field
	// Type is the type a reader sees at the path (after stepping into arrays).
	Type *schema.Type
	// Optional is set when the field, or a field or array on the way to it,
	// may be absent or null; OptionalAt names the first such step.
	Optional      bool
	OptionalAt    string
	OptionalField *schema.Field
	// Parents are the record types the path passes through, outermost first.
	Parents []*schema.Type
}

// Resolve finds path in the event's top-level type. When the path is not in
// the schema it returns nil and says why: "x does not exist", "x is not an
// object", "x is not an array".
func Resolve(top *schema.Type, path string) (*Resolved, string) {
	segs, err := SplitPath(path)
	if err != nil {
		return nil, err.Error()
	}
	r := &Resolved{}
	cur := top
	prefix := ""
	for _, s := range segs {
		if prefix != "" {
			prefix += "."
		}
		rec := record(cur)
		if rec == nil {
			return nil, fmt.Sprintf("%s is not an object", strings.TrimSuffix(prefix, "."))
		}
		prefix += s.Name
		f := rec.Field(s.Name)
		if f == nil {
			return nil, fmt.Sprintf("%s does not exist", prefix)
		}
		r.Parents = append(r.Parents, rec)
		if (!f.Required || f.Type.Nullable()) && !r.Optional {
			r.Optional, r.OptionalAt, r.OptionalField = true, prefix, f
		}
		t := f.Type
		for i := 0; i < s.Array; i++ {
			a := t.NonNull()
			if a == nil || a.Kind != schema.KArray {
				return nil, fmt.Sprintf("%s is not an array", prefix)
			}
			prefix += "[]"
			t = a.Items
		}
		r.Field, r.Type = f, t
		cur = t
	}
	return r, ""
}

// record returns the record a field path can step into from t: t itself,
// the non-null branch of a nullable union, or the one record branch of a union.
func record(t *schema.Type) *schema.Type {
	t = t.NonNull()
	if t == nil {
		return nil
	}
	if t.Kind == schema.KRecord {
		return t
	}
	if t.Kind == schema.KUnion {
		var only *schema.Type
		for _, b := range t.Branches {
			if b.Kind == schema.KRecord {
				if only != nil {
					return nil
				}
				only = b
			}
		}
		return only
	}
	return nil
}

// kindOf returns the contract type of a schema type, or "" when values of
// more than one contract type (or any value) may appear. Nullability is
// ignored here; it is the optional check's business.
func kindOf(t *schema.Type) string {
	t = t.NonNull()
	if t == nil {
		return ""
	}
	switch t.Kind {
	case schema.KString, schema.KEnum:
		if t.Kind == schema.KEnum && t.Node != nil && t.Node.Get("type") == nil && len(t.Symbols) == 0 {
			return "" // a JSON const or enum of non-strings
		}
		return "string"
	case schema.KInt, schema.KLong, schema.KInteger:
		return "integer"
	case schema.KFloat, schema.KDouble, schema.KNumber:
		return "number"
	case schema.KBoolean:
		return "boolean"
	case schema.KRecord, schema.KMap:
		return "object"
	case schema.KArray:
		return "array"
	case schema.KBytes, schema.KFixed:
		if t.Logical == "decimal" {
			return "number"
		}
		return "bytes"
	case schema.KUnion:
		k := ""
		for _, b := range t.Branches {
			if b.Kind == schema.KNull {
				continue
			}
			bk := kindOf(b)
			if bk == "" || (k != "" && bk != k) {
				return ""
			}
			k = bk
		}
		return k
	}
	return ""
}

// accepts reports whether a consumer reading a value as want copes with a
// value of contract type got: an integer is a number too.
func accepts(want, got string) bool {
	return want == "" || want == got || (want == "number" && got == "integer")
}

// symbols returns the values an enum-like type allows, and false when the
// type allows any string (no enum).
func symbols(t *schema.Type) ([]string, bool) {
	if t == nil {
		return nil, false
	}
	if t.Kind == schema.KUnion {
		var out []string
		for _, b := range t.Branches {
			if b.Kind == schema.KNull {
				continue
			}
			s, ok := symbols(b)
			if !ok {
				if len(t.Symbols) > 0 {
					return t.Symbols, true
				}
				return nil, false
			}
			out = append(out, s...)
		}
		return out, true
	}
	if len(t.Symbols) > 0 {
		return t.Symbols, true
	}
	if t.Node != nil {
		if c := t.Node.Get("const"); c != nil && c.Kind == schema.String {
			return []string{c.Str}, true
		}
	}
	if t.Kind == schema.KEnum {
		return nil, true
	}
	return nil, false
}
