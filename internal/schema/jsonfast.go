package schema

import (
	"math/big"
	"strings"
)

// draft07Keywords are the keywords of draft-07's metaschema. plainDraft07
// knows how to judge the ones in plainKeywords; a document using any other
// falls back to santhosh-tekuri/jsonschema.
var draft07Keywords = map[string]bool{
	"$comment": true, "$id": true, "$ref": true, "$schema": true, "additionalItems": true, "additionalProperties": true,
	"allOf": true, "anyOf": true, "const": true, "contains": true, "contentEncoding": true, "contentMediaType": true,
	"default": true, "definitions": true, "dependencies": true, "description": true, "else": true, "enum": true,
	"examples": true, "exclusiveMaximum": true, "exclusiveMinimum": true, "format": true, "if": true, "items": true,
	"maxItems": true, "maxLength": true, "maxProperties": true, "maximum": true, "minItems": true, "minLength": true,
	"minProperties": true, "minimum": true, "multipleOf": true, "not": true, "oneOf": true, "pattern": true,
	"patternProperties": true, "properties": true, "propertyNames": true, "readOnly": true, "required": true,
	"then": true, "title": true, "type": true, "uniqueItems": true, "writeOnly": true,
}

// otherDraftKeywords are keywords of other drafts; a document using one
// falls back, whatever santhosh would make of it under draft-07.
var otherDraftKeywords = map[string]bool{
	"id": true, "$defs": true, "$anchor": true, "$dynamicRef": true, "$dynamicAnchor": true, "$recursiveRef": true,
	"$recursiveAnchor": true, "$vocabulary": true, "prefixItems": true, "dependentSchemas": true,
	"dependentRequired": true, "unevaluatedItems": true, "unevaluatedProperties": true, "minContains": true,
	"maxContains": true, "contentSchema": true, "deprecated": true,
}

var simpleTypes = map[string]bool{"array": true, "boolean": true, "integer": true, "null": true, "number": true, "object": true, "string": true}

// plainDraft07 reports whether a JSON Schema document is certainly valid
// under draft-07 as santhosh-tekuri/jsonschema compiles it: it declares
// draft-07 (or no draft: evctl's default is draft-07) and uses only
// keywords whose values it checks here against the metaschema's rules,
// with $refs only to its own definitions. Such a document passes the
// metaschema and compiles (no regular expressions, URIs or other
// documents are involved), so the loader does not hand it to santhosh.
// false means "not known": santhosh decides. TestPlainDraft07 checks on
// every JSON document of the repository and by fuzzing that santhosh
// compiles every document this accepts.
func plainDraft07(root *Node) bool {
	if root.Kind == Bool {
		return true
	}
	if s := root.Get("$schema"); s != nil {
		if s.Kind != String || (s.Str != "http://json-schema.org/draft-07/schema#" && s.Str != "http://json-schema.org/draft-07/schema") {
			return false
		}
	}
	return plainSchema(root, root, true, 0)
}

func plainSchema(root, n *Node, isRoot bool, depth int) bool {
	if depth > 64 {
		return false
	}
	if n.Kind == Bool {
		return true
	}
	if n.Kind != Object {
		return false
	}
	for i := range n.Members {
		m := &n.Members[i]
		v := m.Value
		ok := true
		switch m.Key {
		case "$schema":
			ok = isRoot // checked by plainDraft07
		case "$ref":
			ok = v.Kind == String && plainRef(root, v.Str)
		case "$comment", "title", "description", "format":
			ok = v.Kind == String
		case "type":
			ok = plainType(v)
		case "properties", "definitions":
			ok = v.Kind == Object
			for j := 0; ok && j < len(v.Members); j++ {
				ok = plainSchema(root, v.Members[j].Value, false, depth+1)
			}
		case "required":
			ok = uniqueStrings(v)
		case "additionalProperties", "additionalItems", "not", "contains", "propertyNames", "if", "then", "else":
			ok = plainSchema(root, v, false, depth+1)
		case "items":
			if v.Kind == Array {
				ok = plainSchemas(root, v, 1, depth) // schemaArray: minItems 1
			} else {
				ok = plainSchema(root, v, false, depth+1)
			}
		case "allOf", "anyOf", "oneOf":
			ok = plainSchemas(root, v, 1, depth)
		case "enum":
			ok = v.Kind == Array && len(v.Items) > 0 && uniqueScalars(v.Items)
		case "const", "default":
		case "examples":
			ok = v.Kind == Array
		case "readOnly", "writeOnly", "uniqueItems":
			ok = v.Kind == Bool
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
			ok = v.Kind == Number
		case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
			ok = v.Kind == Number && digitsOnly(v.Str)
		case "multipleOf":
			ok = v.Kind == Number && positive(v.Str)
		default:
			// Another draft-07 keyword (pattern, $id, dependencies, ...),
			// another draft's, or anything starting with '$': santhosh.
			ok = !draft07Keywords[m.Key] && !otherDraftKeywords[m.Key] && !strings.HasPrefix(m.Key, "$")
		}
		if !ok {
			return false
		}
	}
	return true
}

func plainSchemas(root, v *Node, min, depth int) bool {
	if v.Kind != Array || len(v.Items) < min {
		return false
	}
	for _, it := range v.Items {
		if !plainSchema(root, it, false, depth+1) {
			return false
		}
	}
	return true
}

// plainRef accepts "#" and "#/definitions/NAME" with NAME a defined
// schema made of letters, digits, '_', '-' and '.'.
func plainRef(root *Node, ref string) bool {
	if ref == "#" {
		return true
	}
	name, ok := strings.CutPrefix(ref, "#/definitions/")
	if !ok || name == "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	defs := root.Get("definitions")
	return defs != nil && defs.Kind == Object && defs.Get(name) != nil
}

func plainType(v *Node) bool {
	switch v.Kind {
	case String:
		return simpleTypes[v.Str]
	case Array:
		if len(v.Items) == 0 {
			return false
		}
		seen := map[string]bool{}
		for _, it := range v.Items {
			if it.Kind != String || !simpleTypes[it.Str] || seen[it.Str] {
				return false
			}
			seen[it.Str] = true
		}
		return true
	}
	return false
}

func uniqueStrings(v *Node) bool {
	if v.Kind != Array {
		return false
	}
	seen := make(map[string]bool, len(v.Items))
	for _, it := range v.Items {
		if it.Kind != String || seen[it.Str] {
			return false
		}
		seen[it.Str] = true
	}
	return true
}

// uniqueScalars accepts strings, booleans, null and numbers, pairwise
// different as JSON values (1 and 1.0 are the same number).
func uniqueScalars(items []*Node) bool {
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		var key string
		switch it.Kind {
		case String:
			key = "s" + it.Str
		case Bool:
			key = "b"
			if it.Bool {
				key = "t"
			}
		case Null:
			key = "n"
		case Number:
			r, ok := new(big.Rat).SetString(it.Str)
			if !ok || len(it.Str) > 40 {
				return false
			}
			key = "#" + r.RatString()
		default:
			return false
		}
		if seen[key] {
			return false
		}
		seen[key] = true
	}
	return true
}

func digitsOnly(s string) bool {
	if s == "" || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// positive accepts a plain decimal (digits, at most one '.') above zero.
func positive(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	dot, nonzero := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && !dot:
			dot = true
		case c >= '1' && c <= '9':
			nonzero = true
		case c == '0':
		default:
			return false
		}
	}
	return nonzero
}
