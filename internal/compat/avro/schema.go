// Package avro owns evctl's Avro schema model and the Avro compatibility
// primitive: a small parser that reads Avro schema JSON (with Confluent schema
// references) and validates it the way Apache Avro Java's Schema.Parser does,
// a port of Java's SchemaCompatibility.checkReaderWriterCompatibility that
// reports the same incompatibilities at the same locations, and the Avro
// Parsing Canonical Form. It imports internal/compat only for its Change type.
package avro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// MaxDepth is the deepest nesting of schemas Parse accepts.
const MaxDepth = 1000

// Type is an Avro schema type.
type Type uint8

// The Avro schema types, in the order Java's Schema.Type declares them.
const (
	Record Type = iota
	Enum
	Array
	Map
	Union
	Fixed
	String
	Bytes
	Int
	Long
	Float
	Double
	Boolean
	Null
)

var typeNames = [...]string{"record", "enum", "array", "map", "union", "fixed", "string", "bytes", "int", "long", "float", "double", "boolean", "null"}

// String returns the Avro name of the type ("record", "int", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// javaName is the name Java prints for the type (Schema.Type.toString()).
func (t Type) javaName() string { return strings.ToUpper(t.String()) }

var primitives = map[string]Type{
	"string": String, "bytes": Bytes, "int": Int, "long": Long,
	"float": Float, "double": Double, "boolean": Boolean, "null": Null,
}

// Named reports whether the type is a named type (record, enum, fixed).
func (t Type) Named() bool { return t == Record || t == Enum || t == Fixed }

// Schema is one node of a parsed Avro schema. Named types (record, enum,
// fixed) are shared: every reference to a name points at the node that
// defines it, so recursive schemas are cyclic graphs. Every other node is
// distinct per occurrence, as in Java.
type Schema struct {
	Type Type

	// Named types.
	Name      string   // unqualified name
	Namespace string   // "" when none
	FullName  string   // namespace + "." + name, or name
	Aliases   []string // as Java's getAliases() returns them (fully qualified)
	Doc       string

	// Record.
	Fields  []*Field
	IsError bool
	byName  map[string]*Field

	// Enum.
	Symbols        []string
	EnumDefault    string
	HasEnumDefault bool

	// Fixed.
	Size int

	// Array and map.
	Items  *Schema
	Values *Schema

	// Union.
	Branches []*Schema

	// LogicalType is the logicalType attribute, if any. Compatibility
	// ignores it, as Java does.
	LogicalType string

	ref    string  // name reference while parsing
	target *Schema // definition a reference resolves to
}

// Field is one record field.
type Field struct {
	Name       string
	Aliases    []string
	Pos        int
	Type       *Schema
	HasDefault bool
	Default    any // decoded JSON (numbers are json.Number)
	Doc        string
}

// Field returns the record field with that name (not alias), or nil.
func (s *Schema) Field(name string) *Field {
	if s == nil || s.Type != Record {
		return nil
	}
	return s.byName[name]
}

// ParseOptions tune parsing.
type ParseOptions struct {
	// SkipDefaultValidation accepts field defaults that do not match the
	// field type. Confluent parses stored (previous) schemas this way and
	// validates defaults only for schemas being registered.
	SkipDefaultValidation bool
}

// Parse parses an Avro schema, validating names and field defaults like
// Java's Schema.Parser. refs maps Confluent reference names to the text of
// referenced schemas; the named types they define can be used by name.
func Parse(text []byte, refs map[string][]byte) (*Schema, error) {
	return ParseWith(text, refs, ParseOptions{})
}

// ParseLenient parses like Parse but does not validate field defaults, the
// way Confluent parses already registered schemas.
func ParseLenient(text []byte, refs map[string][]byte) (*Schema, error) {
	return ParseWith(text, refs, ParseOptions{SkipDefaultValidation: true})
}

