package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// maxDepth bounds the nesting of schema objects and of $ref chains.
const maxDepth = 1000

// draft is a JSON Schema dialect.
type draft int

const (
	draft4 draft = iota + 4
	draft6
	draft7
	draft2019 draft = 2019
	draft2020 draft = 2020
)

// ErrInvalidSchema is wrapped by every error Parse returns for a document
// that is not a valid schema.
var ErrInvalidSchema = errors.New("invalid JSON schema")

// Parse parses a JSON Schema document into Everit's object model, the model
// Confluent Schema Registry diffs. text is JSON, or YAML when yaml is true.
// refs resolves $refs to other documents: the key is the reference as
// written (e.g. "Address.json") or the referenced document's $id, the value
// its text (JSON, or YAML when yaml is true).
//
// The dialect comes from $schema (draft-07 when absent). Drafts 4, 6 and 7
// are loaded the way Everit loads them; 2019-09 and 2020-12 are mapped onto
// the same model the way Confluent's SchemaTranslator does (prefixItems as
// tuple items, items as additionalItems, $defs, dependentRequired and
// dependentSchemas as dependencies, unevaluated* as schemas).
func Parse(text []byte, yaml bool, refs map[string][]byte) (*Schema, error) {
	root, err := decode(text, yaml)
	if err != nil {
		return nil, err
	}
	l := &loader{
		refs:  refs,
		yaml:  yaml,
		docs:  map[string]*document{},
		nodes: map[nodeKey]*Schema{},
	}
	doc, err := l.addDocument("", root)
	if err != nil {
		return nil, err
	}
	s, err := l.load(doc, root, "", 0)
	if err != nil {
		return nil, err
	}
	if err := l.resolveAll(); err != nil {
		return nil, err
	}
	return s, nil
}

// decode reads JSON (numbers kept exact) or YAML into plain Go values:
// map[string]any, []any, string, json.Number, bool and nil.
func decode(text []byte, isYAML bool) (any, error) {
	if isYAML {
		v, err := unmarshalYAML(text)
		if err != nil {
			return nil, fmt.Errorf("%w: yaml: %w", ErrInvalidSchema, err)
		}
		out, err := fromYAML(v, 0)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: json: %w", ErrInvalidSchema, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("%w: json: unexpected data after the schema", ErrInvalidSchema)
	}
	return v, nil
}

// unmarshalYAML decodes YAML, turning a panic inside the YAML library on
// malformed input into an error.
func unmarshalYAML(text []byte) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed document: %v", r)
		}
	}()
	err = yaml.Unmarshal(text, &v)
	return v, err
}

// fromYAML converts what yaml.v3 produced into the values decode documents.
func fromYAML(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nesting deeper than %d levels", ErrInvalidSchema, maxDepth)
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case int:
		return json.Number(strconv.Itoa(t)), nil
	case int64:
		return json.Number(strconv.FormatInt(t, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(t, 10)), nil
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return nil, fmt.Errorf("%w: number %v is not valid JSON", ErrInvalidSchema, t)
		}
		return json.Number(strconv.FormatFloat(t, 'g', -1, 64)), nil
	case string, bool, nil:
		return t, nil
	default:
		return fmt.Sprint(t), nil
	}
}

// document is one JSON document taking part in a parse: the root or a
// referenced one.
type document struct {
	key   string // name under which it was found ("" for the root)
	base  *url.URL
	root  any
	draft draft
	ids   map[string]string // absolute $id (without fragment) -> JSON pointer
}

type nodeKey struct {
	doc *document
	ptr string
}

type loader struct {
	refs  map[string][]byte
	yaml  bool
	docs  map[string]*document
	nodes map[nodeKey]*Schema
	// pending lists reference nodes whose targets still need loading.
	pending []*pendingRef
}

type pendingRef struct {
	node  *Schema
	doc   *document
	base  *url.URL
	depth int
}

func (l *loader) addDocument(key string, root any) (*document, error) {
	d := &document{key: key, root: root, draft: draft7, ids: map[string]string{}}
	if m, ok := root.(map[string]any); ok {
		if s, ok := m["$schema"].(string); ok {
			d.draft = detectDraft(s)
		}
	}
	base := &url.URL{}
	if name := strings.TrimPrefix(key, "ref:"); name != "" {
		if u, err := url.Parse(name); err == nil {
			base = u
		}
	}
	if m, ok := root.(map[string]any); ok {
		if id, ok := m[d.idKeyword()].(string); ok {
			if u, err := base.Parse(id); err == nil {
				base = u
			}
		}
	}
	d.base = base
	collectIDs(d, root, base, "", 0)
	l.docs[key] = d
	return d, nil
}

