// Package contract owns consumer contracts: the files under contracts/
// (contracts/<consumer>/<event-type>.yaml) in which a consumer team declares
// the event fields it reads, their loading with positions, the resolution of
// their paths in Avro and JSON Schema events, and the consumer-* findings that
// say which consumer a schema change breaks, and why.
package contract

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// Unknown-value policies of an enum read.
const (
	UnknownFail   = "fail"
	UnknownIgnore = "ignore"
)

// Types a contract may read a field as.
var Types = []string{"string", "integer", "number", "boolean", "object", "array", "bytes"}

// Contract is one consumer's contract on one event type.
type Contract struct {
	// File is the contract's path (slash-separated).
	File string
	// Consumer names the consuming service; ConsumerPos is where.
	Consumer    string
	ConsumerPos schema.Pos
	// Event is the event type (v1.OrderPlaced); EventPos is where.
	Event    string
	EventPos schema.Pos
	// Reads are the fields the consumer reads, in file order.
	Reads []*Read
	// ToleratesNewFields is false when a field added to an object the
	// consumer reads breaks it (default true).
	ToleratesNewFields bool
	TolerantPos        schema.Pos
}

// Read is one field a consumer reads.
type Read struct {
	// Path is the field path: "." for nesting, "[]" for array items
	// (lines[].sku).
	Path string
	Pos  schema.Pos
	// Type is the type the consumer reads the value as ("" for any).
	Type string
	// Enum lists the values the consumer handles; Unknown says what a value
	// outside it does to the consumer: fail (default) or ignore.
	Enum    []string
	Unknown string
	// Optional is true when the consumer copes with the field being absent or null.
	Optional bool
}

// Where returns "file:line:col" of a position in the contract.
func (c *Contract) Where(p schema.Pos) string {
	return fmt.Sprintf("%s:%d:%d", c.File, p.Line, p.Col)
}

// Error is a contract that cannot be used, with its position.
type Error struct {
	File string
	Pos  schema.Pos
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// Set is the contracts of a directory.
type Set struct {
	Contracts []*Contract
	// Errors are the contracts that could not be read or parsed, sorted.
	Errors []*Error
}

// LoadDir reads every contract under dir (dir/<consumer>/<event>.yaml). A
// missing dir is an empty set when missingOK, else an error.
func LoadDir(dir string, missingOK bool) (*Set, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && missingOK {
			return &Set{}, nil
		}
		return nil, fmt.Errorf("read contracts directory %s: %w", dir, unwrapPath(err))
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("contracts: %s is not a directory", dir)
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", p, unwrapPath(err))
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return LoadFiles(files)
}

// LoadFiles reads the given contract files.
func LoadFiles(files []string) (*Set, error) {
	s := &Set{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, unwrapPath(err))
		}
		c, perr := Parse(filepath.ToSlash(f), data)
		if perr != nil {
			s.Errors = append(s.Errors, perr)
			continue
		}
		s.Contracts = append(s.Contracts, c)
	}
	sort.Slice(s.Contracts, func(i, j int) bool { return s.Contracts[i].File < s.Contracts[j].File })
	sortErrors(s.Errors)
	return s, nil
}