// ParseWith parses with explicit options.
func ParseWith(text []byte, refs map[string][]byte, opts ParseOptions) (*Schema, error) {
	p := &parser{names: map[string]*Schema{}, opts: opts}
	keys := make([]string, 0, len(refs))
	for k := range refs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := decodeJSON(refs[k])
		if err != nil {
			return nil, fmt.Errorf("reference %q: %w", k, err)
		}
		if _, err := p.parse(v, "", 0); err != nil {
			return nil, fmt.Errorf("reference %q: %w", k, err)
		}
	}
	v, err := decodeJSON(text)
	if err != nil {
		return nil, err
	}
	root, err := p.parse(v, "", 0)
	if err != nil {
		return nil, err
	}
	if root, err = p.resolve(root); err != nil {
		return nil, err
	}
	if !opts.SkipDefaultValidation {
		v := &defaultValidator{fields: map[*Field]int8{}}
		for _, f := range p.fields {
			if f.HasDefault && !v.field(f, 0) {
				return nil, fmt.Errorf("invalid default for field %q: %s is not a valid %s value; fix the default or the field type", f.Name, jsonText(f.Default), describe(f.Type))
			}
		}
	}
	return root, nil
}

// jsonText renders a JSON value for an error message, shortened.
func jsonText(v any) string {
	const max = 120
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprint(v))
	}
	if len(b) > max {
		return strings.ToValidUTF8(string(b[:max]), "") + "…"
	}
	return string(b)
}

func describe(s *Schema) string {
	if s.Type.Named() {
		return s.Type.String() + " " + s.FullName
	}
	if s.Type == Union {
		parts := make([]string, len(s.Branches))
		for i, b := range s.Branches {
			parts[i] = describe(b)
		}
		return "union [" + strings.Join(parts, ", ") + "]"
	}
	return s.Type.String()
}

func decodeJSON(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("invalid avro schema: empty document")
		}
		return nil, fmt.Errorf("invalid avro schema: not valid JSON: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid avro schema: dangling content after end of schema")
	}
	return v, nil
}

type parser struct {
	names  map[string]*Schema // full name -> definition
	refs   []*Schema          // unresolved reference nodes
	fields []*Field
	opts   ParseOptions
}

func (p *parser) parse(v any, ns string, depth int) (*Schema, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("invalid avro schema: nesting deeper than %d levels", MaxDepth)
	}
	switch x := v.(type) {
	case string:
		return p.lookup(x, ns), nil
	case []any:
		return p.parseUnion(x, ns, depth)
	case map[string]any:
		return p.parseObject(x, ns, depth)
	case nil:
		return nil, errors.New("invalid avro schema: null is not a schema")
	default:
		return nil, fmt.Errorf("invalid avro schema: %s is not a schema (want a type name, an object or a union array)", jsonText(x))
	}
}

// lookup resolves a type name like Java's ParseContext.find: primitives,
// then the name qualified with the enclosing namespace, then the name as
// is. A name not defined yet becomes a reference to the qualified name,
// resolved when the whole document is parsed (forward references).
func (p *parser) lookup(name, ns string) *Schema {
	if t, ok := primitives[name]; ok {
		return &Schema{Type: t}
	}
	full := qualify(name, ns)
	if def := p.names[full]; def != nil {
		return def
	}
	if def := p.names[name]; def != nil {
		return def
	}
	r := &Schema{ref: full}
	p.refs = append(p.refs, r)
	return r
}

func qualify(name, ns string) string {
	if strings.Contains(name, ".") || ns == "" {
		return name
	}
	return ns + "." + name
}

func (p *parser) resolve(root *Schema) (*Schema, error) {
	for _, r := range p.refs {
		def := p.names[r.ref]
		if def == nil {
			return nil, fmt.Errorf("invalid avro schema: undefined name %q; define the type before using it or add a schema reference for it", r.ref)
		}
		r.target = def
	}
	// Replace every reference node by its definition.
	seen := map[*Schema]bool{}
	root = deref(root)
	fix(root, seen)
	names := make([]string, 0, len(p.names))
	for n := range p.names {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fix(p.names[n], seen)
	}
	if err := checkUnions(root); err != nil {
		return nil, err
	}
	for _, n := range names {
		if err := checkUnions(p.names[n]); err != nil {
			return nil, err
		}
	}
	return root, nil
}

