package compat

import (
	"errors"
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/compat/avro"
	"github.com/evctl/evctl/internal/compat/jsonschema"
	"github.com/evctl/evctl/internal/schema"
)

// ParseError reports a schema document that does not parse. Check and Diff
// wrap it so callers can tell bad input (exit code 3) from incompatibility.
type ParseError struct {
	Name string // the Doc's Name
	Err  error
}

func (e *ParseError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("parse schema: %v", e.Err)
	}
	return fmt.Sprintf("parse %s: %v", e.Name, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// engine is one format's canRead primitive: parse a document (isNew
// parses strictly, like a registration; previous versions are parsed the way
// a registry parses stored schemas) and list the changes found when a
// consumer using reader reads data written with writer. readerIsNew says
// whether reader is the new schema (backward check) or a previous one
// (forward check). A pair is incompatible iff some change has
// Compatible=false.
type engine struct {
	parse   func(d Doc, isNew bool) (any, error)
	canRead func(reader, writer any, readerIsNew bool, opts Options) []Change
}

func engineFor(f Format) (engine, error) {
	switch f {
	case Avro:
		return engine{
			parse: func(d Doc, isNew bool) (any, error) {
				if isNew {
					return avro.Parse(d.Text, d.References)
				}
				return avro.ParseLenient(d.Text, d.References)
			},
			canRead: func(reader, writer any, readerIsNew bool, _ Options) []Change {
				return avro.Explain(avro.Incompatibilities(reader.(*avro.Schema), writer.(*avro.Schema)), readerIsNew)
			},
		}, nil
	case JSONSchema:
		return engine{
			parse: func(d Doc, _ bool) (any, error) {
				return jsonschema.Parse(d.Text, d.YAML, d.References)
			},
			canRead: func(reader, writer any, readerIsNew bool, opts Options) []Change {
				return jsonschema.CanReadDirected(reader.(*jsonschema.Schema), writer.(*jsonschema.Schema), opts.Policy, readerIsNew)
			},
		}, nil
	}
	return engine{}, fmt.Errorf("unsupported schema format %q (want AVRO or JSON)", f)
}

// Directions lists the directions a level checks, in the order Confluent
// runs them: FULL* checks forward first, then backward. NONE checks nothing.
func Directions(l Level) []Direction {
	switch l {
	case Backward, BackwardTransitive:
		return []Direction{DirBackward}
	case Forward, ForwardTransitive:
		return []Direction{DirForward}
	case Full, FullTransitive:
		return []Direction{DirForward, DirBackward}
	}
	return nil
}

func parseDoc(e engine, d Doc, isNew bool) (any, error) {
	s, err := e.parse(d, isNew)
	if err != nil {
		return nil, fmt.Errorf("check compatibility: %w", &ParseError{Name: d.Name, Err: err})
	}
	return s, nil
}

// Check decides whether newDoc may follow previous under level, exactly as
// Confluent Schema Registry's CompatibilityChecker does. previous is in
// chronological order (oldest first, the last element is the latest
// version). Non-transitive levels compare with the latest version only;
// transitive levels compare newest to oldest and stop at the first version
// that fails. FULL and FULL_TRANSITIVE run the forward check, then the
// backward check, for each compared version. NONE is always compatible.
//
// Each Change carries Against (the compared Doc's Name) and Direction.
// Avro reports incompatibilities only; JSON Schema also reports compatible
// changes (Compatible=true). A document that does not parse yields an error
// wrapping *ParseError.
func Check(format Format, level Level, newDoc Doc, previous []Doc, opts Options) (Result, error) {
	res := Result{Level: level, Compatible: true, Changes: []Change{}}
	valid := false
	for _, l := range Levels {
		valid = valid || l == level
	}
	if !valid {
		return res, fmt.Errorf("check compatibility: unknown compatibility level %q", level)
	}
	e, err := engineFor(format)
	if err != nil {
		return res, fmt.Errorf("check compatibility: %w", err)
	}
	newSchema, err := parseDoc(e, newDoc, true)
	if err != nil {
		return res, err
	}
	dirs := Directions(level)
	if len(dirs) == 0 || len(previous) == 0 {
		return res, nil
	}
	compared := previous[len(previous)-1:]
	if level.Transitive() {
		compared = previous
	}
	newRoot := docRoot(newDoc)
	for i := len(compared) - 1; i >= 0; i-- {
		prev := compared[i]
		prevSchema, err := parseDoc(e, prev, false)
		if err != nil {
			return res, err
		}
		prevRoot := docRoot(prev)
		failed := false
		for _, dir := range dirs {
			var changes []Change
			if dir == DirBackward {
				changes = e.canRead(newSchema, prevSchema, true, opts)
			} else {
				changes = e.canRead(prevSchema, newSchema, false, opts)
			}
			for _, c := range changes {
				c.Against = prev.Name
				c.Direction = dir
				place(&c, newDoc.Name, newRoot, prev.Name, prevRoot)
				if !c.Compatible {
					failed = true
				}
				res.Changes = append(res.Changes, c)
			}
		}
		if failed {
			res.Compatible = false
			break
		}
	}
	return res, nil
}

// Diff returns every change between old and new in the backward direction
// (new reads data written with old), compatible or not, for `evctl diff`.
// For Avro it is avro.Diff: every structural edit, each marked incompatible
// when Java's check finds an incompatibility at or below it; for JSON Schema
// it is everything SchemaDiff reports.
func Diff(format Format, old, new Doc, opts Options) ([]Change, error) {
	e, err := engineFor(format)
	if err != nil {
		return nil, fmt.Errorf("diff schemas: %w", err)
	}
	oldSchema, err := e.parse(old, false)
	if err != nil {
		return nil, fmt.Errorf("diff schemas: %w", &ParseError{Name: old.Name, Err: err})
	}
	newSchema, err := e.parse(new, true)
	if err != nil {
		return nil, fmt.Errorf("diff schemas: %w", &ParseError{Name: new.Name, Err: err})
	}
	var changes []Change
	if format == Avro {
		changes = avro.Diff(oldSchema.(*avro.Schema), newSchema.(*avro.Schema))
	} else {
		changes = e.canRead(newSchema, oldSchema, true, opts)
	}
	out := make([]Change, 0, len(changes))
	newRoot, oldRoot := docRoot(new), docRoot(old)
	for _, c := range changes {
		c.Against = old.Name
		c.Direction = DirBackward
		place(&c, new.Name, newRoot, old.Name, oldRoot)
		out = append(out, c)
	}
	return out, nil
}

// docRoot parses a document's text into the position-keeping model; nil
// when it does not parse (the engine has reported that).
func docRoot(d Doc) *schema.Node {
	var n *schema.Node
	var err error
	if d.YAML {
		n, err = schema.ParseYAML(d.Text)
	} else {
		n, err = schema.ParseJSON(d.Text)
	}
	if err != nil {
		return nil
	}
	return n
}

// place sets where a change's path points in the new and the old text.
func place(c *Change, newName string, newRoot *schema.Node, oldName string, oldRoot *schema.Node) {
	ptr := strings.TrimPrefix(c.Path, "#")
	at := func(name string, root *schema.Node, p string) *Position {
		if root == nil {
			return nil
		}
		if n := root.Pointer(p); n != nil {
			return &Position{File: name, Line: n.Pos.Line, Column: n.Pos.Col}
		}
		return nil
	}
	c.New, c.Old = at(newName, newRoot, ptr), at(oldName, oldRoot, ptr)
	if c.New != nil || c.Old != nil {
		return
	}
	for p := ptr; p != ""; p = p[:max(strings.LastIndexByte(p, '/'), 0)] {
		if c.New = at(newName, newRoot, p); c.New != nil {
			return
		}
	}
	c.New = at(newName, newRoot, "")
}

// IsParseError reports whether err wraps a *ParseError.
func IsParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}