func sortErrors(es []*Error) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Pos.Line < es[j].Pos.Line
	})
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Parse parses one contract file. The consumer defaults to the name of the
// file's directory.
func Parse(file string, data []byte) (*Contract, *Error) {
	fail := func(p schema.Pos, format string, args ...any) (*Contract, *Error) {
		if p.Line == 0 {
			p = schema.Pos{Line: 1, Col: 1}
		}
		return nil, &Error{File: file, Pos: p, Msg: fmt.Sprintf(format, args...)}
	}
	root, err := schema.ParseYAML(data)
	if err != nil {
		var se *schema.SyntaxError
		if errors.As(err, &se) {
			return fail(se.Pos, "%s", se.Msg)
		}
		return fail(schema.Pos{}, "%v", err)
	}
	if root.Kind != schema.Object {
		return fail(root.Pos, "a contract is a mapping with consumer, event and reads, not a %s", root.Kind)
	}
	c := &Contract{File: file, ToleratesNewFields: true}
	var readsNode *schema.Node
	for _, m := range root.Members {
		v := m.Value
		switch m.Key {
		case "consumer":
			s, ok := v.StringValue()
			if !ok || s == "" {
				return fail(v.Pos, "consumer: want the consuming service's name")
			}
			c.Consumer, c.ConsumerPos = s, v.Pos
		case "event":
			s, ok := v.StringValue()
			if !ok || s == "" {
				return fail(v.Pos, "event: want an event type such as v1.OrderPlaced")
			}
			c.Event, c.EventPos = s, v.Pos
		case "reads":
			if v.Kind != schema.Object {
				return fail(v.Pos, "reads: want a mapping of field paths to {type, optional, enum, unknown}")
			}
			readsNode = v
		case "tolerates_new_fields":
			if v.Kind != schema.Bool {
				return fail(v.Pos, "tolerates_new_fields: want true or false")
			}
			c.ToleratesNewFields, c.TolerantPos = v.Bool, v.Pos
		default:
			return fail(m.KeyPos, "unknown key %q (want consumer, event, reads, tolerates_new_fields)", m.Key)
		}
	}
	dirName := filepath.Base(filepath.Dir(file))
	if c.Consumer == "" {
		c.Consumer, c.ConsumerPos = dirName, schema.Pos{Line: 1, Col: 1}
	}
	if c.Event == "" {
		return fail(root.Pos, "missing event: name the event type the consumer reads, e.g. event: v1.OrderPlaced")
	}
	if readsNode == nil || len(readsNode.Members) == 0 {
		return fail(root.Pos, "missing reads: list the fields the consumer reads")
	}
	seen := map[string]bool{}
	for _, m := range readsNode.Members {
		if _, err := SplitPath(m.Key); err != nil {
			return fail(m.KeyPos, "reads: %v", err)
		}
		if seen[m.Key] {
			return fail(m.KeyPos, "reads: %s is listed twice", m.Key)
		}
		seen[m.Key] = true
		r := &Read{Path: m.Key, Pos: m.KeyPos, Unknown: UnknownFail}
		if m.Value.Kind != schema.Null {
			if m.Value.Kind != schema.Object {
				return fail(m.Value.Pos, "reads.%s: want a mapping such as {type: string}", m.Key)
			}
			for _, k := range m.Value.Members {
				v := k.Value
				switch k.Key {
				case "type":
					s, _ := v.StringValue()
					if !contains(Types, s) {
						return fail(v.Pos, "reads.%s.type: %q is not a contract type (want %s)", m.Key, s, strings.Join(Types, ", "))
					}
					r.Type = s
				case "optional":
					if v.Kind != schema.Bool {
						return fail(v.Pos, "reads.%s.optional: want true or false", m.Key)
					}
					r.Optional = v.Bool
				case "enum":
					if v.Kind != schema.Array || len(v.Items) == 0 {
						return fail(v.Pos, "reads.%s.enum: want a list of the values the consumer handles", m.Key)
					}
					for _, it := range v.Items {
						s, ok := it.StringValue()
						if !ok {
							s = it.Str
						}
						if it.Kind != schema.String && it.Kind != schema.Number {
							return fail(it.Pos, "reads.%s.enum: want strings or numbers", m.Key)
						}
						r.Enum = append(r.Enum, s)
					}
				case "unknown":
					s, _ := v.StringValue()
					if s != UnknownFail && s != UnknownIgnore {
						return fail(v.Pos, "reads.%s.unknown: want fail or ignore", m.Key)
					}
					r.Unknown = s
				default:
					return fail(k.KeyPos, "reads.%s: unknown key %q (want type, optional, enum, unknown)", m.Key, k.Key)
				}
			}
		}
		c.Reads = append(c.Reads, r)
	}
	return c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
