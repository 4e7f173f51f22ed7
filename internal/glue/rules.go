// Package glue owns evctl's AWS Glue Schema Registry support: Glue's rules
// (names, compatibility modes, the formats and JSON Schema drafts Glue
// accepts), a client speaking Glue's AWS JSON 1.1 API signed with SigV4
// (package glue/sigv4), and the push and check logic of a Glue target. The
// local Glue-API server is package glue/server.
package glue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/compat"
)

// MaxNameLength is Glue's limit for registry and schema names.
const MaxNameLength = 255

// MaxDefinitionBytes is Glue's limit for a schema definition (the
// SchemaDefinition field of the API, 170000 characters).
const MaxDefinitionBytes = 170000

// ErrRefused wraps every refusal of input Glue would not accept.
var ErrRefused = errors.New("not accepted by AWS Glue Schema Registry")

// CheckName checks a registry or schema name against Glue's pattern
// [a-zA-Z0-9-_$#.]+ and length limit.
func CheckName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty %s name", ErrRefused, kind)
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("%w: %s name %.40q... is %d characters, Glue allows at most %d", ErrRefused, kind, name, len(name), MaxNameLength)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_$#.", c) >= 0 {
			continue
		}
		return fmt.Errorf("%w: %s name %q has %q at offset %d; Glue names match [a-zA-Z0-9-_$#.]+", ErrRefused, kind, name, c, i)
	}
	return nil
}

// Glue's compatibility modes.
const (
	ModeNone        = "NONE"
	ModeDisabled    = "DISABLED"
	ModeBackward    = "BACKWARD"
	ModeBackwardAll = "BACKWARD_ALL"
	ModeForward     = "FORWARD"
	ModeForwardAll  = "FORWARD_ALL"
	ModeFull        = "FULL"
	ModeFullAll     = "FULL_ALL"
)

var modeLevels = map[string]compat.Level{
	ModeNone:        compat.None,
	ModeBackward:    compat.Backward,
	ModeBackwardAll: compat.BackwardTransitive,
	ModeForward:     compat.Forward,
	ModeForwardAll:  compat.ForwardTransitive,
	ModeFull:        compat.Full,
	ModeFullAll:     compat.FullTransitive,
}

// LevelOf maps a Glue mode to the Confluent level with the same verdicts
// (_ALL is _TRANSITIVE). DISABLED has none: it allows no new version.
func LevelOf(mode string) (compat.Level, error) {
	if l, ok := modeLevels[mode]; ok {
		return l, nil
	}
	if mode == ModeDisabled {
		return "", fmt.Errorf("%w: compatibility DISABLED allows no new versions", ErrRefused)
	}
	return "", fmt.Errorf("%w: unknown compatibility mode %q (want NONE, DISABLED, BACKWARD, BACKWARD_ALL, FORWARD, FORWARD_ALL, FULL or FULL_ALL)", ErrRefused, mode)
}

// ModeOf maps a Confluent level to its Glue mode.
func ModeOf(l compat.Level) (string, error) {
	for m, ml := range modeLevels {
		if ml == l {
			return m, nil
		}
	}
	return "", fmt.Errorf("%w: no Glue mode for compatibility level %q", ErrRefused, l)
}

// ValidMode reports whether mode is one of Glue's modes.
func ValidMode(mode string) bool {
	_, ok := modeLevels[mode]
	return ok || mode == ModeDisabled
}

// Glue's data formats that evctl handles. PROTOBUF is a Glue format too,
// but evctl has no Protobuf engine and refuses it.
const (
	FormatAvro = "AVRO"
	FormatJSON = "JSON"
)

// glueDrafts are the $schema values of the JSON Schema drafts Glue accepts
// (4, 6 and 7), without a trailing '#' and scheme.
var glueDrafts = map[string]bool{
	"json-schema.org/draft-04/schema": true,
	"json-schema.org/draft-06/schema": true,
	"json-schema.org/draft-07/schema": true,
}

// CheckDefinition checks that Glue would accept definition as a new version
// of dataFormat: the format, the size, the JSON Schema draft, and that it
// parses (Avro 1.11 rules, or JSON Schema). It is what Glue's
// CheckSchemaVersionValidity answers, and what evctl refuses before any
// call to Glue.
func CheckDefinition(dataFormat string, definition []byte) error {
	if len(definition) == 0 {
		return fmt.Errorf("%w: empty schema definition", ErrRefused)
	}
	if len(definition) > MaxDefinitionBytes {
		return fmt.Errorf("%w: schema definition is %d bytes, Glue allows at most %d", ErrRefused, len(definition), MaxDefinitionBytes)
	}
	switch dataFormat {
	case FormatAvro:
		if _, err := compat.Check(compat.Avro, compat.None, compat.Doc{Text: definition}, nil, compat.Options{}); err != nil {
			return fmt.Errorf("%w: invalid Avro schema: %w", ErrRefused, err)
		}
		return nil
	case FormatJSON:
		var top struct {
			Schema *string `json:"$schema"`
		}
		if err := json.Unmarshal(definition, &top); err == nil && top.Schema != nil {
			d := strings.TrimSuffix(*top.Schema, "#")
			d = strings.TrimPrefix(strings.TrimPrefix(d, "http://"), "https://")
			if !glueDrafts[d] {
				return fmt.Errorf("%w: JSON Schema dialect %q; Glue accepts drafts 4, 6 and 7 only (http://json-schema.org/draft-07/schema#)", ErrRefused, *top.Schema)
			}
		}
		if _, err := compat.Check(compat.JSONSchema, compat.None, compat.Doc{Text: definition}, nil, compat.Options{}); err != nil {
			return fmt.Errorf("%w: invalid JSON Schema: %w", ErrRefused, err)
		}
		return nil
	case "PROTOBUF":
		return fmt.Errorf("%w by evctl: evctl has no Protobuf engine (data format PROTOBUF)", ErrRefused)
	}
	return fmt.Errorf("%w: unknown data format %q (want AVRO or JSON)", ErrRefused, dataFormat)
}

// Normalize returns the form two definitions are compared in: JSON
// re-encoded compactly with object keys sorted, so whitespace and key order
// do not make a new version. Text that is not JSON is returned unchanged.
func Normalize(definition []byte) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(definition))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(definition)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(definition)
	}
	return string(out)
}
