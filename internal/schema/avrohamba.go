package schema

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	hamba "github.com/hamba/avro/v2"
)

// errHambaFallback tells hambaFromNode that a document is outside the
// subset it builds with exactly hamba's verdict; the caller then hands the
// text to hamba's own parser (through avroparse).
var errHambaFallback = errors.New("avro: needs hamba's parser")

// hambaFromNode builds the hamba/avro schema of a single-file Avro document
// from its parsed Node tree, without parsing the text again. It follows
// hamba's parser (schema_parse.go of hamba/avro v2.31.0) step by step and
// calls the same constructors (NewRecordSchema, NewField, NewEnumSchema,
// ...), which hold hamba's checks of names, symbols, unions and defaults, in
// the same order, so a document it builds gets hamba's verdict, error and
// schema. It replaces hamba's decoding layer (jsoniter into maps, then
// mapstructure into structs), which is most of hamba's cost.
//
// Where that layer does something this builder does not reproduce (a key
// of the wrong JSON type, a key spelled with other letter case, a number
// outside float64, text whose strings may decode differently, a default
// that hamba would check against a record still being built) it returns
// errHambaFallback, and the caller uses hamba's parser. TestHambaFromNode
// compares both on every Avro file of the repository's test data.
func hambaFromNode(src []byte, root *Node) (sch hamba.Schema, err error) {
	if !utf8.Valid(src) || hasSurrogateEscape(src) || !floatsOnly(root, 0) {
		return nil, errHambaFallback
	}
	defer func() {
		if recover() != nil {
			sch, err = nil, errHambaFallback
		}
	}()
	b := &hambaBuilder{cache: &hamba.SchemaCache{}, seen: map[string]struct{}{}, open: map[string]bool{}}
	return b.typ("", root, 0)
}

// floatsOnly reports whether every number of the document is a float64
// (jsoniter fails on the whole document otherwise, and hamba then reads
// the text as a type name).
func floatsOnly(n *Node, depth int) bool {
	if depth > MaxDepth {
		return false
	}
	switch n.Kind {
	case Number:
		_, err := strconv.ParseFloat(n.Str, 64)
		return err == nil
	case Array:
		for _, it := range n.Items {
			if !floatsOnly(it, depth+1) {
				return false
			}
		}
	case Object:
		for i := range n.Members {
			if !floatsOnly(n.Members[i].Value, depth+1) {
				return false
			}
		}
	}
	return true
}

// hasSurrogateEscape reports a \uD800–\uDFFF escape, which jsoniter and
// encoding/json may decode differently.
func hasSurrogateEscape(src []byte) bool {
	for i := 0; ; {
		j := bytes.Index(src[i:], []byte(`\u`))
		if j < 0 {
			return false
		}
		i += j + 2
		if i < len(src) && (src[i] == 'd' || src[i] == 'D') && i+1 < len(src) {
			switch src[i+1] {
			case '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F':
				return true
			}
		}
	}
}

type hambaBuilder struct {
	cache *hamba.SchemaCache
	seen  map[string]struct{}
	// open are the records whose fields are being built.
	open map[string]bool
}

func (b *hambaBuilder) typ(ns string, n *Node, depth int) (hamba.Schema, error) {
	if depth > MaxDepth {
		return nil, errHambaFallback
	}
	switch n.Kind {
	case Null:
		return &hamba.NullSchema{}, nil
	case String:
		return b.primitive(ns, n.Str)
	case Object:
		return b.complex(ns, n, depth)
	case Array:
		return b.union(ns, n, depth)
	}
	return nil, errHambaFallback
}

func (b *hambaBuilder) primitive(ns, s string) (hamba.Schema, error) {
	typ := hamba.Type(s)
	switch typ {
	case hamba.Null:
		return &hamba.NullSchema{}, nil
	case hamba.String, hamba.Bytes, hamba.Int, hamba.Long, hamba.Float, hamba.Double, hamba.Boolean:
		return hamba.NewPrimitiveSchema(typ, nil), nil
	}
	sch := b.cache.Get(hambaFullName(ns, s))
	if sch == nil {
		return nil, fmt.Errorf("avro: unknown type: %s", s)
	}
	if _, ref := sch.(*hamba.RefSchema); !ref {
		// An enum or fixed found by an alias is the schema itself; hamba
		// turns its second appearance into a reference.
		if named, ok := sch.(hamba.NamedSchema); ok {
			return hamba.NewRefSchema(named), nil
		}
	}
	return sch, nil
}

