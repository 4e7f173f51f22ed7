package jsonschema

import (
	"github.com/evctl/evctl/internal/compat"
)

// CanRead reports whether a consumer using reader can read data written
// with writer: Confluent's backward check, SchemaDiff.compare(original =
// writer, update = reader). It returns every change found, compatible or
// not, judged against the policy's compatible set (STRICT when empty).
func CanRead(reader, writer *Schema, policy compat.Policy) []compat.Change {
	return diff(writer, reader, policy)
}

// Diff compares original with update under the STRICT policy.
func Diff(original, update *Schema) []compat.Change {
	return diff(original, update, compat.Strict)
}
