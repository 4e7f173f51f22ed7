package jsonschema

import (
	"sort"

	"github.com/evctl/evctl/internal/compat/change"
)

// incompatibleTypes are the difference types of Confluent's SchemaDiff that
// no policy accepts.
var incompatibleTypes = []string{
	"ADDITIONAL_ITEMS_NARROWED", "ADDITIONAL_ITEMS_REMOVED",
	"COMBINED_TYPE_CHANGED", "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
	"DEPENDENCY_ARRAY_ADDED", "DEPENDENCY_ARRAY_CHANGED", "DEPENDENCY_ARRAY_EXTENDED", "DEPENDENCY_SCHEMA_ADDED",
	"ENUM_ARRAY_CHANGED", "ENUM_ARRAY_NARROWED",
	"EXCLUSIVE_MAXIMUM_ADDED", "EXCLUSIVE_MAXIMUM_DECREASED", "EXCLUSIVE_MINIMUM_ADDED", "EXCLUSIVE_MINIMUM_INCREASED",
	"ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
	"ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"MAXIMUM_ADDED", "MAXIMUM_DECREASED", "MAX_CONTAINS_ADDED", "MAX_CONTAINS_DECREASED",
	"MAX_ITEMS_ADDED", "MAX_ITEMS_DECREASED", "MAX_LENGTH_ADDED", "MAX_LENGTH_DECREASED",
	"MAX_PROPERTIES_ADDED", "MAX_PROPERTIES_DECREASED",
	"MINIMUM_ADDED", "MINIMUM_INCREASED", "MIN_CONTAINS_ADDED", "MIN_CONTAINS_INCREASED",
	"MIN_ITEMS_ADDED", "MIN_ITEMS_INCREASED", "MIN_LENGTH_ADDED", "MIN_LENGTH_INCREASED",
	"MIN_PROPERTIES_ADDED", "MIN_PROPERTIES_INCREASED",
	"MULTIPLE_OF_ADDED", "MULTIPLE_OF_CHANGED", "MULTIPLE_OF_EXPANDED",
	"NOT_TYPE_EXTENDED", "PATTERN_ADDED", "PATTERN_CHANGED", "PRODUCT_TYPE_EXTENDED",
	"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
	"REQUIRED_ATTRIBUTE_ADDED", "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
	"SCHEMA_ADDED", "SUM_TYPE_NARROWED", "TYPE_CHANGED", "TYPE_NARROWED",
	"UNEVALUATED_ITEMS_NARROWED", "UNEVALUATED_ITEMS_REMOVED",
	"UNIQUE_ITEMS_ADDED",
}

// ChangeType describes one difference type.
type ChangeType struct {
	Type string
	// Strict and Lenient tell whether the policy accepts the change.
	Strict, Lenient bool
	// Explain is evctl's explanation, with "#/<path>" for the location.
	Explain string
}

// ChangeTypes lists every difference type the checker reports, sorted.
func ChangeTypes() []ChangeType {
	seen := map[string]bool{}
	var out []ChangeType
	for _, list := range [][]string{compatibleStrict, lenientExtra, incompatibleTypes} {
		for _, t := range list {
			if seen[t] {
				continue
			}
			seen[t] = true
			out = append(out, ChangeType{Type: t, Strict: compatibleSet(change.Strict)[t], Lenient: compatibleSet(change.Lenient)[t], Explain: message(t, "#/<path>")})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}