func deref(s *Schema) *Schema {
	if s != nil && s.ref != "" {
		return s.target
	}
	return s
}

// fix replaces reference nodes below s by their definitions.
func fix(s *Schema, seen map[*Schema]bool) {
	// Iterative walk: recursive schemas are cyclic graphs.
	stack := []*Schema{s}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		switch n.Type {
		case Record:
			for _, f := range n.Fields {
				f.Type = deref(f.Type)
				stack = append(stack, f.Type)
			}
		case Array:
			n.Items = deref(n.Items)
			stack = append(stack, n.Items)
		case Map:
			n.Values = deref(n.Values)
			stack = append(stack, n.Values)
		case Union:
			for i, b := range n.Branches {
				n.Branches[i] = deref(b)
				stack = append(stack, n.Branches[i])
			}
		}
	}
}

func (p *parser) parseObject(m map[string]any, ns string, depth int) (*Schema, error) {
	typ, ok := m["type"].(string)
	if !ok {
		return nil, fmt.Errorf("invalid avro schema: no type in %s (\"type\" must be a string)", jsonText(m))
	}
	if t, ok := primitives[typ]; ok {
		s := &Schema{Type: t}
		s.LogicalType, _ = m["logicalType"].(string)
		return s, nil
	}
	switch typ {
	case "record", "error":
		return p.parseRecord(m, ns, typ == "error", depth)
	case "enum":
		return p.parseEnum(m, ns)
	case "array":
		items, ok := m["items"]
		if !ok {
			return nil, errors.New("invalid avro schema: array has no items type")
		}
		it, err := p.parse(items, ns, depth+1)
		if err != nil {
			return nil, err
		}
		s := &Schema{Type: Array, Items: it}
		s.LogicalType, _ = m["logicalType"].(string)
		return s, nil
	case "map":
		values, ok := m["values"]
		if !ok {
			return nil, errors.New("invalid avro schema: map has no values type")
		}
		vt, err := p.parse(values, ns, depth+1)
		if err != nil {
			return nil, err
		}
		s := &Schema{Type: Map, Values: vt}
		s.LogicalType, _ = m["logicalType"].(string)
		return s, nil
	case "fixed":
		return p.parseFixed(m, ns)
	}
	// {"type": "SomeName"} refers to a named type.
	return p.lookup(typ, ns), nil
}

// validName is Java's NameValidator.UTF_VALIDATOR (on UTF-16 code units).
func validName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	for i, r := range name {
		ok := r == '_' || (r <= 0xFFFF && unicode.IsLetter(r))
		if i > 0 {
			ok = ok || (r <= 0xFFFF && unicode.IsDigit(r))
		}
		if !ok {
			if i == 0 {
				return fmt.Errorf("illegal initial character: %q", name)
			}
			return fmt.Errorf("illegal character in: %q", name)
		}
	}
	return nil
}

// makeName builds a full name like Java's Schema.Name, validating the
// namespace parts too, as Java's ParseContext.put does for named types.
func makeName(name, space string) (short, namespace, full string, err error) {
	return buildName(name, space, true)
}

// buildName builds a full name; aliases only get their last part validated.
func buildName(name, space string, checkSpace bool) (short, namespace, full string, err error) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		space = name[:i]
		name = name[i+1:]
	}
	if err := validName(name); err != nil {
		return "", "", "", err
	}
	if space != "" && !checkSpace {
		return name, space, space + "." + name, nil
	}
	if space != "" {
		for _, part := range strings.Split(space, ".") {
			if err := validName(part); err != nil {
				return "", "", "", fmt.Errorf("namespace %q: %w", space, err)
			}
		}
		return name, space, space + "." + name, nil
	}
	return name, "", name, nil
}

