package avro

import (
	"strconv"
	"strings"
)

// Canonical returns the Avro Parsing Canonical Form of s, built like Java's
// SchemaNormalization.toParsingForm: primitives as bare names, full names,
// only the attributes that matter for parsing (name, type, fields, symbols,
// items, values, size) in that order, no whitespace, and every named type
// written in full at its first occurrence and by full name afterwards.
// Two schemas with the same canonical form read and write the same bytes.
func Canonical(s *Schema) string {
	if s == nil {
		return ""
	}
	var b strings.Builder
	seen := map[string]bool{}
	canonical(&b, s, seen)
	return b.String()
}

func canonical(b *strings.Builder, s *Schema, seen map[string]bool) {
	switch s.Type {
	case Union:
		b.WriteByte('[')
		for i, br := range s.Branches {
			if i > 0 {
				b.WriteByte(',')
			}
			canonical(b, br, seen)
		}
		b.WriteByte(']')
	case Array:
		b.WriteString(`{"type":"array","items":`)
		canonical(b, s.Items, seen)
		b.WriteByte('}')
	case Map:
		b.WriteString(`{"type":"map","values":`)
		canonical(b, s.Values, seen)
		b.WriteByte('}')
	case Record, Enum, Fixed:
		if seen[s.FullName] {
			b.WriteString(`"` + s.FullName + `"`)
			return
		}
		seen[s.FullName] = true
		b.WriteString(`{"name":"` + s.FullName + `","type":"` + s.Type.String() + `"`)
		switch s.Type {
		case Enum:
			b.WriteString(`,"symbols":[`)
			for i, sym := range s.Symbols {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`"` + sym + `"`)
			}
			b.WriteByte(']')
		case Fixed:
			b.WriteString(`,"size":` + strconv.Itoa(s.Size))
		default:
			b.WriteString(`,"fields":[`)
			for i, f := range s.Fields {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"name":"` + f.Name + `","type":`)
				canonical(b, f.Type, seen)
				b.WriteByte('}')
			}
			b.WriteByte(']')
		}
		b.WriteByte('}')
	default:
		b.WriteString(`"` + s.Type.String() + `"`)
	}
}