func (b *hambaBuilder) union(ns string, n *Node, depth int) (hamba.Schema, error) {
	types := make([]hamba.Schema, len(n.Items))
	for i, it := range n.Items {
		t, err := b.typ(ns, it, depth+1)
		if err != nil {
			return nil, err
		}
		types[i] = t
	}
	return hamba.NewUnionSchema(types)
}

// hambaKeys are the keys each of hamba's decoding structs takes; any other
// key is a property.
var hambaKeys = map[string][]string{
	"primitive": {"type"},
	"record":    {"type", "name", "namespace", "aliases", "doc", "fields"},
	"field":     {"name", "aliases", "type", "doc", "default", "order"},
	"enum":      {"name", "namespace", "aliases", "type", "doc", "symbols", "default"},
	"array":     {"type", "items"},
	"map":       {"type", "values"},
	"fixed":     {"name", "namespace", "aliases", "type", "size"},
}

// decoded is one object split as mapstructure splits it: the struct's keys
// and the remaining properties.
type decoded struct {
	keys  map[string]*Node
	props map[string]any
}

// decode splits an object's members into the keys of struct kind and the
// rest. A key matching a struct key only without regard to case is
// decoded by mapstructure into the struct: fall back.
func decode(n *Node, kind string) (decoded, error) {
	want := hambaKeys[kind]
	d := decoded{keys: make(map[string]*Node, len(want))}
	for _, m := range n.Members {
		known := false
		for _, k := range want {
			if m.Key == k {
				known = true
				break
			}
			if strings.EqualFold(m.Key, k) {
				return d, errHambaFallback
			}
		}
		if known {
			d.keys[m.Key] = m.Value
			continue
		}
		v, err := jsoniterValue(m.Value, 0)
		if err != nil {
			return d, err
		}
		if d.props == nil {
			d.props = map[string]any{}
		}
		d.props[m.Key] = v
	}
	return d, nil
}

// str is a string key: absent is "", anything but a string falls back.
func (d decoded) str(key string) (string, error) {
	v, ok := d.keys[key]
	if !ok {
		return "", nil
	}
	if v.Kind != String {
		return "", errHambaFallback
	}
	return v.Str, nil
}

// strs is a []string key: absent is nil.
func (d decoded) strs(key string) ([]string, error) {
	v, ok := d.keys[key]
	if !ok {
		return nil, nil
	}
	if v.Kind != Array {
		return nil, errHambaFallback
	}
	out := make([]string, len(v.Items))
	for i, it := range v.Items {
		if it.Kind != String {
			return nil, errHambaFallback
		}
		out[i] = it.Str
	}
	return out, nil
}

// integer is an int key decoded from a JSON number as mapstructure does
// (a whole float64); absent is 0.
func (d decoded) integer(key string) (int, error) {
	v, ok := d.keys[key]
	if !ok {
		return 0, nil
	}
	return wholeNumber(v)
}

func wholeNumber(v *Node) (int, error) {
	if v.Kind != Number {
		return 0, errHambaFallback
	}
	f, err := strconv.ParseFloat(v.Str, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, errHambaFallback
	}
	return int(f), nil
}

// jsoniterValue converts a node to the value jsoniter decodes into an
// interface (numbers as float64).
func jsoniterValue(n *Node, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, errHambaFallback
	}
	switch n.Kind {
	case Null:
		return nil, nil
	case Bool:
		return n.Bool, nil
	case Number:
		f, err := strconv.ParseFloat(n.Str, 64)
		if err != nil {
			return nil, errHambaFallback
		}
		return f, nil
	case String:
		return n.Str, nil
	case Array:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			v, err := jsoniterValue(it, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case Object:
		out := make(map[string]any, len(n.Members))
		for _, m := range n.Members {
			v, err := jsoniterValue(m.Value, depth+1)
			if err != nil {
				return nil, err
			}
			out[m.Key] = v
		}
		return out, nil
	}
	return nil, errHambaFallback
}