func (p *parser) defineName(s *Schema, m map[string]any, ns string) error {
	name, ok := m["name"].(string)
	if !ok {
		return fmt.Errorf("invalid avro schema: no name in %s schema", s.Type)
	}
	space := ns
	if v, ok := m["namespace"].(string); ok {
		space = v
	}
	short, space, full, err := makeName(name, space)
	if err != nil {
		return fmt.Errorf("invalid avro schema: bad %s name: %w", s.Type, err)
	}
	if _, ok := primitives[full]; ok {
		return fmt.Errorf("invalid avro schema: schemas may not be named after primitives: %s", full)
	}
	s.Name, s.Namespace, s.FullName = short, space, full
	s.Doc, _ = m["doc"].(string)
	s.LogicalType, _ = m["logicalType"].(string)
	if s.Type == Record { // records are registered before their fields (recursion)
		return p.register(s)
	}
	return nil
}

// register records a named type's definition, like Java's ParseContext.put.
func (p *parser) register(s *Schema) error {
	if old, ok := p.names[s.FullName]; ok {
		if !sameDefinition(old, s) {
			return fmt.Errorf("invalid avro schema: can't redefine %s; a named type may be defined only once (refer to it by name after that)", s.FullName)
		}
		return nil
	}
	p.names[s.FullName] = s
	return nil
}

// sameDefinition allows an identical enum or fixed to be defined twice, as
// Java's ParseContext does for equal schemas.
func sameDefinition(a, b *Schema) bool {
	if a.Type != b.Type || a.Type == Record {
		return false
	}
	if a.Type == Fixed {
		return a.Size == b.Size
	}
	if len(a.Symbols) != len(b.Symbols) {
		return false
	}
	for i := range a.Symbols {
		if a.Symbols[i] != b.Symbols[i] {
			return false
		}
	}
	return true
}

