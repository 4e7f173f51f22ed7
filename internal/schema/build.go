package schema

import (
	"fmt"
	"strings"
)

var avroPrimitives = map[string]TypeKind{
	"null": KNull, "boolean": KBoolean, "int": KInt, "long": KLong, "float": KFloat,
	"double": KDouble, "bytes": KBytes, "string": KString,
}

type avroBuilder struct {
	ev    *Event
	named map[string]*Type
	// resolve finds a named type defined in another file (nil: none).
	resolve func(full string) (*Type, error)
}

// unknownTypeError is a name that is neither primitive nor defined in the
// file; it may be defined in another file of the catalog.
type unknownTypeError struct{ err *Error }

func (e *unknownTypeError) Error() string { return e.err.Error() }
func (e *unknownTypeError) Unwrap() error { return e.err }

func avroFullName(name, ns string) string {
	if strings.Contains(name, ".") || ns == "" {
		return name
	}
	return ns + "." + name
}

func (b *avroBuilder) build(n *Node, ns string, depth int) (*Type, error) {
	if depth > MaxDepth {
		return nil, &Error{Path: b.ev.Path, Pos: n.Pos, Msg: "schema nests too deeply"}
	}
	switch n.Kind {
	case String:
		if k, ok := avroPrimitives[n.Str]; ok {
			return &Type{Kind: k, Node: n, Pos: n.Pos}, nil
		}
		full := avroFullName(n.Str, ns)
		t, ok := b.named[full]
		if !ok {
			t, ok = b.named[n.Str]
		}
		if !ok && b.resolve != nil {
			for _, name := range []string{full, n.Str} {
				rt, err := b.resolve(name)
				if err != nil {
					return nil, &Error{Path: b.ev.Path, Pos: n.Pos, Msg: err.Error()}
				}
				if rt != nil {
					t, ok = rt, true
					break
				}
			}
		}
		if !ok {
			return nil, &unknownTypeError{&Error{Path: b.ev.Path, Pos: n.Pos, Msg: fmt.Sprintf("unknown Avro type %q: no file of the catalog defines it", n.Str)}}
		}
		return &Type{Kind: t.Kind, Node: t.Node, Pos: n.Pos, Name: t.Name, Namespace: t.Namespace, Fields: t.Fields,
			Symbols: t.Symbols, Logical: t.Logical, Ref: full, Recursive: t.Fields == nil && t.Kind == KRecord}, nil
	case Array:
		u := &Type{Kind: KUnion, Node: n, Pos: n.Pos}
		for _, it := range n.Items {
			bt, err := b.build(it, ns, depth+1)
			if err != nil {
				return nil, err
			}
			u.Branches = append(u.Branches, bt)
		}
		return u, nil
	case Object:
		typ := n.Get("type")
		logical, _ := n.Get("logicalType").StringValue()
		if typ == nil {
			return nil, &Error{Path: b.ev.Path, Pos: n.Pos, Msg: "Avro schema object has no \"type\""}
		}
		if typ.Kind != String {
			t, err := b.build(typ, ns, depth+1)
			if err != nil {
				return nil, err
			}
			return t, nil
		}
		switch typ.Str {
		case "record", "error", "enum", "fixed":
			name, _ := n.Get("name").StringValue()
			tns, _ := n.Get("namespace").StringValue()
			if tns == "" && !strings.Contains(name, ".") {
				tns = ns
			}
			if i := strings.LastIndex(name, "."); i >= 0 {
				tns, name = name[:i], name[i+1:]
			}
			full := avroFullName(name, tns)
			t := &Type{Node: n, Pos: n.Pos, Name: name, Namespace: tns, Logical: logical}
			switch typ.Str {
			case "enum":
				t.Kind = KEnum
				if syms := n.Get("symbols"); syms != nil {
					for _, s := range syms.Items {
						t.Symbols = append(t.Symbols, s.Str)
					}
				}
				b.named[full] = t
			case "fixed":
				t.Kind = KFixed
				b.named[full] = t
			default:
				t.Kind = KRecord
				placeholder := &Type{Kind: KRecord, Node: n, Name: name, Namespace: tns}
				b.named[full] = placeholder
				fields := n.Get("fields")
				if fields != nil {
					for _, fn := range fields.Items {
						f, err := b.field(fn, tns, depth+1)
						if err != nil {
							return nil, err
						}
						t.Fields = append(t.Fields, f)
					}
				}
				if t.Fields == nil {
					t.Fields = []*Field{}
				}
				b.named[full] = t
			}
			return t, nil
		case "array":
			items := n.Get("items")
			if items == nil {
				return nil, &Error{Path: b.ev.Path, Pos: n.Pos, Msg: "Avro array has no \"items\""}
			}
			it, err := b.build(items, ns, depth+1)
			if err != nil {
				return nil, err
			}
			return &Type{Kind: KArray, Node: n, Pos: n.Pos, Items: it, Logical: logical}, nil
		case "map":
			values := n.Get("values")
			if values == nil {
				return nil, &Error{Path: b.ev.Path, Pos: n.Pos, Msg: "Avro map has no \"values\""}
			}
			vt, err := b.build(values, ns, depth+1)
			if err != nil {
				return nil, err
			}
			return &Type{Kind: KMap, Node: n, Pos: n.Pos, Values: vt, Logical: logical}, nil
		default:
			t, err := b.build(typ, ns, depth+1)
			if err != nil {
				return nil, err
			}
			t.Node, t.Pos, t.Logical = n, n.Pos, logical
			return t, nil
		}
	}
	return nil, &Error{Path: b.ev.Path, Pos: n.Pos, Msg: fmt.Sprintf("invalid Avro schema: unexpected %s", n.Kind)}
}