func (d *document) idKeyword() string {
	if d.draft == draft4 {
		return "id"
	}
	return "$id"
}

// collectIDs indexes every $id in a document so that $refs can name
// embedded schemas by URI.
func collectIDs(d *document, v any, base *url.URL, ptr string, depth int) {
	if depth > maxDepth {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		if id, ok := t[d.idKeyword()].(string); ok {
			if u, err := base.Parse(id); err == nil {
				base = u
				nu := *u
				nu.Fragment = ""
				if _, seen := d.ids[nu.String()]; !seen {
					d.ids[nu.String()] = ptr
				}
			}
		}
		for k, e := range t {
			if k == "enum" || k == "const" || k == "default" || k == "examples" {
				continue
			}
			collectIDs(d, e, base, ptr+"/"+escapePointer(k), depth+1)
		}
	case []any:
		for i, e := range t {
			collectIDs(d, e, base, ptr+"/"+strconv.Itoa(i), depth+1)
		}
	}
}

func escapePointer(s string) string {
	s = strings.ReplaceAll(s, "~", "~0")
	return strings.ReplaceAll(s, "/", "~1")
}

func unescapePointer(s string) string {
	s = strings.ReplaceAll(s, "~1", "/")
	return strings.ReplaceAll(s, "~0", "~")
}

// detectDraft maps a $schema URI to a dialect the way Confluent does:
// trailing '#' stripped, http and https accepted, anything else draft-07.
func detectDraft(s string) draft {
	s = strings.TrimSuffix(strings.TrimSpace(s), "#")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	switch s {
	case "json-schema.org/draft-04/schema":
		return draft4
	case "json-schema.org/draft-06/schema":
		return draft6
	case "json-schema.org/draft/2019-09/schema":
		return draft2019
	case "json-schema.org/draft/2020-12/schema":
		return draft2020
	}
	return draft7
}

var (
	numberKeywords = []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
	stringKeywords = []string{"minLength", "maxLength", "pattern", "format"}
)

func objectKeywords(d draft) []string {
	kw := []string{"properties", "required", "minProperties", "maxProperties", "dependencies", "patternProperties", "additionalProperties"}
	if d >= draft6 {
		kw = append(kw, "propertyNames")
	}
	if d >= draft2019 {
		kw = append(kw, "dependentRequired", "dependentSchemas", "unevaluatedProperties")
	}
	return kw
}

func arrayKeywords(d draft) []string {
	kw := []string{"items", "additionalItems", "minItems", "maxItems", "uniqueItems"}
	if d >= draft6 {
		kw = append(kw, "contains")
	}
	if d >= draft2019 {
		kw = append(kw, "minContains", "maxContains", "unevaluatedItems")
	}
	if d >= draft2020 {
		kw = append(kw, "prefixItems")
	}
	return kw
}

