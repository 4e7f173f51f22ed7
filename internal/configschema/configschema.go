// Package configschema owns the JSON Schema of evctl.yaml. It is generated
// from the config types by reflection: the `yaml` tags give the keys, the
// `validate` tags the allowed values (the same tags the loader checks), the
// defaults come from config.Default, the rule ids from the lint package, and
// the descriptions from the fields' doc comments. A field added to the config
// types appears in the schema without further work; regenerate it with
// `go generate ./internal/configschema` (or EVCTL_UPDATE=1 go test).
package configschema

//go:generate go run ../../tools/genconfigschema -src ../config -o ../../schema/evctl.schema.json

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/findings"
)

// Patterns of the string checks that JSON Schema can express.
const (
	durationPattern = `^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$`
	urlPattern      = `^https?://[^/\s]+`
	globPattern     = `^[^/\\][^\\]*$`
)

// Generate returns the schema, indented, with a final newline. srcDir is the
// directory of the config package's source, read for the doc comments.
func Generate(srcDir string) ([]byte, error) {
	docs, err := fieldDocs(srcDir)
	if err != nil {
		return nil, err
	}
	g := &generator{docs: docs, ruleIDs: findingIDs()}
	root, err := g.object(reflect.TypeOf(config.Config{}), reflect.ValueOf(*config.Default()))
	if err != nil {
		return nil, err
	}
	root["$schema"] = "http://json-schema.org/draft-07/schema#"
	root["$id"] = config.SchemaURL
	root["title"] = "evctl.yaml"
	root["description"] = "Configuration of evctl, the contract gate for event schemas: evctl.yaml at the repository root. Generated from the Go types in internal/config; do not edit."
	return encode(root)
}

func encode(root map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type generator struct {
	docs    map[string]string // "Type.Field" -> doc text
	ruleIDs []string
}

func (g *generator) object(t reflect.Type, def reflect.Value) (map[string]any, error) {
	props := map[string]any{}
	var required []string
	for _, f := range config.Fields(t) {
		sf := t.FieldByIndex(f.Index)
		var fdef reflect.Value
		if def.IsValid() {
			fdef = def.FieldByIndex(f.Index)
		}
		owner := t // the struct declaring the field, for inline ones
		for _, i := range f.Index[:len(f.Index)-1] {
			owner = owner.Field(i).Type
		}
		where := owner.Name() + "." + sf.Name
		s, err := g.value(sf.Type, f.Rule, fdef, where)
		if err != nil {
			return nil, err
		}
		if d := g.docs[where]; d != "" {
			s["description"] = d
		}
		if f.Rule.Require {
			required = append(required, f.Name)
		}
		props[f.Name] = s
	}
	o := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o, nil
}

func (g *generator) value(t reflect.Type, r config.Rule, def reflect.Value, where string) (map[string]any, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		if def.IsValid() {
			def = def.Elem()
		}
	}
	var s map[string]any
	switch t.Kind() {
	case reflect.Int64:
		if t == reflect.TypeOf(time.Duration(0)) {
			// yaml.v3 decodes a time.Duration from a string such as 10s.
			s = map[string]any{"type": "string", "pattern": durationPattern}
			if def.IsValid() && !def.IsZero() {
				s["default"] = def.Interface().(time.Duration).String()
			}
			return s, nil
		}
		s = g.integer(r)
	case reflect.Interface:
		s = map[string]any{} // any value
	case reflect.Struct:
		return g.object(t, def)
	case reflect.Slice:
		items, err := g.value(t.Elem(), r, reflect.Value{}, where)
		if err != nil {
			return nil, err
		}
		s = map[string]any{"type": "array", "items": items}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: map keys must be strings", where)
		}
		vr := r
		vr.Keys = ""
		vals, err := g.value(t.Elem(), vr, reflect.Value{}, where)
		if err != nil {
			return nil, err
		}
		s = map[string]any{"type": "object", "additionalProperties": vals}
		switch r.Keys {
		case "":
		case "rule":
			s["propertyNames"] = map[string]any{"enum": g.ruleIDs}
		default:
			return nil, fmt.Errorf("%s: unknown keys=%s", where, r.Keys)
		}
	case reflect.String:
		s = map[string]any{"type": "string"}
		switch {
		case len(r.Enum) > 0:
			s["enum"] = r.Enum
		case r.Duration:
			s["pattern"] = durationPattern
		case r.URL:
			s["pattern"] = urlPattern
			s["format"] = "uri"
		case r.EnvVar:
			s["pattern"] = config.EnvVarPattern
		case r.GoIdent:
			s["pattern"] = config.GoIdentPattern
		case r.Event:
			s["pattern"] = config.EventPattern
		case r.FieldPath:
			s["pattern"] = config.FieldPathPattern
		case r.Glob:
			s["pattern"] = globPattern
		}
		if r.Require {
			s["minLength"] = 1
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s = g.integer(r)
	case reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case reflect.Float32, reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		return nil, fmt.Errorf("%s: no JSON Schema for Go kind %s: teach internal/configschema", where, t.Kind())
	}
	if def.IsValid() && !def.IsZero() {
		s["default"] = def.Interface()
	}
	return s, nil
}

func (g *generator) integer(r config.Rule) map[string]any {
	s := map[string]any{"type": "integer"}
	if r.Min != nil {
		s["minimum"] = *r.Min
	}
	if r.Max != nil {
		s["maximum"] = *r.Max
	}
	return s
}

// fieldDocs reads the doc comments of the struct fields in the Go files of
// dir, keyed "Type.Field", each as one line of text.
func fieldDocs(dir string) (map[string]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read the config source: %w", err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
			if err != nil {
				return nil, fmt.Errorf("read the config source: %w", err)
			}
			files = append(files, f)
		}
	}
	out := map[string]string{}
	for _, f := range files {
		{
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					return false
				}
				for _, fl := range st.Fields.List {
					if fl.Doc == nil {
						continue
					}
					text := strings.Join(strings.Fields(fl.Doc.Text()), " ")
					for _, name := range fl.Names {
						out[ts.Name.Name+"."+name.Name] = text
					}
				}
				return false
			})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no documented config fields in %s", dir)
	}
	return out, nil
}

// findingIDs are the ids lint.rules and lint.ignore_only may name: every
// finding id (lint rules, check ids, change types).
func findingIDs() []string {
	all := findings.All()
	ids := make([]string, len(all))
	for i, in := range all {
		ids[i] = in.ID
	}
	return ids
}
