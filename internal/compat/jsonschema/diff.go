package jsonschema

import (
	"strconv"
	"strings"

	"github.com/evctl/evctl/internal/compat/change"
)

// CanRead reports what stops a consumer using reader from reading data
// written with writer: Confluent's backward check, SchemaDiff.compare(
// original = writer, update = reader). It returns every change found,
// compatible or not; Compatible is judged against the policy's compatible
// set (STRICT when policy is empty or unknown). The reader can read the
// writer's data iff every change is compatible.
func CanRead(reader, writer *Schema, policy change.Policy) []change.Change {
	return diff(writer, reader, policy)
}

// CanReadDirected is CanRead with messages worded for the direction: when
// readerIsNew is false (a forward check: consumers on the previous schema
// read data written with the new one), incompatible changes are explained
// from that side.
func CanReadDirected(reader, writer *Schema, policy change.Policy, readerIsNew bool) []change.Change {
	out := diffDetailed(writer, reader, policy)
	if readerIsNew {
		return out.changes
	}
	for i := range out.changes {
		if !out.changes[i].Compatible {
			out.changes[i].Message = forwardMessage(out.changes[i].Type, out.changes[i].Path, out.details[i])
		}
	}
	return out.changes
}

// forwardMessage explains an incompatible change found in the forward
// direction: the diff runs from the new schema (the writer) to the old one
// (the reader), so "added" there means the new schema lacks it.
func forwardMessage(typ, where, detail string) string {
	name := lastSegment(where)
	q := strconv.Quote
	const fwd = "consumers on the old schema read data written with the new one: "
	switch typ {
	case "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL":
		return fwd + "property " + q(name) + " is new, and the old schema's closed content model rejects data holding it; leave it out, or first release a version whose model is open"
	case "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "REQUIRED_ATTRIBUTE_ADDED":
		return fwd + "the old schema requires property " + q(name) + ", which the new schema no longer guarantees; keep it, and keep it required"
	case "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL":
		return fwd + "the old schema constrains property " + q(name) + ", which the new schema removed, so new data may hold it with any value; keep the property in the new schema"
	case "TYPE_CHANGED", "TYPE_NARROWED":
		return fwd + "the type at " + where + " changed, so data valid under the new schema fails the old one; keep the old type"
	case "ENUM_ARRAY_NARROWED", "ENUM_ARRAY_CHANGED":
		if detail != "" {
			return fwd + "the new schema allows " + detail + " at " + where + ", which the old schema rejects; do not add values to a field consumers validate"
		}
		return fwd + "the new schema allows values at " + where + " that the old schema rejects; do not add values"
	case "ADDITIONAL_PROPERTIES_REMOVED", "ADDITIONAL_PROPERTIES_NARROWED":
		return fwd + "the new schema allows extra properties at " + where + " that the old schema rejects; keep the old restriction"
	}
	return fwd + "seen from the new schema, the old one has " + human(typ) + " at " + where + ", so the old schema rejects data the new one allows; keep the new schema within the old one there"
}

// Diff compares original with update under the STRICT policy: the changes
// Confluent's SchemaDiff.compare(original, update) reports.
func Diff(original, update *Schema) []change.Change {
	return diff(original, update, change.Strict)
}

// Compatible reports whether every change is compatible.
func Compatible(changes []change.Change) bool {
	for _, c := range changes {
		if !c.Compatible {
			return false
		}
	}
	return true
}

func diff(original, update *Schema, policy change.Policy) []change.Change {
	return diffDetailed(original, update, policy).changes
}

type detailed struct {
	changes []change.Change
	details []string
}

func diffDetailed(original, update *Schema, policy change.Policy) detailed {
	set := compatibleSet(policy)
	if original == nil {
		original = &Schema{}
	}
	if update == nil {
		update = &Schema{}
	}
	diffs := run(set, original, update)
	out := make([]change.Change, 0, len(diffs))
	details := make([]string, 0, len(diffs))
	for _, d := range diffs {
		details = append(details, d.detail)
		where := "#/" + d.path
		out = append(out, change.Change{
			Type:       d.typ,
			Path:       where,
			Compatible: set[d.typ],
			Message:    messageDetail(d.typ, where, d.detail),
		})
	}
	return detailed{changes: out, details: details}
}