func parseStringList(m map[string]any, key string) ([]string, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("invalid avro schema: %s is not an array", key)
	}
	out := make([]string, 0, len(arr))
	seen := map[string]bool{}
	for _, a := range arr {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("invalid avro schema: alias %s is not a string", jsonText(a))
		}
		if !seen[s] { // Java keeps aliases in a LinkedHashSet
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// typeAliases resolves named-type aliases against the type's namespace and
// returns them the way Java's getAliases() does.
func typeAliases(s *Schema, m map[string]any) error {
	raw, err := parseStringList(m, "aliases")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range raw {
		short, space, full, err := buildName(a, s.Namespace, false)
		if err != nil {
			return fmt.Errorf("invalid avro schema: bad alias %q of %s: %w", a, s.FullName, err)
		}
		if space == "" && s.Namespace != "" {
			full = "." + short
		}
		if !seen[full] {
			seen[full] = true
			s.Aliases = append(s.Aliases, full)
		}
	}
	return nil
}

func (p *parser) parseRecord(m map[string]any, ns string, isError bool, depth int) (*Schema, error) {
	s := &Schema{Type: Record, IsError: isError}
	if err := p.defineName(s, m, ns); err != nil {
		return nil, err
	}
	fields, ok := m["fields"].([]any)
	if !ok {
		return nil, fmt.Errorf("invalid avro schema: record %s has no fields array", s.FullName)
	}
	s.byName = make(map[string]*Field, len(fields))
	for i, fv := range fields {
		fm, _ := fv.(map[string]any)
		name, ok := fm["name"].(string)
		if !ok {
			return nil, fmt.Errorf("invalid avro schema: field %d of record %s has no name", i, s.FullName)
		}
		tv, ok := fm["type"]
		if !ok {
			return nil, fmt.Errorf("invalid avro schema: field %q of record %s has no type", name, s.FullName)
		}
		ft, err := p.parse(tv, s.Namespace, depth+1)
		if err != nil {
			return nil, err
		}
		if err := validName(name); err != nil {
			return nil, fmt.Errorf("invalid avro schema: bad field name in record %s: %w", s.FullName, err)
		}
		f := &Field{Name: name, Pos: i, Type: ft}
		f.Doc, _ = fm["doc"].(string)
		if ov, ok := fm["order"]; ok {
			o, _ := ov.(string)
			switch strings.ToUpper(o) {
			case "ASCENDING", "DESCENDING", "IGNORE":
			default:
				return nil, fmt.Errorf("invalid avro schema: field %q has bad order %s (want ascending, descending or ignore)", name, jsonText(ov))
			}
		}
		if d, ok := fm["default"]; ok {
			f.HasDefault = true
			if str, isStr := d.(string); isStr && (ft.Type == Float || ft.Type == Double) && ft.ref == "" {
				fl, err := parseJavaDouble(str)
				if err != nil {
					return nil, fmt.Errorf("invalid avro schema: field %q: default %q is not a number", name, str)
				}
				d = fl
			}
			f.Default = d
		}
		if f.Aliases, err = parseStringList(fm, "aliases"); err != nil {
			return nil, err
		}
		if _, dup := s.byName[name]; dup {
			return nil, fmt.Errorf("invalid avro schema: duplicate field %q in record %s", name, s.FullName)
		}
		s.byName[name] = f
		s.Fields = append(s.Fields, f)
		p.fields = append(p.fields, f)
	}
	if err := typeAliases(s, m); err != nil {
		return nil, err
	}
	return s, nil
}

// parseJavaDouble approximates Java's Double.parseDouble.
func parseJavaDouble(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if n := len(t); n > 0 && strings.ContainsRune("dDfF", rune(t[n-1])) && !strings.HasSuffix(strings.ToLower(t), "inf") {
		t = t[:n-1]
	}
	switch strings.TrimLeft(t, "+-") {
	case "Infinity":
		if strings.HasPrefix(t, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	case "NaN":
		return math.NaN(), nil
	case "inf", "Inf", "infinity", "nan", "NAN", "INF":
		return 0, errors.New("not a java double")
	}
	return strconv.ParseFloat(t, 64)
}

func (p *parser) parseEnum(m map[string]any, ns string) (*Schema, error) {
	s := &Schema{Type: Enum}
	if err := p.defineName(s, m, ns); err != nil {
		return nil, err
	}
	syms, ok := m["symbols"].([]any)
	if !ok {
		return nil, fmt.Errorf("invalid avro schema: enum %s has no symbols array", s.FullName)
	}
	seen := make(map[string]bool, len(syms))
	for _, sv := range syms {
		sym, ok := sv.(string)
		if !ok {
			return nil, fmt.Errorf("invalid avro schema: enum %s symbol %s is not a string", s.FullName, jsonText(sv))
		}
		if err := validName(sym); err != nil {
			return nil, fmt.Errorf("invalid avro schema: enum %s: bad symbol: %w", s.FullName, err)
		}
		if seen[sym] {
			return nil, fmt.Errorf("invalid avro schema: enum %s: duplicate symbol %s", s.FullName, sym)
		}
		seen[sym] = true
		s.Symbols = append(s.Symbols, sym)
	}
	if d, ok := m["default"].(string); ok {
		if !seen[d] {
			return nil, fmt.Errorf("invalid avro schema: enum %s default %q is not one of its symbols %v", s.FullName, d, s.Symbols)
		}
		s.EnumDefault, s.HasEnumDefault = d, true
	}
	if err := p.register(s); err != nil {
		return nil, err
	}
	if err := typeAliases(s, m); err != nil {
		return nil, err
	}
	return s, nil
}

// maxFixedSize mirrors Java's SystemLimitException default byte limit.
const maxFixedSize = math.MaxInt32 - 8

func (p *parser) parseFixed(m map[string]any, ns string) (*Schema, error) {
	s := &Schema{Type: Fixed}
	if err := p.defineName(s, m, ns); err != nil {
		return nil, err
	}
	n, ok := m["size"].(json.Number)
	var size int64
	var err error
	if ok {
		size, err = strconv.ParseInt(string(n), 10, 32)
	}
	if !ok || err != nil {
		return nil, fmt.Errorf("invalid avro schema: fixed %s has no valid integer size", s.FullName)
	}
	if size < 0 || size > maxFixedSize {
		return nil, fmt.Errorf("invalid avro schema: fixed %s size %d is out of range", s.FullName, size)
	}
	s.Size = int(size)
	if err := p.register(s); err != nil {
		return nil, err
	}
	if err := typeAliases(s, m); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *parser) parseUnion(arr []any, ns string, depth int) (*Schema, error) {
	s := &Schema{Type: Union, Branches: make([]*Schema, 0, len(arr))}
	for _, bv := range arr {
		b, err := p.parse(bv, ns, depth+1)
		if err != nil {
			return nil, err
		}
		if b.Type == Union && b.ref == "" {
			return nil, errors.New("invalid avro schema: nested union; a union may not directly contain another union")
		}
		s.Branches = append(s.Branches, b)
	}
	return s, nil
}

// checkUnions rejects duplicate branches once names are resolved.
func checkUnions(root *Schema) error {
	seen := map[*Schema]bool{}
	stack := []*Schema{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		switch n.Type {
		case Record:
			for _, f := range n.Fields {
				stack = append(stack, f.Type)
			}
		case Array:
			stack = append(stack, n.Items)
		case Map:
			stack = append(stack, n.Values)
		case Union:
			names := make(map[string]bool, len(n.Branches))
			for _, b := range n.Branches {
				key := b.Type.String()
				if b.Type.Named() {
					key = b.FullName
				}
				if names[key] {
					return fmt.Errorf("invalid avro schema: duplicate in union: %s; each type may appear only once in a union", key)
				}
				names[key] = true
				stack = append(stack, b)
			}
		}
	}
	return nil
}

// defaultValidator is Java's Schema.isValidDefault. A record default may
// leave fields out, which then take their own defaults; those results are
// cached per field so that defaults of nested named types are checked once,
// and a field whose default needs itself (Java overflows its stack) is
// invalid.
type defaultValidator struct {
	fields map[*Field]int8 // 1 in progress, 2 valid, 3 invalid
}

func (v *defaultValidator) field(f *Field, depth int) bool {
	switch v.fields[f] {
	case 1, 3:
		return false
	case 2:
		return true
	}
	v.fields[f] = 1
	ok := f.HasDefault && v.value(f.Type, f.Default, depth+1)
	v.fields[f] = 3
	if ok {
		v.fields[f] = 2
	}
	return ok
}

func (v *defaultValidator) valid(s *Schema, val any, depth int) bool {
	if depth > MaxDepth {
		return false
	}
	switch s.Type {
	case Record:
		m, ok := val.(map[string]any)
		if !ok {
			return false
		}
		for _, f := range s.Fields {
			fv, has := m[f.Name]
			if !has {
				if !v.field(f, depth+1) {
					return false
				}
				continue
			}
			if !v.value(f.Type, fv, depth+1) {
				return false
			}
		}
		return true
	case Enum, Fixed, String, Bytes:
		_, ok := val.(string)
		return ok
	case Array:
		arr, ok := val.([]any)
		if !ok {
			return false
		}
		for _, e := range arr {
			if !v.valid(s.Items, e, depth+1) {
				return false
			}
		}
		return true
	case Map:
		m, ok := val.(map[string]any)
		if !ok {
			return false
		}
		for _, e := range m {
			if !v.valid(s.Values, e, depth+1) {
				return false
			}
		}
		return true
	case Union:
		for _, b := range s.Branches {
			if v.value(b, val, depth+1) {
				return true
			}
		}
		return false
	case Int, Long:
		n, ok := val.(json.Number)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			return false
		}
		bits := 64
		if s.Type == Int {
			bits = 32
		}
		_, err := strconv.ParseInt(string(n), 10, bits)
		return err == nil
	case Float, Double:
		switch val.(type) {
		case json.Number, float64:
			return true
		}
		return false
	case Boolean:
		_, ok := val.(bool)
		return ok
	case Null:
		return val == nil
	}
	return false
}

// value is Java's isValidValue: any branch of a union may match.
func (v *defaultValidator) value(s *Schema, val any, depth int) bool {
	if s.Type == Union {
		for _, b := range s.Branches {
			if v.valid(b, val, depth+1) {
				return true
			}
		}
		return false
	}
	return v.valid(s, val, depth)
}
