package compat

// RegisterJSONSchema installs package jsonschema's primitives for Check and
// Diff: parse is jsonschema.Parse and canRead is jsonschema.CanRead
// (returning every change, compatible or not). This package cannot import
// jsonschema (jsonschema imports it for Change), so jsonschema, or the
// program, calls
//
//	compat.RegisterJSONSchema(jsonschema.Parse, jsonschema.CanRead)
//
// JSON Schema has no lenient/strict parse split and its changes do not
// depend on which side is new, so both checks use the same calls.
func RegisterJSONSchema[S any](parse func(text []byte, yaml bool, refs map[string][]byte) (S, error), canRead func(reader, writer S, policy Policy) []Change) {
	RegisterFormat(JSONSchema,
		func(d Doc, _ bool) (S, error) { return parse(d.Text, d.YAML, d.References) },
		func(reader, writer S, _ bool, opts Options) []Change { return canRead(reader, writer, opts.Policy) })
}