func (b *hambaBuilder) complex(ns string, n *Node, depth int) (hamba.Schema, error) {
	t := n.Get("type")
	if t == nil {
		return nil, errHambaFallback
	}
	if t.Kind == Array {
		return b.union(ns, t, depth)
	}
	if t.Kind != String {
		return nil, errHambaFallback
	}
	switch typ := hamba.Type(t.Str); typ {
	case hamba.String, hamba.Bytes, hamba.Int, hamba.Long, hamba.Float, hamba.Double, hamba.Boolean, hamba.Null:
		return b.primitiveWithProps(typ, n)
	case hamba.Record, hamba.Error:
		return b.record(typ, ns, n, depth)
	case hamba.Enum:
		return b.enum(ns, n)
	case hamba.Array:
		d, err := decode(n, "array")
		if err != nil {
			return nil, err
		}
		items, ok := d.keys["items"]
		if !ok {
			return nil, errors.New("avro: array must have an items key")
		}
		s, err := b.typ(ns, items, depth+1)
		if err != nil {
			return nil, err
		}
		return hamba.NewArraySchema(s, hamba.WithProps(d.props)), nil
	case hamba.Map:
		d, err := decode(n, "map")
		if err != nil {
			return nil, err
		}
		values, ok := d.keys["values"]
		if !ok {
			return nil, errors.New("avro: map must have an values key")
		}
		s, err := b.typ(ns, values, depth+1)
		if err != nil {
			return nil, err
		}
		return hamba.NewMapSchema(s, hamba.WithProps(d.props)), nil
	case hamba.Fixed:
		return b.fixed(ns, n)
	default:
		return b.primitive(ns, t.Str)
	}
}

func (b *hambaBuilder) primitiveWithProps(typ hamba.Type, n *Node) (hamba.Schema, error) {
	d, err := decode(n, "primitive")
	if err != nil {
		return nil, err
	}
	var logical hamba.LogicalSchema
	if lt, ok := d.props["logicalType"].(string); ok && lt != "" {
		logical, err = primitiveLogical(typ, lt, d.props)
		if err != nil {
			return nil, err
		}
		if logical != nil {
			delete(d.props, "logicalType")
		}
	}
	if typ == hamba.Null {
		return hamba.NewNullSchema(hamba.WithProps(d.props)), nil
	}
	return hamba.NewPrimitiveSchema(typ, logical, hamba.WithProps(d.props)), nil
}

func primitiveLogical(typ hamba.Type, lt string, props map[string]any) (hamba.LogicalSchema, error) {
	l := hamba.LogicalType(lt)
	if (typ == hamba.String && l == hamba.UUID) ||
		(typ == hamba.Int && l == hamba.Date) ||
		(typ == hamba.Int && l == hamba.TimeMillis) ||
		(typ == hamba.Long && l == hamba.TimeMicros) ||
		(typ == hamba.Long && l == hamba.TimestampMillis) ||
		(typ == hamba.Long && l == hamba.TimestampMicros) ||
		(typ == hamba.Long && l == hamba.LocalTimestampMillis) ||
		(typ == hamba.Long && l == hamba.LocalTimestampMicros) {
		return hamba.NewPrimitiveLogicalSchema(l), nil
	}
	if typ == hamba.Bytes && l == hamba.Decimal {
		return decimalLogical(-1, props)
	}
	return nil, nil
}

// decimalLogical is hamba's parseDecimalLogicalType: precision and scale
// decoded from the properties (whole numbers; anything else falls back).
func decimalLogical(size int, props map[string]any) (hamba.LogicalSchema, error) {
	var prec, scale int
	for k, v := range props {
		var dst *int
		switch {
		case k == "precision":
			dst = &prec
		case k == "scale":
			dst = &scale
		case strings.EqualFold(k, "precision") || strings.EqualFold(k, "scale"):
			return nil, errHambaFallback
		default:
			continue
		}
		switch x := v.(type) {
		case nil:
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, errHambaFallback
			}
			*dst = int(x)
		default:
			return nil, errHambaFallback
		}
	}
	if prec <= 0 {
		return nil, nil
	}
	if size > 0 {
		maxPrecision := int(math.Floor(math.Log10(math.Pow(2, 8*float64(size)) - 1)))
		if prec > maxPrecision {
			return nil, nil
		}
	}
	if scale < 0 || scale > prec {
		return nil, nil
	}
	delete(props, "precision")
	delete(props, "scale")
	return hamba.NewDecimalLogicalSchema(prec, scale), nil
}

