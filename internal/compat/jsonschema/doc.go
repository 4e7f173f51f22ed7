// Package jsonschema owns evctl's JSON Schema compatibility check: a loader
// that parses JSON Schema documents (JSON or YAML; drafts 4, 6, 7, 2019-09
// and 2020-12) into the Everit object model Confluent Schema Registry uses,
// and a port of Confluent's SchemaDiff that reports the same
// Difference.Type changes, at the same paths, with the same STRICT and
// LENIENT verdicts.
//
// Parse builds a Schema; CanRead(reader, writer, policy) is Confluent's
// backward check SchemaDiff.compare(original = writer, update = reader) and
// returns every change, compatible or not; Diff(original, update) is the
// same under STRICT.
//
// Deliberate departures from Confluent, none of which changes a verdict
// Confluent actually returns:
//   - a decreased exclusiveMaximum with no maximum in the new schema is
//     reported as EXCLUSIVE_MAXIMUM_DECREASED (Confluent fails with a
//     server error there; with a maximum present evctl copies Confluent's
//     comparison against that maximum);
//   - default values compare as JSON values (Confluent's org.json objects
//     compare by identity, so an unchanged object or array default is
//     reported as DEFAULT_CHANGED there, which is compatible anyway);
//   - a chain of $refs is followed to its end (Confluent unwraps one).
package jsonschema
