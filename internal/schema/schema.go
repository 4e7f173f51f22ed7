// Package schema owns the one parsed model of an event catalog. It finds the
// Avro (.avsc) and JSON Schema (.json, .yaml, .yml) files under the schema
// roots, parses each once into a position-carrying Node tree, validates it
// (hamba/avro for Avro, santhosh-tekuri/jsonschema against its metaschema for
// JSON Schema) and exposes a format-neutral view of records and fields that
// lint, compat and codegen share.
package schema

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	hamba "github.com/hamba/avro/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Format is the schema language of a file, spelled as Confluent's
// schemaType ("AVRO", "JSON"). It is the one format type of evctl: compat
// and the registry use it too.
type Format string

// Formats.
const (
	Avro       Format = "AVRO"
	JSONSchema Format = "JSON"
)

// FormatOf returns the format for a file name by its extension, and whether
// it is JSON Schema written in YAML. ok is false for other files.
func FormatOf(path string) (f Format, yaml bool, ok bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".avsc":
		return Avro, false, true
	case ".json":
		return JSONSchema, false, true
	case ".yaml", ".yml":
		return JSONSchema, true, true
	}
	return "", false, false
}

// Event is one event definition: one file of the catalog.
type Event struct {
	// Path is the file path as the user gave it (slash-separated).
	Path string
	// Format is Avro or JSON Schema; YAML tells JSON Schema written in YAML.
	Format Format
	YAML   bool
	// Version is N of the nearest enclosing v<N> directory, or 0 if none.
	Version int
	// Domain is the directories between the schema root and the v<N>
	// directory ("billing" of schemas/billing/v1/OrderPlaced.json), or "".
	Domain string
	// Shared tells a shared definition: a file outside every v<N> directory
	// or matched by the shared globs. It is loaded for reference resolution
	// and linted by the rules that apply to types, never as an event.
	Shared bool
	// VersionDir is the path of that directory ("schemas/v1"), or "".
	VersionDir string
	// Stem is the file name without its extension.
	Stem string
	// Type is the event type, v<N>.<Stem> (the file's path for a shared file).
	Type string
	// Key is the event's identity in the catalog: Type, prefixed by the
	// domain and a slash when there is one ("billing/v1.OrderPlaced").
	Key string
	// Source is the file's bytes, exactly as written.
	Source []byte
	// Root is the parsed document.
	Root *Node
	// Top is the format-neutral view of the top-level record or object.
	Top *Type
	// Avro is the hamba/avro schema (Avro events only).
	Avro hamba.Schema
	// JSON is the compiled JSON Schema (JSON Schema events only).
	JSON *jsonschema.Schema
	// Draft is the JSON Schema draft in use (7, 2019, 2020, ...).
	Draft int

	// lean: loaded for lint; the hamba schema is not kept.
	lean       bool
	avroNamed  map[string]*Type
	avroDeps   []*Event
	avroDirect []*Event
}

// Name returns the event name: the declared record name or title, falling
// back to the file stem.
func (e *Event) Name() string { return e.Stem }

var versionDirRE = regexp.MustCompile(`^v([1-9][0-9]*)$`)

// VersionOf returns N of the nearest enclosing directory named v<N>.
func VersionOf(path string) (n int, dir string) {
	d := filepath.ToSlash(filepath.Dir(path))
	parts := strings.Split(d, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if m := versionDirRE.FindStringSubmatch(parts[i]); m != nil {
			v, err := strconv.Atoi(m[1])
			if err == nil {
				return v, strings.Join(parts[:i+1], "/")
			}
		}
	}
	return 0, ""
}

// Error is a file that could not be read or parsed, with its position.
type Error struct {
	Path string
	Pos  Pos
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Pos.Line, e.Pos.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }
