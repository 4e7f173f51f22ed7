package jsonschema

import (
	"encoding/json"
	"math/big"
	"sort"
)

// jsonEqual is deep equality of decoded JSON values; numbers compare by
// value (1 == 1.0).
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		return okx && oky && rx.Cmp(ry) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// schemaEqual is the structural equality Confluent uses to de-duplicate
// the subschemas of a combined schema: two nodes are equal when they were
// loaded from equal schema JSON.
func schemaEqual(a, b *Schema) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.raw == nil || b.raw == nil {
		return false
	}
	return a.kind == b.kind && a.rawType == b.rawType && jsonEqual(a.raw, b.raw)
}

func sortStrings(s []string) { sort.Strings(s) }
