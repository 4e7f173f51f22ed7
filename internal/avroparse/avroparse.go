// Package avroparse owns every call to hamba/avro's schema parser. hamba
// dereferences nil when a field default holds a value of a record that is
// still being parsed (a recursive record whose default holds a record, an
// array of records or a map of records of an enclosing type): it then
// reads the enclosing record's fields before they exist. Both Apache
// implementations accept such schemas.
//
// Parse finds those defaults before hamba sees them, parses the schema
// without them, and checks them itself by the rules hamba applies to every
// other default (the Avro specification: a union's default matches its
// first branch, a record default gives every field without a default).
// The returned hamba schema then has no default for those fields; the wire
// runtime documents that reader-side consequence.
package avroparse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"

	hamba "github.com/hamba/avro/v2"
)

// maxDepth bounds the walk of a default value.
const maxDepth = 10000

// Parse parses an Avro schema text with hamba/avro without letting it panic
// on recursive records whose field defaults hold records.
func Parse(text []byte) (hamba.Schema, error) {
	return parse(text, &hamba.SchemaCache{})
}

// ParseWith parses text after deps, the texts of other files that define
// named types it uses (dependencies first); a dependency that does not parse
// is an error naming it by its index.
func ParseWith(text []byte, deps [][]byte) (hamba.Schema, error) {
	cache := &hamba.SchemaCache{}
	for i, d := range deps {
		if _, err := parse(d, cache); err != nil {
			return nil, fmt.Errorf("avro: file %d it uses does not parse: %w", i+1, err)
		}
	}
	return parse(text, cache)
}

func parse(text []byte, cache *hamba.SchemaCache) (hamba.Schema, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		// Not JSON: hamba gives its own error without walking defaults.
		return hamba.ParseBytesWithCache(text, "", cache)
	}
	w := &walker{defs: map[string]map[string]any{}, open: map[string]bool{}, orig: map[string]any{}}
	w.typ(doc, "")
	if len(w.stripped) == 0 {
		return hamba.ParseBytesWithCache(text, "", cache)
	}
	stripped, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("avro: %w", err)
	}
	sch, err := hamba.ParseBytesWithCache(stripped, "", cache)
	if err != nil {
		return nil, err
	}
	for _, s := range w.stripped {
		if !w.valid(s.typ, s.def, s.ns, 0) {
			return nil, fmt.Errorf("avro: invalid default for field %s. %v not a valid %s", s.field, s.def, typeName(s.typ))
		}
	}
	return sch, nil
}

type strippedDefault struct {
	field string
	typ   any
	def   any
	ns    string
}

type walker struct {
	defs     map[string]map[string]any // named type definitions by full name
	open     map[string]bool           // records whose fields are being parsed
	stripped []strippedDefault
	// orig holds the stripped defaults by record full name and field name.
	orig map[string]any
}

var primitives = map[string]bool{"null": true, "boolean": true, "int": true, "long": true, "float": true, "double": true, "bytes": true, "string": true}

// names gives the full name and the namespace of a named type.
func names(def map[string]any, ns string) (full, inner string) {
	name, _ := def["name"].(string)
	if i := strings.LastIndex(name, "."); i >= 0 {
		return name, name[:i]
	}
	if n, ok := def["namespace"].(string); ok {
		ns = n
	}
	if ns == "" {
		return name, ""
	}
	return ns + "." + name, ns
}

func (w *walker) lookup(name, ns string) map[string]any {
	if !strings.Contains(name, ".") && ns != "" {
		if d, ok := w.defs[ns+"."+name]; ok {
			return d
		}
	}
	return w.defs[name]
}

// typ walks a type in hamba's parse order, registering named types and
// removing the defaults hamba cannot check.
func (w *walker) typ(t any, ns string) {
	switch v := t.(type) {
	case []any:
		for _, it := range v {
			w.typ(it, ns)
		}
	case map[string]any:
		switch tt := v["type"].(type) {
		case string:
			switch tt {
			case "record", "error":
				full, rns := names(v, ns)
				w.defs[full] = v
				w.open[full] = true
				fields, _ := v["fields"].([]any)
				for _, f := range fields {
					fm, ok := f.(map[string]any)
					if !ok {
						continue
					}
					w.typ(fm["type"], rns)
					if def, ok := fm["default"]; ok && w.unsafe(fm["type"], def, rns, 0) {
						name, _ := fm["name"].(string)
						delete(fm, "default")
						w.orig[full+"\x00"+name] = def
						w.stripped = append(w.stripped, strippedDefault{field: name, typ: fm["type"], def: def, ns: rns})
					}
				}
				delete(w.open, full)
			case "enum", "fixed":
				full, _ := names(v, ns)
				w.defs[full] = v
			case "array":
				w.typ(v["items"], ns)
			case "map":
				w.typ(v["values"], ns)
			}
		case map[string]any, []any:
			w.typ(tt, ns)
		}
	}
}

