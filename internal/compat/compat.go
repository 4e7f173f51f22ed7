// Package compat owns schema compatibility: the Confluent levels (BACKWARD,
// FORWARD, FULL and their transitive forms) built from one canRead(reader,
// writer) primitive per format. The per-format checkers live in
// internal/compat/avro and internal/compat/jsonschema; the CLI and the registry
// server both call Check.
package compat

import (
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/compat/change"
	"github.com/evctl/evctl/internal/schema"
)

// Level is a Confluent compatibility level.
type Level string

// The Confluent compatibility levels.
const (
	None               Level = "NONE"
	Backward           Level = "BACKWARD"
	BackwardTransitive Level = "BACKWARD_TRANSITIVE"
	Forward            Level = "FORWARD"
	ForwardTransitive  Level = "FORWARD_TRANSITIVE"
	Full               Level = "FULL"
	FullTransitive     Level = "FULL_TRANSITIVE"
)

// Levels lists every level in Confluent's order.
var Levels = []Level{None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive}

// ParseLevel parses a level name, case-insensitively.
func ParseLevel(s string) (Level, error) {
	u := Level(strings.ToUpper(strings.TrimSpace(s)))
	for _, l := range Levels {
		if l == u {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown compatibility level %q (want one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE)", s)
}

// Transitive reports whether the level compares against every previous version.
func (l Level) Transitive() bool { return strings.HasSuffix(string(l), "_TRANSITIVE") }

// Format is a schema format as the registry names it.
type Format = schema.Format

// Supported formats.
const (
	Avro       = schema.Avro
	JSONSchema = schema.JSONSchema
)

// Policy is the JSON Schema compatibility policy (Confluent's compatibilityPolicy).
type Policy = change.Policy

// Policies.
const (
	Strict  = change.Strict
	Lenient = change.Lenient
)

// Direction tells which way a change was found.
type Direction = change.Direction

// Directions.
const (
	// DirBackward: the new schema reads data written with the previous one.
	DirBackward = change.DirBackward
	// DirForward: the previous schema reads data written with the new one.
	DirForward = change.DirForward
)

// Change is one difference between two schemas (see package change).
type Change = change.Change

// Position is a place in a schema document.
type Position = change.Position

// Doc is one schema document given to Check.
type Doc struct {
	// Name identifies the document in messages: a file path, "v3" or a registry version.
	Name string
	// Text is the schema source.
	Text []byte
	// YAML is true when Text is JSON Schema written in YAML.
	YAML bool
	// References resolves external $refs (JSON Schema) or named types
	// defined in other schemas (Avro): reference name -> schema text.
	References map[string][]byte
}

// Options tune Check.
type Options struct {
	Policy Policy
}

// Result is the verdict of a level check.
type Result struct {
	Level      Level    `json:"level"`
	Compatible bool     `json:"compatible"`
	Changes    []Change `json:"changes"`
}