func hasAny(m map[string]any, keys []string) bool {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func invalid(ptr, format string, args ...any) error {
	if ptr == "" {
		ptr = "#"
	} else {
		ptr = "#" + ptr
	}
	return fmt.Errorf("%w: %s: %s", ErrInvalidSchema, ptr, fmt.Sprintf(format, args...))
}

// load builds the Everit node for the JSON value v found at ptr in doc.
func (l *loader) load(doc *document, v any, ptr string, depth int) (*Schema, error) {
	if depth > maxDepth {
		return nil, invalid(ptr, "schema nested deeper than %d levels", maxDepth)
	}
	key := nodeKey{doc, ptr}
	if s, ok := l.nodes[key]; ok {
		return s, nil
	}
	s := &Schema{}
	l.nodes[key] = s
	switch t := v.(type) {
	case bool:
		if doc.draft == draft4 {
			return nil, invalid(ptr, "boolean schemas need draft-06 or later")
		}
		if t {
			s.kind = kindTrue
		} else {
			s.kind = kindFalse
		}
		s.raw = t
		return s, nil
	case map[string]any:
		if err := l.loadObject(s, doc, t, ptr, depth); err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, invalid(ptr, "a schema must be an object or a boolean, not %s", jsonTypeName(v))
	}
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func (l *loader) child(doc *document, v any, ptr string, depth int) (*Schema, error) {
	return l.load(doc, v, ptr, depth+1)
}

// loadObject runs Everit's extractors over a schema object, in Everit's
// order, and stores the result in s.
func (l *loader) loadObject(s *Schema, doc *document, m map[string]any, ptr string, depth int) error {
	if ref, ok := m["$ref"]; ok {
		rs, ok := ref.(string)
		if !ok {
			return invalid(ptr+"/$ref", "$ref must be a string")
		}
		if doc.draft < draft2019 || onlyAnnotations(m) {
			s.kind = kindRef
			s.ref = rs
			s.raw = m
			l.pending = append(l.pending, &pendingRef{node: s, doc: doc, base: baseAt(doc, ptr), depth: depth})
			return l.common(s, doc, m, ptr)
		}
	}
	var parts []*Schema
	consumed := map[string]bool{}

	// 2019-09/2020-12: a $ref next to other keywords is one more conjunct.
	if rs, ok := m["$ref"].(string); ok {
		r := &Schema{kind: kindRef, ref: rs}
		l.pending = append(l.pending, &pendingRef{node: r, doc: doc, base: baseAt(doc, ptr), depth: depth})
		parts = append(parts, r)
	}

	if e, ok := m["enum"]; ok {
		arr, ok := e.([]any)
		if !ok {
			return invalid(ptr+"/enum", "enum must be an array")
		}
		parts = append(parts, &Schema{kind: kindEnum, enum: arr})
	}

	var combined []*Schema
	for _, crit := range []string{allOf, anyOf, oneOf} {
		raw, ok := m[crit]
		if !ok {
			continue
		}
		arr, ok := raw.([]any)
		if !ok {
			return invalid(ptr+"/"+crit, "%s must be an array", crit)
		}
		c := &Schema{kind: kindCombined, criterion: crit}
		for i, e := range arr {
			sub, err := l.child(doc, e, ptr+"/"+crit+"/"+strconv.Itoa(i), depth)
			if err != nil {
				return err
			}
			c.subschemas = append(c.subschemas, sub)
		}
		combined = append(combined, c)
	}
	// Everit adds one combined schema per keyword to the node's list.
	parts = append(parts, combined...)

	if n, ok := m["not"]; ok {
		sub, err := l.child(doc, n, ptr+"/not", depth)
		if err != nil {
			return err
		}
		parts = append(parts, &Schema{kind: kindNot, not: sub})
	}

	if c, ok := m["const"]; ok && doc.draft != draft4 {
		parts = append(parts, &Schema{kind: kindConst, constVal: c})
	}

	if t, ok := m["type"]; ok {
		switch tt := t.(type) {
		case string:
			sub, err := l.typed(doc, m, tt, ptr, depth, consumed)
			if err != nil {
				return err
			}
			parts = append(parts, sub)
		case []any:
			c := &Schema{kind: kindCombined, criterion: anyOf}
			for i, e := range tt {
				name, ok := e.(string)
				if !ok {
					return invalid(ptr+"/type/"+strconv.Itoa(i), "type names must be strings")
				}
				sub, err := l.typed(doc, m, name, ptr, depth, consumed)
				if err != nil {
					return err
				}
				sub.raw, sub.rawType = m, name
				c.subschemas = append(c.subschemas, sub)
			}
			if len(c.subschemas) == 0 {
				return invalid(ptr+"/type", "type must not be an empty array")
			}
			parts = append(parts, c)
		default:
			return invalid(ptr+"/type", "type must be a string or an array of strings")
		}
	}

	// Property sniffing: keywords of a kind without the matching type.
	unconsumed := func(keys []string) bool {
		for _, k := range keys {
			if _, ok := m[k]; ok && !consumed[k] {
				return true
			}
		}
		return false
	}
	if unconsumed(arrayKeywords(doc.draft)) {
		a, err := l.array(doc, m, ptr, depth)
		if err != nil {
			return err
		}
		parts = append(parts, a)
	}
	if unconsumed(objectKeywords(doc.draft)) {
		o, err := l.object(doc, m, ptr, depth)
		if err != nil {
			return err
		}
		parts = append(parts, o)
	}
	if unconsumed(numberKeywords) {
		n, err := number(doc, m, ptr)
		if err != nil {
			return err
		}
		parts = append(parts, n)
	}
	if unconsumed(stringKeywords) {
		st, err := str(m, ptr)
		if err != nil {
			return err
		}
		parts = append(parts, st)
	}
	if doc.draft >= draft7 && hasAny(m, []string{"if", "then", "else"}) {
		for _, k := range []string{"if", "then", "else"} {
			if v, ok := m[k]; ok {
				if _, err := l.child(doc, v, ptr+"/"+k, depth); err != nil {
					return err
				}
			}
		}
		parts = append(parts, &Schema{kind: kindConditional})
	}

	switch len(parts) {
	case 0:
		s.kind = kindEmpty
	case 1:
		*s = *parts[0]
		for _, p := range l.pending {
			if p.node == parts[0] {
				p.node = s
			}
		}
	default:
		*s = Schema{kind: kindCombined, criterion: allOf, subschemas: parts}
	}
	s.raw = m
	s.dialect = doc.draft
	return l.common(s, doc, m, ptr)
}

// onlyAnnotations reports whether a 2019+ schema object with $ref has no
// other keyword that constrains instances.
func onlyAnnotations(m map[string]any) bool {
	for k := range m {
		switch k {
		case "$ref", "$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$defs", "definitions",
			"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$vocabulary":
		default:
			if !strings.HasPrefix(k, "x-") && isKeyword(k) {
				return false
			}
		}
	}
	return true
}

func isKeyword(k string) bool {
	switch k {
	case "type", "enum", "const", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
		"properties", "required", "minProperties", "maxProperties", "dependencies", "patternProperties",
		"additionalProperties", "propertyNames", "dependentRequired", "dependentSchemas", "unevaluatedProperties",
		"items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains",
		"unevaluatedItems", "prefixItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
		"minLength", "maxLength", "pattern", "format", "$dynamicRef", "$recursiveRef":
		return true
	}
	return false
}

// baseAt returns the base URI in effect at ptr (the nearest enclosing $id).
func baseAt(doc *document, ptr string) *url.URL {
	base := doc.base
	best := -1
	for id, p := range doc.ids {
		if (p == "" || strings.HasPrefix(ptr, p) && (len(ptr) == len(p) || ptr[len(p)] == '/')) && len(p) > best {
			if u, err := url.Parse(id); err == nil {
				base, best = u, len(p)
			}
		}
	}
	return base
}

// common sets the attributes Everit loads on every schema object.
func (l *loader) common(s *Schema, doc *document, m map[string]any, ptr string) error {
	if doc.draft < draft2019 {
		if v, ok := m[doc.idKeyword()]; ok {
			id, ok := v.(string)
			if !ok {
				return invalid(ptr+"/"+doc.idKeyword(), "%s must be a string", doc.idKeyword())
			}
			s.id = &id
		}
	}
	if v, ok := m["title"]; ok {
		t, ok := v.(string)
		if !ok {
			return invalid(ptr+"/title", "title must be a string")
		}
		s.title = &t
	}
	if v, ok := m["description"]; ok {
		t, ok := v.(string)
		if !ok {
			return invalid(ptr+"/description", "description must be a string")
		}
		s.description = &t
	}
	if v, ok := m["default"]; ok {
		s.def, s.hasDefault = v, true
	}
	if v, ok := m["connect.type"].(string); ok {
		s.connectType = v
	}
	return nil
}

// typed loads the schema for one explicit type name, marking the keywords
// it uses as consumed so that property sniffing skips them.
func (l *loader) typed(doc *document, m map[string]any, name, ptr string, depth int, consumed map[string]bool) (*Schema, error) {
	mark := func(keys []string) {
		for _, k := range keys {
			consumed[k] = true
		}
	}
	switch name {
	case "string":
		mark(stringKeywords)
		return str(m, ptr)
	case "integer":
		mark(numberKeywords)
		n, err := number(doc, m, ptr)
		if err != nil {
			return nil, err
		}
		n.requiresInteger = true
		return n, nil
	case "number":
		mark(numberKeywords)
		return number(doc, m, ptr)
	case "boolean":
		return &Schema{kind: kindBoolean}, nil
	case "null":
		return &Schema{kind: kindNull}, nil
	case "array":
		mark(arrayKeywords(doc.draft))
		return l.array(doc, m, ptr, depth)
	case "object":
		mark(objectKeywords(doc.draft))
		return l.object(doc, m, ptr, depth)
	}
	return nil, invalid(ptr+"/type", "unknown type: [%s]", name)
}

func nonNegInt(m map[string]any, key, ptr string) (*int, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return nil, invalid(ptr+"/"+key, "%s must be a number", key)
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return nil, invalid(ptr+"/"+key, "%s must be a non-negative integer", key)
	}
	i := int(f)
	return &i, nil
}

func float(m map[string]any, key, ptr string) (*float64, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return nil, invalid(ptr+"/"+key, "%s must be a number", key)
	}
	f, err := n.Float64()
	if err != nil {
		return nil, invalid(ptr+"/"+key, "%s: %v", key, err)
	}
	return &f, nil
}

