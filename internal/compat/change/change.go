// Package change owns the vocabulary the compatibility checkers report in: a
// Change with its type, path, verdict and message, the direction it was found
// in, and the JSON Schema policy. It is a leaf package so that the per-format
// checkers (internal/compat/avro, internal/compat/jsonschema) and the level
// logic in internal/compat can share it without an import cycle.
package change

// Change is one difference between two schemas.
//
// For Avro, Type is the Avro incompatibility type (TYPE_MISMATCH, ...) and
// Path is Avro's location ("/fields/1/type"). For JSON Schema, Type is
// Confluent's Difference.Type (PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, ...) and
// Path is the JSON pointer as Confluent prints it ("#/properties/foo").
type Change struct {
	Type       string    `json:"type"`
	Path       string    `json:"path"`
	Compatible bool      `json:"compatible"`
	Message    string    `json:"message"`
	Against    string    `json:"against,omitempty"`
	Direction  Direction `json:"direction,omitempty"`
}

// Direction tells which way a change was found.
type Direction string

// Directions.
const (
	// DirBackward: the new schema reads data written with the previous one.
	DirBackward Direction = "backward"
	// DirForward: the previous schema reads data written with the new one.
	DirForward Direction = "forward"
)

// Policy is the JSON Schema compatibility policy (Confluent's compatibilityPolicy).
type Policy string

// Policies.
const (
	Strict  Policy = "STRICT"
	Lenient Policy = "LENIENT"
)
