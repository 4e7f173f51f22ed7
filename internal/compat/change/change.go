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
	// New and Old are where Path points in the new and in the compared
	// schema's text, when it points at a node there. When it points at
	// neither, New is the nearest enclosing node of the new schema.
	New *Position `json:"new,omitempty"`
	Old *Position `json:"old,omitempty"`
}

// Position is a place in a schema document: the Doc's name and a 1-based
// line and column.
type Position struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
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