// unsafe reports whether hamba's check of def against t would read the
// fields of a record still being parsed.
func (w *walker) unsafe(t, def any, ns string, depth int) bool {
	if depth > maxDepth {
		return true
	}
	switch v := t.(type) {
	case string:
		if primitives[v] {
			return false
		}
		d := w.lookup(v, ns)
		if d == nil {
			return false
		}
		return w.unsafe(d, def, ns, depth+1)
	case []any:
		return len(v) > 0 && w.unsafe(v[0], def, ns, depth+1)
	case map[string]any:
		switch tt := v["type"].(type) {
		case string:
			switch tt {
			case "record", "error":
				m, ok := def.(map[string]any)
				if !ok {
					return false
				}
				full, rns := names(v, ns)
				if w.open[full] {
					return true
				}
				fields, _ := v["fields"].([]any)
				for _, f := range fields {
					fm, _ := f.(map[string]any)
					name, _ := fm["name"].(string)
					fv, has := m[name]
					if _, gone := w.orig[full+"\x00"+name]; !has && gone {
						// hamba would find no default for this field.
						return true
					}
					if !has {
						fv, has = fm["default"]
					}
					if has && w.unsafe(fm["type"], fv, rns, depth+1) {
						return true
					}
				}
				return false
			case "array":
				items, _ := def.([]any)
				for _, it := range items {
					if w.unsafe(v["items"], it, ns, depth+1) {
						return true
					}
				}
				return false
			case "map":
				m, _ := def.(map[string]any)
				for _, it := range m {
					if w.unsafe(v["values"], it, ns, depth+1) {
						return true
					}
				}
				return false
			case "enum", "fixed":
				return false
			default:
				return w.unsafe(tt, def, ns, depth+1)
			}
		case map[string]any, []any:
			return w.unsafe(tt, def, ns, depth+1)
		}
	}
	return false
}

// valid checks a default as hamba's isValidDefault does, once every named
// type is complete.
func (w *walker) valid(t, def any, ns string, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch v := t.(type) {
	case string:
		switch v {
		case "null":
			return def == nil
		case "boolean":
			_, ok := def.(bool)
			return ok
		case "int":
			return isInt(def, 32)
		case "long":
			return isInt(def, 64)
		case "float", "double":
			_, ok := def.(json.Number)
			return ok
		case "bytes", "string":
			_, ok := def.(string)
			return ok
		}
		d := w.lookup(v, ns)
		return d != nil && w.valid(d, def, ns, depth+1)
	case []any:
		return len(v) > 0 && w.valid(v[0], def, ns, depth+1)
	case map[string]any:
		switch tt := v["type"].(type) {
		case string:
			switch tt {
			case "record", "error":
				m, ok := def.(map[string]any)
				if !ok {
					return false
				}
				full, rns := names(v, ns)
				fields, _ := v["fields"].([]any)
				for _, f := range fields {
					fm, _ := f.(map[string]any)
					name, _ := fm["name"].(string)
					fv, has := m[name]
					if !has {
						fv, has = fm["default"]
					}
					if !has {
						fv, has = w.orig[full+"\x00"+name]
					}
					if !has && !w.valid(fm["type"], nil, rns, depth+1) {
						return false
					}
					if has && !w.valid(fm["type"], fv, rns, depth+1) {
						return false
					}
				}
				return true
			case "enum":
				s, ok := def.(string)
				if !ok || s == "" {
					return false
				}
				syms, _ := v["symbols"].([]any)
				for _, sym := range syms {
					if sym == s {
						return true
					}
				}
				return false
			case "fixed":
				s, ok := def.(string)
				size, _ := v["size"].(json.Number)
				n, err := size.Int64()
				return ok && err == nil && int64(len(s)) == n
			case "array":
				items, ok := def.([]any)
				if !ok {
					return false
				}
				for _, it := range items {
					if !w.valid(v["items"], it, ns, depth+1) {
						return false
					}
				}
				return true
			case "map":
				m, ok := def.(map[string]any)
				if !ok {
					return false
				}
				for _, it := range m {
					if !w.valid(v["values"], it, ns, depth+1) {
						return false
					}
				}
				return true
			default:
				return w.valid(tt, def, ns, depth+1)
			}
		case map[string]any, []any:
			return w.valid(tt, def, ns, depth+1)
		}
	}
	return false
}

func isInt(def any, bits int) bool {
	n, ok := def.(json.Number)
	if !ok {
		return false
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok || !r.IsInt() {
		return false
	}
	lim := int64(math.MaxInt64)
	if bits == 32 {
		lim = math.MaxInt32
	}
	x := r.Num()
	return x.IsInt64() && x.Int64() <= lim && x.Int64() >= -lim-1
}

func typeName(t any) string {
	switch v := t.(type) {
	case string:
		return v
	case []any:
		return "union"
	case map[string]any:
		if s, ok := v["type"].(string); ok {
			return s
		}
	}
	return "type"
}