func (b *avroBuilder) field(fn *Node, ns string, depth int) (*Field, error) {
	name, _ := fn.Get("name").StringValue()
	pos := fn.Pos
	if nn := fn.Get("name"); nn != nil {
		pos = nn.Pos
	}
	tn := fn.Get("type")
	if tn == nil {
		return nil, &Error{Path: b.ev.Path, Pos: fn.Pos, Msg: fmt.Sprintf("field %q has no type", name)}
	}
	t, err := b.build(tn, ns, depth)
	if err != nil {
		return nil, err
	}
	f := &Field{Name: name, Pos: pos, Node: fn, Type: t, Required: !t.Nullable(), Default: fn.Get("default")}
	f.Unit, _ = fn.Get("unit").StringValue()
	f.Doc, _ = fn.Get("doc").StringValue()
	return f, nil
}

type jsonBuilder struct {
	ev    *Event
	stack map[*Node]bool
}

func buildJSONType(ev *Event, root *Node) *Type {
	b := &jsonBuilder{ev: ev, stack: map[*Node]bool{}}
	return b.build(root, 0)
}

func (b *jsonBuilder) resolve(n *Node) (*Node, string) {
	ref, ok := n.Get("$ref").StringValue()
	if !ok {
		return n, ""
	}
	if strings.HasPrefix(ref, "#") {
		if t := b.ev.Root.Pointer(ref[1:]); t != nil {
			return t, ref
		}
	}
	return nil, ref
}