// compatibleStrict is Confluent's COMPATIBLE_CHANGES_STRICT.
var compatibleStrict = []string{
	"ID_CHANGED", "DESCRIPTION_CHANGED", "TITLE_CHANGED", "DEFAULT_CHANGED", "SCHEMA_REMOVED", "TYPE_EXTENDED",
	"MAX_LENGTH_INCREASED", "MAX_LENGTH_REMOVED", "MIN_LENGTH_DECREASED", "MIN_LENGTH_REMOVED", "PATTERN_REMOVED",
	"MAXIMUM_INCREASED", "MAXIMUM_REMOVED", "MINIMUM_DECREASED", "MINIMUM_REMOVED",
	"EXCLUSIVE_MAXIMUM_INCREASED", "EXCLUSIVE_MAXIMUM_REMOVED", "EXCLUSIVE_MINIMUM_DECREASED", "EXCLUSIVE_MINIMUM_REMOVED",
	"MULTIPLE_OF_REDUCED", "MULTIPLE_OF_REMOVED",
	"REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", "REQUIRED_ATTRIBUTE_REMOVED",
	"DEPENDENCY_ARRAY_NARROWED", "DEPENDENCY_ARRAY_REMOVED", "DEPENDENCY_SCHEMA_REMOVED",
	"MAX_PROPERTIES_INCREASED", "MAX_PROPERTIES_REMOVED", "MIN_PROPERTIES_DECREASED", "MIN_PROPERTIES_REMOVED",
	"ADDITIONAL_PROPERTIES_ADDED", "ADDITIONAL_PROPERTIES_EXTENDED",
	"UNEVALUATED_PROPERTIES_ADDED", "UNEVALUATED_PROPERTIES_EXTENDED",
	"PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
	"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
	"PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
	"PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"MAX_ITEMS_INCREASED", "MAX_ITEMS_REMOVED", "MIN_ITEMS_DECREASED", "MIN_ITEMS_REMOVED",
	"MAX_CONTAINS_INCREASED", "MAX_CONTAINS_REMOVED", "MIN_CONTAINS_DECREASED", "MIN_CONTAINS_REMOVED",
	"UNIQUE_ITEMS_REMOVED", "ADDITIONAL_ITEMS_ADDED", "ADDITIONAL_ITEMS_EXTENDED",
	"UNEVALUATED_ITEMS_ADDED", "UNEVALUATED_ITEMS_EXTENDED",
	"ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
	"ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
	"ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"ENUM_ARRAY_EXTENDED",
	"COMBINED_TYPE_EXTENDED", "PRODUCT_TYPE_NARROWED", "SUM_TYPE_EXTENDED", "NOT_TYPE_NARROWED",
}

// lenientExtra is what COMPATIBLE_CHANGES_LENIENT adds to STRICT.
var lenientExtra = []string{
	"ADDITIONAL_PROPERTIES_NARROWED", "ADDITIONAL_PROPERTIES_REMOVED",
	"UNEVALUATED_PROPERTIES_NARROWED", "UNEVALUATED_PROPERTIES_REMOVED",
	"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
	"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
	"PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
}

var (
	strictSet  = toSet(compatibleStrict)
	lenientSet = toSet(append(append([]string{}, compatibleStrict...), lenientExtra...))
)

func toSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, t := range list {
		m[t] = true
	}
	return m
}

func compatibleSet(p change.Policy) map[string]bool {
	if strings.EqualFold(string(p), string(change.Lenient)) {
		return lenientSet
	}
	return strictSet
}

// message explains a change in one line and says how to avoid it when it
// breaks readers.
// messageDetail is message with what changed named (the enum values).
func messageDetail(typ, where, detail string) string {
	if detail != "" {
		switch typ {
		case "ENUM_ARRAY_NARROWED", "ENUM_ARRAY_CHANGED":
			return "the allowed values at " + where + " lost " + detail + ", which old data may hold; only add values"
		case "ENUM_ARRAY_EXTENDED":
			return "values " + detail + " were added at " + where
		}
	}
	return message(typ, where)
}