func (b *hambaBuilder) addSeen(full string) error {
	if _, ok := b.seen[full]; ok {
		return fmt.Errorf("duplicate name %q", full)
	}
	b.seen[full] = struct{}{}
	return nil
}

func (b *hambaBuilder) record(typ hamba.Type, ns string, n *Node, depth int) (hamba.Schema, error) {
	d, err := decode(n, "record")
	if err != nil {
		return nil, err
	}
	name, err := d.str("name")
	if err != nil {
		return nil, err
	}
	rns, err := d.str("namespace")
	if err != nil {
		return nil, err
	}
	aliases, err := d.strs("aliases")
	if err != nil {
		return nil, err
	}
	doc, err := d.str("doc")
	if err != nil {
		return nil, err
	}
	fieldsNode, hasFields := d.keys["fields"]
	var fieldNodes []*Node
	if hasFields {
		if fieldsNode.Kind != Array {
			return nil, errHambaFallback
		}
		for _, f := range fieldsNode.Items {
			if f.Kind != Object {
				return nil, errHambaFallback
			}
		}
		fieldNodes = fieldsNode.Items
	}
	if name == "" {
		return nil, errors.New("avro: non-empty name key required")
	}
	if rns == "" {
		rns = ns
	}
	if !hasFields {
		return nil, errors.New("avro: record must have an array of fields")
	}
	fields := make([]*hamba.Field, len(fieldNodes))
	opts := []hamba.SchemaOption{hamba.WithAliases(aliases), hamba.WithDoc(doc), hamba.WithProps(d.props)}
	var rec *hamba.RecordSchema
	if typ == hamba.Error {
		rec, err = hamba.NewErrorRecordSchema(name, rns, fields, opts...)
	} else {
		rec, err = hamba.NewRecordSchema(name, rns, fields, opts...)
	}
	if err != nil {
		return nil, err
	}
	if err := b.addSeen(rec.FullName()); err != nil {
		return nil, err
	}
	ref := hamba.NewRefSchema(rec)
	b.cache.Add(rec.FullName(), ref)
	for _, a := range rec.Aliases() {
		b.cache.Add(a, ref)
	}
	b.open[rec.FullName()] = true
	names := make(map[string]struct{}, len(fieldNodes))
	for i, fn := range fieldNodes {
		f, err := b.field(rec.Namespace(), fn, depth+1)
		if err != nil {
			return nil, err
		}
		if _, dup := names[f.Name()]; dup {
			return nil, fmt.Errorf("avro: duplicate field name %q", f.Name())
		}
		names[f.Name()] = struct{}{}
		fields[i] = f
	}
	delete(b.open, rec.FullName())
	return rec, nil
}

func (b *hambaBuilder) field(ns string, n *Node, depth int) (*hamba.Field, error) {
	d, err := decode(n, "field")
	if err != nil {
		return nil, err
	}
	name, err := d.str("name")
	if err != nil {
		return nil, err
	}
	aliases, err := d.strs("aliases")
	if err != nil {
		return nil, err
	}
	doc, err := d.str("doc")
	if err != nil {
		return nil, err
	}
	order, err := d.str("order")
	if err != nil {
		return nil, err
	}
	var def any = hamba.NoDefault
	if dn, ok := d.keys["default"]; ok {
		if def, err = jsoniterValue(dn, 0); err != nil {
			return nil, err
		}
	}
	if name == "" {
		return nil, errors.New("avro: non-empty name key required")
	}
	tn, ok := d.keys["type"]
	if !ok {
		return nil, errors.New("avro: field requires a type")
	}
	t, err := b.typ(ns, tn, depth+1)
	if err != nil {
		return nil, err
	}
	if def != hamba.NoDefault && b.reachesOpen(t, map[hamba.Schema]bool{}) {
		// hamba would check the default against a record whose fields
		// are not built yet (it panics there; avroparse handles it).
		return nil, errHambaFallback
	}
	return hamba.NewField(name, t, hamba.WithDefault(def), hamba.WithAliases(aliases), hamba.WithDoc(doc),
		hamba.WithOrder(hamba.Order(order)), hamba.WithProps(d.props))
}

