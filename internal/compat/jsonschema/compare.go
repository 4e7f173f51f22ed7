package jsonschema

import "github.com/evctl/evctl/internal/compat"

func diff(original, update *Schema, policy compat.Policy) []compat.Change {
	var out []compat.Change
	o, u := original.resolved(), update.resolved()
	if o.kind != u.kind && o.kind != kindFalse && !u.isEmpty() {
		out = append(out, compat.Change{Type: "TYPE_CHANGED", Path: "#/", Message: "the schema type changed"})
	}
	return out
}