func str(m map[string]any, ptr string) (*Schema, error) {
	s := &Schema{kind: kindString}
	var err error
	if s.minLength, err = nonNegInt(m, "minLength", ptr); err != nil {
		return nil, err
	}
	if s.maxLength, err = nonNegInt(m, "maxLength", ptr); err != nil {
		return nil, err
	}
	if v, ok := m["pattern"]; ok {
		p, ok := v.(string)
		if !ok {
			return nil, invalid(ptr+"/pattern", "pattern must be a string")
		}
		s.pattern = &p
	}
	if v, ok := m["format"]; ok {
		if _, ok := v.(string); !ok {
			return nil, invalid(ptr+"/format", "format must be a string")
		}
	}
	return s, nil
}

func number(doc *document, m map[string]any, ptr string) (*Schema, error) {
	s := &Schema{kind: kindNumber}
	var err error
	if s.minimum, err = float(m, "minimum", ptr); err != nil {
		return nil, err
	}
	if s.maximum, err = float(m, "maximum", ptr); err != nil {
		return nil, err
	}
	if v, ok := m["multipleOf"]; ok {
		n, ok := v.(json.Number)
		if !ok {
			return nil, invalid(ptr+"/multipleOf", "multipleOf must be a number")
		}
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || r.Sign() <= 0 {
			return nil, invalid(ptr+"/multipleOf", "multipleOf must be a number greater than 0")
		}
		s.multipleOf = r
	}
	for _, k := range []string{"exclusiveMinimum", "exclusiveMaximum"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		if doc.draft == draft4 {
			// Draft-4 boolean flags; Confluent never compares them.
			if _, ok := v.(bool); !ok {
				return nil, invalid(ptr+"/"+k, "%s must be a boolean in draft-04", k)
			}
			continue
		}
		f, err := float(m, k, ptr)
		if err != nil {
			return nil, err
		}
		if k == "exclusiveMinimum" {
			s.exclusiveMinimum = f
		} else {
			s.exclusiveMaximum = f
		}
	}
	return s, nil
}