// reachesOpen reports whether a type holds, at any depth, a record whose
// fields are still being built.
func (b *hambaBuilder) reachesOpen(s hamba.Schema, visited map[hamba.Schema]bool) bool {
	if s == nil || visited[s] {
		return false
	}
	visited[s] = true
	switch t := s.(type) {
	case *hamba.RefSchema:
		if b.open[t.Schema().FullName()] {
			return true
		}
		return b.reachesOpen(t.Schema(), visited)
	case *hamba.RecordSchema:
		if b.open[t.FullName()] {
			return true
		}
		for _, f := range t.Fields() {
			if f == nil || b.reachesOpen(f.Type(), visited) {
				return true
			}
		}
	case *hamba.ArraySchema:
		return b.reachesOpen(t.Items(), visited)
	case *hamba.MapSchema:
		return b.reachesOpen(t.Values(), visited)
	case *hamba.UnionSchema:
		for _, u := range t.Types() {
			if b.reachesOpen(u, visited) {
				return true
			}
		}
	}
	return false
}

func (b *hambaBuilder) enum(ns string, n *Node) (hamba.Schema, error) {
	d, err := decode(n, "enum")
	if err != nil {
		return nil, err
	}
	name, err := d.str("name")
	if err != nil {
		return nil, err
	}
	ens, err := d.str("namespace")
	if err != nil {
		return nil, err
	}
	aliases, err := d.strs("aliases")
	if err != nil {
		return nil, err
	}
	doc, err := d.str("doc")
	if err != nil {
		return nil, err
	}
	symbols, err := d.strs("symbols")
	if err != nil {
		return nil, err
	}
	def, err := d.str("default")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, errors.New("avro: non-empty name key required")
	}
	if ens == "" {
		ens = ns
	}
	enum, err := hamba.NewEnumSchema(name, ens, symbols, hamba.WithDefault(def), hamba.WithAliases(aliases),
		hamba.WithDoc(doc), hamba.WithProps(d.props))
	if err != nil {
		return nil, err
	}
	if err := b.addSeen(enum.FullName()); err != nil {
		return nil, err
	}
	b.cache.Add(enum.FullName(), hamba.NewRefSchema(enum))
	for _, a := range enum.Aliases() {
		b.cache.Add(a, enum)
	}
	return enum, nil
}

func (b *hambaBuilder) fixed(ns string, n *Node) (hamba.Schema, error) {
	d, err := decode(n, "fixed")
	if err != nil {
		return nil, err
	}
	name, err := d.str("name")
	if err != nil {
		return nil, err
	}
	fns, err := d.str("namespace")
	if err != nil {
		return nil, err
	}
	aliases, err := d.strs("aliases")
	if err != nil {
		return nil, err
	}
	size, err := d.integer("size")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, errors.New("avro: non-empty name key required")
	}
	if fns == "" {
		fns = ns
	}
	if _, ok := d.keys["size"]; !ok {
		return nil, errors.New("avro: fixed must have a size")
	}
	var logical hamba.LogicalSchema
	if lt, ok := d.props["logicalType"].(string); ok && lt != "" {
		switch l := hamba.LogicalType(lt); {
		case l == hamba.Duration && size == 12:
			logical = hamba.NewPrimitiveLogicalSchema(hamba.Duration)
		case l == hamba.Decimal:
			if logical, err = decimalLogical(size, d.props); err != nil {
				return nil, err
			}
		}
		if logical != nil {
			delete(d.props, "logicalType")
		}
	}
	fixed, err := hamba.NewFixedSchema(name, fns, size, logical, hamba.WithAliases(aliases), hamba.WithProps(d.props))
	if err != nil {
		return nil, err
	}
	if err := b.addSeen(fixed.FullName()); err != nil {
		return nil, err
	}
	b.cache.Add(fixed.FullName(), hamba.NewRefSchema(fixed))
	for _, a := range fixed.Aliases() {
		b.cache.Add(a, fixed)
	}
	return fixed, nil
}

func hambaFullName(ns, name string) string {
	if ns == "" || strings.ContainsRune(name, '.') {
		return name
	}
	return ns + "." + name
}