func (b *jsonBuilder) build(n *Node, depth int) *Type {
	if n == nil || depth > MaxDepth {
		return &Type{Kind: KAny}
	}
	if n.Kind != Object {
		return &Type{Kind: KAny, Node: n, Pos: n.Pos}
	}
	pos := n.Pos
	target, ref := b.resolve(n)
	if ref != "" {
		if target == nil {
			return &Type{Kind: KAny, Node: n, Pos: pos, Ref: ref}
		}
		if b.stack[target] {
			return &Type{Kind: KRecord, Node: target, Pos: pos, Ref: ref, Recursive: true}
		}
		b.stack[target] = true
		t := b.build(target, depth+1)
		delete(b.stack, target)
		t.Ref, t.Pos = ref, pos
		return t
	}
	t := &Type{Node: n, Pos: pos}
	t.Name, _ = n.Get("title").StringValue()
	t.Format, _ = n.Get("format").StringValue()
	if en := n.Get("enum"); en != nil && en.Kind == Array {
		for _, it := range en.Items {
			if it.Kind == String {
				t.Symbols = append(t.Symbols, it.Str)
			}
		}
	}
	typ := n.Get("type")
	var kinds []string
	switch {
	case typ == nil:
	case typ.Kind == String:
		kinds = []string{typ.Str}
	case typ.Kind == Array:
		for _, it := range typ.Items {
			kinds = append(kinds, it.Str)
		}
	}
	if len(kinds) == 0 {
		switch {
		case n.Get("properties") != nil:
			kinds = []string{"object"}
		case n.Get("items") != nil:
			kinds = []string{"array"}
		}
	}
	if len(kinds) > 1 {
		t.Kind = KUnion
		for _, k := range kinds {
			bt := b.single(n, k, depth)
			t.Branches = append(t.Branches, bt)
		}
		return t
	}
	if len(kinds) == 1 {
		bt := b.single(n, kinds[0], depth)
		bt.Name, bt.Format, bt.Symbols = t.Name, t.Format, t.Symbols
		return bt
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		if alts := n.Get(kw); alts != nil && alts.Kind == Array {
			t.Kind = KUnion
			for _, a := range alts.Items {
				t.Branches = append(t.Branches, b.build(a, depth+1))
			}
			return t
		}
	}
	if all := n.Get("allOf"); all != nil && all.Kind == Array {
		t.Kind = KAny
		for _, a := range all.Items {
			at := b.build(a, depth+1)
			if at.Kind == KRecord {
				t.Kind = KRecord
				t.Fields = append(t.Fields, at.Fields...)
			}
		}
		return t
	}
	if n.Get("const") != nil || len(t.Symbols) > 0 {
		t.Kind = KEnum
		return t
	}
	t.Kind = KAny
	return t
}

func (b *jsonBuilder) single(n *Node, kind string, depth int) *Type {
	t := &Type{Node: n, Pos: n.Pos}
	switch kind {
	case "null":
		t.Kind = KNull
	case "boolean":
		t.Kind = KBoolean
	case "string":
		t.Kind = KString
		t.Format, _ = n.Get("format").StringValue()
	case "integer":
		t.Kind = KInteger
	case "number":
		t.Kind = KNumber
	case "array":
		t.Kind = KArray
		if items := n.Get("items"); items != nil && items.Kind == Object {
			t.Items = b.build(items, depth+1)
		} else {
			t.Items = &Type{Kind: KAny}
		}
	case "object":
		t.Kind = KRecord
		required := map[string]bool{}
		if req := n.Get("required"); req != nil {
			for _, r := range req.Items {
				required[r.Str] = true
			}
		}
		t.Fields = []*Field{}
		if props := n.Get("properties"); props != nil && props.Kind == Object {
			for _, m := range props.Members {
				ft := b.build(m.Value, depth+1)
				f := &Field{Name: m.Key, Pos: m.KeyPos, Node: m.Value, Type: ft, Required: required[m.Key], Default: m.Value.Get("default")}
				f.Unit, _ = m.Value.Get("x-unit").StringValue()
				f.Doc, _ = m.Value.Get("description").StringValue()
				t.Fields = append(t.Fields, f)
			}
		}
		if len(t.Fields) == 0 {
			if ap := n.Get("additionalProperties"); ap != nil && ap.Kind == Object {
				t.Kind = KMap
				t.Values = b.build(ap, depth+1)
			}
		}
	default:
		t.Kind = KAny
	}
	return t
}

// JSONType builds the format-neutral view of node n of JSON Schema document
// ev (local $refs resolve against ev), as Event.Top is built for the root.
func JSONType(ev *Event, n *Node) *Type {
	return buildJSONType(ev, n)
}