func (l *loader) object(doc *document, m map[string]any, ptr string, depth int) (*Schema, error) {
	s := &Schema{kind: kindObject, additionalProps: true, dialect: doc.draft}
	if v, ok := m["properties"]; ok {
		props, ok := v.(map[string]any)
		if !ok {
			return nil, invalid(ptr+"/properties", "properties must be an object")
		}
		s.properties = make(map[string]*Schema, len(props))
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			sub, err := l.child(doc, props[name], ptr+"/properties/"+escapePointer(name), depth)
			if err != nil {
				return nil, err
			}
			s.properties[name] = sub
		}
		s.propertyOrder = names
	}
	if v, ok := m["required"]; ok {
		arr, ok := v.([]any)
		if !ok {
			return nil, invalid(ptr+"/required", "required must be an array")
		}
		for _, e := range arr {
			name, ok := e.(string)
			if !ok {
				return nil, invalid(ptr+"/required", "required must list property names")
			}
			s.required = append(s.required, name)
		}
	}
	var err error
	if s.minProperties, err = nonNegInt(m, "minProperties", ptr); err != nil {
		return nil, err
	}
	if s.maxProperties, err = nonNegInt(m, "maxProperties", ptr); err != nil {
		return nil, err
	}
	if v, ok := m["additionalProperties"]; ok {
		if b, ok := v.(bool); ok {
			s.additionalProps = b
		} else {
			sub, err := l.child(doc, v, ptr+"/additionalProperties", depth)
			if err != nil {
				return nil, err
			}
			s.additionalSchema = sub
		}
	}
	if v, ok := m["patternProperties"]; ok {
		pp, ok := v.(map[string]any)
		if !ok {
			return nil, invalid(ptr+"/patternProperties", "patternProperties must be an object")
		}
		keys := make([]string, 0, len(pp))
		for k := range pp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			re, err := compilePattern(k)
			if err != nil {
				return nil, invalid(ptr+"/patternProperties", "bad pattern %q: %v", k, err)
			}
			sub, err := l.child(doc, pp[k], ptr+"/patternProperties/"+escapePointer(k), depth)
			if err != nil {
				return nil, err
			}
			s.patternProps = append(s.patternProps, patternProperty{source: k, re: re, schema: sub})
		}
	}
	if v, ok := m["propertyNames"]; ok {
		if _, err := l.child(doc, v, ptr+"/propertyNames", depth); err != nil {
			return nil, err
		}
	}
	addPropDep := func(name string, arr []any, at string) error {
		if s.propertyDeps == nil {
			s.propertyDeps = map[string][]string{}
		}
		list := make([]string, 0, len(arr))
		for _, e := range arr {
			n, ok := e.(string)
			if !ok {
				return invalid(at, "dependency lists must hold property names")
			}
			list = append(list, n)
		}
		s.propertyDeps[name] = list
		return nil
	}
	addSchemaDep := func(name string, v any, at string) error {
		sub, err := l.child(doc, v, at, depth)
		if err != nil {
			return err
		}
		if s.schemaDeps == nil {
			s.schemaDeps = map[string]*Schema{}
		}
		s.schemaDeps[name] = sub
		return nil
	}
	if v, ok := m["dependencies"]; ok {
		deps, ok := v.(map[string]any)
		if !ok {
			return nil, invalid(ptr+"/dependencies", "dependencies must be an object")
		}
		for _, name := range sortedKeys(deps) {
			at := ptr + "/dependencies/" + escapePointer(name)
			var err error
			if arr, ok := deps[name].([]any); ok {
				err = addPropDep(name, arr, at)
			} else {
				err = addSchemaDep(name, deps[name], at)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if doc.draft >= draft2019 {
		if v, ok := m["dependentRequired"]; ok {
			deps, ok := v.(map[string]any)
			if !ok {
				return nil, invalid(ptr+"/dependentRequired", "dependentRequired must be an object")
			}
			for _, name := range sortedKeys(deps) {
				arr, ok := deps[name].([]any)
				if !ok {
					return nil, invalid(ptr+"/dependentRequired/"+escapePointer(name), "must be an array")
				}
				if err := addPropDep(name, arr, ptr+"/dependentRequired/"+escapePointer(name)); err != nil {
					return nil, err
				}
			}
		}
		if v, ok := m["dependentSchemas"]; ok {
			deps, ok := v.(map[string]any)
			if !ok {
				return nil, invalid(ptr+"/dependentSchemas", "dependentSchemas must be an object")
			}
			for _, name := range sortedKeys(deps) {
				if err := addSchemaDep(name, deps[name], ptr+"/dependentSchemas/"+escapePointer(name)); err != nil {
					return nil, err
				}
			}
		}
		if v, ok := m["unevaluatedProperties"]; ok {
			sub, err := l.child(doc, v, ptr+"/unevaluatedProperties", depth)
			if err != nil {
				return nil, err
			}
			s.unevaluatedProps = sub
		}
	}
	return s, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (l *loader) array(doc *document, m map[string]any, ptr string, depth int) (*Schema, error) {
	s := &Schema{kind: kindArray, additionalItems: true}
	var err error
	if s.minItems, err = nonNegInt(m, "minItems", ptr); err != nil {
		return nil, err
	}
	if s.maxItems, err = nonNegInt(m, "maxItems", ptr); err != nil {
		return nil, err
	}
	if v, ok := m["uniqueItems"]; ok {
		b, ok := v.(bool)
		if !ok {
			return nil, invalid(ptr+"/uniqueItems", "uniqueItems must be a boolean")
		}
		s.uniqueItems = b
	}
	tuple := func(arr []any, kw string) error {
		for i, e := range arr {
			sub, err := l.child(doc, e, ptr+"/"+kw+"/"+strconv.Itoa(i), depth)
			if err != nil {
				return err
			}
			s.itemSchemas = append(s.itemSchemas, sub)
		}
		return nil
	}
	additional := func(v any, kw string) error {
		if b, ok := v.(bool); ok {
			s.additionalItems = b
			return nil
		}
		sub, err := l.child(doc, v, ptr+"/"+kw, depth)
		if err != nil {
			return err
		}
		s.additionalItemsSch = sub
		return nil
	}
	if doc.draft >= draft2020 {
		if v, ok := m["prefixItems"]; ok {
			arr, ok := v.([]any)
			if !ok {
				return nil, invalid(ptr+"/prefixItems", "prefixItems must be an array")
			}
			if err := tuple(arr, "prefixItems"); err != nil {
				return nil, err
			}
			if v, ok := m["items"]; ok {
				if err := additional(v, "items"); err != nil {
					return nil, err
				}
			}
		} else if v, ok := m["items"]; ok {
			// SchemaTranslator: items false closes the array (as
			// additionalItems), items true adds nothing.
			switch b, isBool := v.(bool); {
			case isBool && !b:
				s.additionalItems = false
			case isBool:
			default:
				sub, err := l.child(doc, v, ptr+"/items", depth)
				if err != nil {
					return nil, err
				}
				s.allItems = sub
			}
		}
	} else {
		if v, ok := m["items"]; ok {
			if arr, ok := v.([]any); ok {
				if err := tuple(arr, "items"); err != nil {
					return nil, err
				}
			} else {
				sub, err := l.child(doc, v, ptr+"/items", depth)
				if err != nil {
					return nil, err
				}
				s.allItems = sub
			}
		}
		if v, ok := m["additionalItems"]; ok {
			if err := additional(v, "additionalItems"); err != nil {
				return nil, err
			}
		}
	}
	if v, ok := m["contains"]; ok && doc.draft >= draft6 {
		if _, err := l.child(doc, v, ptr+"/contains", depth); err != nil {
			return nil, err
		}
	}
	if doc.draft >= draft2019 {
		if s.minContains, err = nonNegInt(m, "minContains", ptr); err != nil {
			return nil, err
		}
		if s.maxContains, err = nonNegInt(m, "maxContains", ptr); err != nil {
			return nil, err
		}
		if v, ok := m["unevaluatedItems"]; ok {
			sub, err := l.child(doc, v, ptr+"/unevaluatedItems", depth)
			if err != nil {
				return nil, err
			}
			s.unevaluatedItems = sub
		}
	}
	return s, nil
}

// compilePattern compiles an ECMA-262 regex as well as RE2 allows. A
// pattern RE2 cannot express never matches (it still makes the content
// model partially open).
func compilePattern(p string) (matcher, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return neverMatch{}, nil
	}
	return re, nil
}

type neverMatch struct{}

func (neverMatch) MatchString(string) bool { return false }

// resolveAll loads the targets of every $ref found so far, including refs
// found while loading targets.
func (l *loader) resolveAll() error {
	for len(l.pending) > 0 {
		p := l.pending[0]
		l.pending = l.pending[1:]
		target, err := l.resolve(p)
		if err != nil {
			return err
		}
		p.node.target = target
	}
	return nil
}

func (l *loader) resolve(p *pendingRef) (*Schema, error) {
	ref := p.node.ref
	if p.depth > maxDepth {
		return nil, fmt.Errorf("%w: $ref %q nested too deeply", ErrInvalidSchema, ref)
	}
	doc := p.doc
	frag := ""
	docPart := ref
	if i := strings.IndexByte(ref, '#'); i >= 0 {
		docPart, frag = ref[:i], ref[i+1:]
	}
	if docPart != "" {
		d, ptr, err := l.document(p, docPart)
		if err != nil {
			return nil, err
		}
		doc = d
		if frag == "" {
			frag = ptr
		} else if ptr != "" && strings.HasPrefix(frag, "/") {
			frag = ptr + frag
		}
	} else if frag == "" {
		// "#": the document root, or the schema with the enclosing $id.
		if p.base != nil && p.base.String() != "" {
			u := *p.base
			u.Fragment = ""
			if ptr, ok := doc.ids[u.String()]; ok {
				frag = ptr
			}
		}
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		// Plain-name fragment ($anchor / "#foo" ids).
		ptr, ok := findAnchor(doc, frag)
		if !ok {
			return nil, fmt.Errorf("%w: cannot resolve $ref %q: no anchor %q", ErrInvalidSchema, ref, frag)
		}
		frag = ptr
	}
	uf, err := url.PathUnescape(frag)
	if err == nil {
		frag = uf
	}
	v, err := lookupPointer(doc.root, frag)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot resolve $ref %q: %w", ErrInvalidSchema, ref, err)
	}
	return l.load(doc, v, frag, p.depth+1)
}

// document finds the document a $ref names, returning it and the JSON
// pointer of the named schema inside it.
func (l *loader) document(p *pendingRef, name string) (*document, string, error) {
	var abs string
	if p.base != nil {
		if u, err := p.base.Parse(name); err == nil {
			u.Fragment = ""
			abs = u.String()
		}
	}
	// An embedded schema with that $id, in any document loaded so far.
	for _, d := range l.docs {
		if ptr, ok := d.ids[abs]; ok {
			return d, ptr, nil
		}
		if ptr, ok := d.ids[name]; ok {
			return d, ptr, nil
		}
	}
	candidates := []string{name, abs}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		candidates = append(candidates, name[i+1:])
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if d, ok := l.docs["ref:"+c]; ok {
			return d, "", nil
		}
		text, ok := l.refs[c]
		if !ok {
			continue
		}
		root, err := decode(text, l.yaml)
		if err != nil {
			return nil, "", fmt.Errorf("referenced schema %q: %w", c, err)
		}
		d, err := l.addDocument("ref:"+c, root)
		if err != nil {
			return nil, "", err
		}
		if abs != "" {
			if u, err := url.Parse(abs); err == nil && d.base.String() == "" {
				d.base = u
			}
		}
		return d, "", nil
	}
	// A reference whose $id matches a refs entry's $id.
	for k, text := range l.refs {
		if _, loaded := l.docs["ref:"+k]; loaded {
			continue
		}
		root, err := decode(text, l.yaml)
		if err != nil {
			continue
		}
		if m, ok := root.(map[string]any); ok {
			if id, ok := m["$id"].(string); ok && (id == name || id == abs) {
				d, err := l.addDocument("ref:"+k, root)
				if err != nil {
					return nil, "", err
				}
				return d, "", nil
			}
		}
	}
	return nil, "", fmt.Errorf("%w: cannot resolve $ref to %q: not in the schema's references", ErrInvalidSchema, name)
}