func message(typ, where string) string {
	name := lastSegment(where)
	q := strconv.Quote
	switch typ {
	case "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL":
		return "property " + q(name) + " was added to an open content model, so old data may already hold it with another type; add `additionalProperties: false` to close the model first, or give the property an empty schema (allowed under LENIENT)"
	case "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL":
		return "required property " + q(name) + " was added to an open content model; old data may lack it or hold it with another type: make it optional and close the model with `additionalProperties: false` first"
	case "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL":
		return "required property " + q(name) + " (with a default) was added to an open content model; old data may hold it with another type: close the model with `additionalProperties: false` first (allowed under LENIENT)"
	case "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL":
		return "property " + q(name) + " with an empty schema was added to an open content model; it accepts anything old data holds"
	case "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL":
		return "required property " + q(name) + " was added, and old data never has it; make it optional or give it a default"
	case "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL":
		return "required property " + q(name) + " with a default was added to a closed content model"
	case "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL":
		return "optional property " + q(name) + " was added to a closed content model; old data cannot hold it"
	case "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL":
		return "property " + q(name) + " was removed; the open content model still accepts it"
	case "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL":
		return "property " + q(name) + " was removed from a closed content model, so old data holding it is rejected; keep the property, or open the model (allowed under LENIENT)"
	case "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL":
		return "property " + q(name) + " (schema false) was removed from a closed content model; old data never held it"
	case "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":
		return "property " + q(name) + " was added and its schema accepts what the old patternProperties/additionalProperties allowed"
	case "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":
		return "property " + q(name) + " was added but its schema rejects values the old patternProperties/additionalProperties allowed; widen its schema to accept them (allowed under LENIENT)"
	case "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":
		return "property " + q(name) + " was removed; the new patternProperties/additionalProperties still accept its values"
	case "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":
		return "property " + q(name) + " was removed and the new patternProperties/additionalProperties reject its old values; keep the property or widen those schemas"
	case "REQUIRED_ATTRIBUTE_ADDED":
		return "property " + q(name) + " became required, and old data may lack it; keep it optional or give it a default"
	case "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED":
		return "property " + q(name) + " became required; it has a default"
	case "REQUIRED_ATTRIBUTE_REMOVED":
		return "property " + q(name) + " is no longer required"
	case "TYPE_CHANGED":
		return "the type at " + where + " changed, so old data no longer validates; keep the old type, or add the new one as a branch of anyOf/oneOf"
	case "TYPE_NARROWED":
		return "the type at " + where + " was narrowed from number to integer; old non-integer values are rejected: keep \"number\""
	case "TYPE_EXTENDED":
		return "the type at " + where + " was widened from integer to number"
	case "SCHEMA_ADDED":
		return "a schema was added at " + where + " where anything was allowed before; old data may not match it: drop it or make it {}"
	case "SCHEMA_REMOVED":
		return "the schema at " + where + " was removed; anything is allowed now"
	case "ENUM_ARRAY_NARROWED", "ENUM_ARRAY_CHANGED":
		return "the allowed values at " + where + " lost values old data may hold; only add values"
	case "ENUM_ARRAY_EXTENDED":
		return "values were added at " + where
	case "COMBINED_TYPE_CHANGED":
		return "the combination keyword at " + where + " changed in a way that rejects old data; only change allOf/oneOf to anyOf"
	case "COMBINED_TYPE_EXTENDED":
		return "the combination keyword at " + where + " was relaxed"
	case "PRODUCT_TYPE_EXTENDED":
		return "an allOf conjunct was added at " + where + ", adding a constraint old data may break; drop it"
	case "PRODUCT_TYPE_NARROWED":
		return "an allOf conjunct was removed at " + where
	case "SUM_TYPE_EXTENDED":
		return "a branch was added at " + where
	case "SUM_TYPE_NARROWED":
		return "an anyOf/oneOf branch was removed at " + where + " and old data may match only it; keep the branch"
	case "COMBINED_TYPE_SUBSCHEMAS_CHANGED":
		return "a subschema at " + where + " has no compatible counterpart in the new schema; keep the old branches and only add new ones"
	case "NOT_TYPE_EXTENDED":
		return "the `not` schema at " + where + " now excludes more values; keep it as narrow as before"
	case "NOT_TYPE_NARROWED":
		return "the `not` schema at " + where + " excludes no more than before"
	case "ADDITIONAL_PROPERTIES_REMOVED":
		return "additional properties are no longer allowed at " + where + "; old data with extra properties is rejected: keep them allowed (allowed under LENIENT)"
	case "ADDITIONAL_PROPERTIES_NARROWED":
		return "additional properties at " + where + " now need to match a schema; old extra properties may not: drop the schema (allowed under LENIENT)"
	case "ADDITIONAL_ITEMS_REMOVED", "UNEVALUATED_ITEMS_REMOVED", "UNEVALUATED_PROPERTIES_REMOVED":
		return "extra values are no longer allowed at " + where + "; old data with them is rejected: keep them allowed"
	case "ADDITIONAL_ITEMS_NARROWED", "UNEVALUATED_ITEMS_NARROWED", "UNEVALUATED_PROPERTIES_NARROWED":
		return "extra values at " + where + " now need to match a schema that old data may not; drop the schema"
	case "ITEM_ADDED_TO_OPEN_CONTENT_MODEL":
		return "tuple item " + where + " was added to an open tuple, so old data may hold another value there; close the tuple with `additionalItems: false` first, or use an empty schema"
	case "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL":
		return "tuple item " + where + " was removed from a closed tuple, so old data holding it is rejected; keep the item or allow additional items"
	case "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":
		return "tuple item " + where + " is not compatible with the additionalItems schema; align the item schema with additionalItems"
	case "DEPENDENCY_ARRAY_ADDED", "DEPENDENCY_ARRAY_EXTENDED", "DEPENDENCY_ARRAY_CHANGED", "DEPENDENCY_SCHEMA_ADDED":
		return "the dependency " + q(name) + " now demands more than old data may satisfy; drop the new dependency"
	case "PATTERN_ADDED", "PATTERN_CHANGED":
		return "the pattern at " + where + " is new or changed, so old strings may not match; drop it or keep the old pattern"
	case "UNIQUE_ITEMS_ADDED":
		return "uniqueItems was added at " + where + "; old arrays may hold duplicates: drop it"
	}
	if strings.HasSuffix(typ, "_ADDED") || strings.HasSuffix(typ, "_DECREASED") && strings.HasPrefix(typ, "MAX") ||
		strings.HasSuffix(typ, "_INCREASED") && (strings.HasPrefix(typ, "MIN") || strings.HasPrefix(typ, "EXCLUSIVE_MIN")) ||
		strings.HasSuffix(typ, "_DECREASED") && strings.HasPrefix(typ, "EXCLUSIVE_MAX") ||
		typ == "MULTIPLE_OF_EXPANDED" || typ == "MULTIPLE_OF_CHANGED" {
		return human(typ) + " at " + where + " tightens a limit, so old data may break it; keep the old limit or relax it"
	}
	return human(typ) + " at " + where
}

// humanNames caches the lower-case, spaced form of the change types.
var humanNames = func() map[string]string {
	m := map[string]string{}
	for _, t := range append(append([]string{}, compatibleStrict...), lenientExtra...) {
		m[t] = strings.ToLower(strings.ReplaceAll(t, "_", " "))
	}
	for _, base := range []string{"MAX_LENGTH", "MIN_LENGTH", "MAXIMUM", "MINIMUM", "EXCLUSIVE_MAXIMUM", "EXCLUSIVE_MINIMUM",
		"MAX_PROPERTIES", "MIN_PROPERTIES", "MAX_ITEMS", "MIN_ITEMS", "MAX_CONTAINS", "MIN_CONTAINS", "MULTIPLE_OF"} {
		for _, suffix := range []string{"_ADDED", "_REMOVED", "_INCREASED", "_DECREASED", "_EXPANDED", "_REDUCED", "_CHANGED"} {
			m[base+suffix] = strings.ToLower(strings.ReplaceAll(base+suffix, "_", " "))
		}
	}
	return m
}()

func human(typ string) string {
	if h, ok := humanNames[typ]; ok {
		return h
	}
	return strings.ToLower(strings.ReplaceAll(typ, "_", " "))
}

func lastSegment(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}