func findAnchor(doc *document, name string) (string, bool) {
	for id, ptr := range doc.ids {
		if u, err := url.Parse(id); err == nil && u.Fragment == name {
			return ptr, true
		}
	}
	var found string
	var ok bool
	var walk func(v any, ptr string, depth int)
	walk = func(v any, ptr string, depth int) {
		if ok || depth > maxDepth {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			if a, _ := t["$anchor"].(string); a == name {
				found, ok = ptr, true
				return
			}
			if id, _ := t[doc.idKeyword()].(string); id == "#"+name {
				found, ok = ptr, true
				return
			}
			for _, k := range sortedKeys(t) {
				if k == "enum" || k == "const" || k == "default" || k == "examples" {
					continue
				}
				walk(t[k], ptr+"/"+escapePointer(k), depth+1)
			}
		case []any:
			for i, e := range t {
				walk(e, ptr+"/"+strconv.Itoa(i), depth+1)
			}
		}
	}
	walk(doc.root, "", 0)
	return found, ok
}

// lookupPointer evaluates a JSON pointer. Confluent copies top-level
// definitions into $defs, so "/$defs/x" also finds "/definitions/x" and
// the other way round.
func lookupPointer(root any, ptr string) (any, error) {
	if ptr == "" {
		return root, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("bad JSON pointer %q", ptr)
	}
	cur := root
	segs := strings.Split(ptr[1:], "/")
	for i, raw := range segs {
		seg := unescapePointer(raw)
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[seg]
			if !ok && i == 0 {
				switch seg {
				case "$defs":
					v, ok = t["definitions"]
				case "definitions":
					v, ok = t["$defs"]
				}
			}
			if !ok {
				return nil, fmt.Errorf("no %q at %q", seg, "/"+strings.Join(segs[:i], "/"))
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(t) {
				return nil, fmt.Errorf("no index %q at %q", seg, "/"+strings.Join(segs[:i], "/"))
			}
			cur = t[n]
		default:
			return nil, fmt.Errorf("no %q at %q", seg, "/"+strings.Join(segs[:i], "/"))
		}
	}
	return cur, nil
}
