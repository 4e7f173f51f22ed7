package codegen

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// anode is an Avro schema node with its location and enclosing namespace.
type anode struct {
	n   *schema.Node
	ptr string
	ns  string
}

func (a anode) kw(k string) string { return "#" + a.ptr + "/" + k }

func avroFull(name, ns string) string {
	if strings.Contains(name, ".") || ns == "" {
		return name
	}
	return ns + "." + name
}

func (g *gen) avroEvent() error {
	root := anode{n: g.ev.Root}
	if t, _ := root.n.Get("type").StringValue(); t != "record" {
		return g.errorf(root.n, "the top-level Avro schema must be a record")
	}
	g.f.Doc, _ = root.n.Get("doc").StringValue()
	_, _, err := g.avroType(root, g.prefix, true)
	return err
}

// avroType returns the Go type of an Avro schema node and whether it is a
// null union (the Go type is then a pointer or a nilable union struct).
func (g *gen) avroType(a anode, name string, top bool) (*gtype, bool, error) {
	n := a.n
	switch n.Kind {
	case schema.String:
		switch n.Str {
		case "null":
			return &gtype{kind: gNull, name: "struct{}"}, false, nil
		case "boolean":
			return &gtype{kind: gBool, name: "bool"}, false, nil
		case "int":
			return &gtype{kind: gInt32, name: "int32"}, false, nil
		case "long":
			return &gtype{kind: gInt64, name: "int64"}, false, nil
		case "float":
			return &gtype{kind: gFloat32, name: "float32"}, false, nil
		case "double":
			return &gtype{kind: gFloat64, name: "float64"}, false, nil
		case "bytes":
			return &gtype{kind: gBytes, name: "[]byte"}, false, nil
		case "string":
			return &gtype{kind: gString, name: "string"}, false, nil
		}
		full := avroFull(n.Str, a.ns)
		if t, ok := g.avroNamed[full]; ok {
			return t, false, nil
		}
		if t, ok := g.avroNamed[n.Str]; ok {
			return t, false, nil
		}
		if t, ok, err := g.c.foreignAvro(g, a); ok || err != nil {
			return t, false, err
		}
		return nil, false, g.errorf(n, "unknown Avro type %q", n.Str)
	case schema.Array:
		return g.avroUnion(a, name)
	case schema.Object:
	default:
		return nil, false, g.errorf(n, "unexpected %s in an Avro schema", n.Kind)
	}
	tn := n.Get("type")
	if tn == nil {
		return nil, false, g.errorf(n, "Avro schema object has no type")
	}
	logical, _ := n.Get("logicalType").StringValue()
	if tn.Kind != schema.String {
		return g.avroType(anode{n: tn, ptr: a.ptr + "/type", ns: a.ns}, name, top)
	}
	switch tn.Str {
	case "record", "error", "enum", "fixed":
		if _, full, _ := namedNS(a); !top && n.Get("name") != nil {
			if t, ok := g.avroNamed[full]; ok {
				return t, false, nil // generated already, for another file that uses it
			}
		}
	}
	switch tn.Str {
	case "record", "error":
		return g.avroRecord(a, name, top)
	case "enum":
		return g.avroEnum(a, name)
	case "fixed":
		size, _ := intKw(n, "size")
		if logical == "decimal" {
			g.imports["math/big"] = true
			return &gtype{kind: gRat, name: "*big.Rat"}, false, g.registerNamed(a, &gtype{kind: gRat, name: "*big.Rat"})
		}
		if logical == "duration" && size == 12 {
			g.imports["github.com/hamba/avro/v2"] = true
			t := &gtype{kind: gLogicalDuration, name: "avro.LogicalDuration"}
			return t, false, g.registerNamed(a, t)
		}
		t := &gtype{kind: gFixed, name: fmt.Sprintf("[%d]byte", size), size: int(size)}
		return t, false, g.registerNamed(a, t)
	case "array":
		it := n.Get("items")
		if it == nil {
			return nil, false, g.errorf(n, "Avro array has no items")
		}
		et, null, err := g.avroType(anode{n: it, ptr: a.ptr + "/items", ns: a.ns}, name+"Item", false)
		if err != nil {
			return nil, false, err
		}
		return &gtype{kind: gSlice, name: "[]" + ptrIf(null, et), elem: et, elemPtr: null && et.kind != gUnion}, false, nil
	case "map":
		vn := n.Get("values")
		if vn == nil {
			return nil, false, g.errorf(n, "Avro map has no values")
		}
		vt, null, err := g.avroType(anode{n: vn, ptr: a.ptr + "/values", ns: a.ns}, name+"Value", false)
		if err != nil {
			return nil, false, err
		}
		return &gtype{kind: gMap, name: "map[string]" + ptrIf(null, vt), elem: vt, elemPtr: null && vt.kind != gUnion}, false, nil
	}
	// A primitive written as an object, possibly with a logical type.
	base, _, err := g.avroType(anode{n: tn, ptr: a.ptr + "/type", ns: a.ns}, name, top)
	if err != nil {
		return nil, false, err
	}
	switch {
	case logical == "date" && base.kind == gInt32,
		(logical == "timestamp-millis" || logical == "timestamp-micros" || logical == "local-timestamp-millis" || logical == "local-timestamp-micros") && base.kind == gInt64:
		g.imports["time"] = true
		return &gtype{kind: gTime, name: "time.Time"}, false, nil
	case logical == "time-millis" && base.kind == gInt32, logical == "time-micros" && base.kind == gInt64:
		g.imports["time"] = true
		return &gtype{kind: gDuration, name: "time.Duration"}, false, nil
	case logical == "decimal" && base.kind == gBytes:
		g.imports["math/big"] = true
		return &gtype{kind: gRat, name: "*big.Rat"}, false, nil
	}
	return base, false, nil
}

func ptrIf(null bool, t *gtype) string {
	if null && t.kind != gUnion {
		return "*" + t.name
	}
	return t.name
}

func (g *gen) registerNamed(a anode, t *gtype) error {
	name, _ := a.n.Get("name").StringValue()
	ns, _ := a.n.Get("namespace").StringValue()
	if ns == "" && !strings.Contains(name, ".") {
		ns = a.ns
	}
	full := avroFull(name, ns)
	g.avroNamed[full] = t
	if _, ok := g.avroNamed[name]; !ok {
		g.avroNamed[name] = t
	}
	return nil
}

func namedNS(a anode) (short, full, ns string) {
	name, _ := a.n.Get("name").StringValue()
	ns, _ = a.n.Get("namespace").StringValue()
	if ns == "" && !strings.Contains(name, ".") {
		ns = a.ns
	}
	if i := strings.LastIndex(name, "."); i >= 0 {
		ns, name = name[:i], name[i+1:]
	}
	return name, avroFull(name, ns), ns
}

// goNameFor gives a named Avro type its Go name: the event prefix and the
// short name, or the namespace-qualified name when another type of the
// event already uses the short one.
func (g *gen) goNameFor(a anode, top bool) (string, error) {
	if top {
		return g.prefix, nil
	}
	short, full, ns := namedNS(a)
	if g.ev.Shared {
		// A shared file's types are the catalog's: named by the full name,
		// unique in any Avro schema that uses them.
		return exported(full), nil
	}
	cand := g.prefix + exported(short)
	if prev, ok := g.typeNames[cand]; ok && prev != full {
		cand = g.prefix + exported(ns) + exported(short)
		if prev2, ok := g.typeNames[cand]; ok && prev2 != full {
			// a.b.X and a_b.X: the caller's take numbers the second.
			return cand, nil
		}
	}
	g.typeNames[cand] = full
	return cand, nil
}

func (g *gen) avroEnum(a anode, _ string) (*gtype, bool, error) {
	name, err := g.goNameFor(a, false)
	if err != nil {
		return nil, false, err
	}
	_, full, _ := namedNS(a)
	name = g.take(name, fmt.Sprintf("Avro enum %s in %s", full, g.ev.Path))
	t := &gtype{kind: gEnum, name: name}
	_ = g.registerNamed(a, t)
	td := &typeDecl{Kind: "enum", Name: name, Where: "#" + a.ptr}
	td.Doc, _ = a.n.Get("doc").StringValue()
	if syms := a.n.Get("symbols"); syms != nil {
		for _, s := range syms.Items {
			c := constDecl{Name: g.take(name+exported(s.Str), fmt.Sprintf("symbol %s of Avro enum %s in %s", s.Str, full, g.ev.Path)), Value: strconv.Quote(s.Str)}
			td.Consts = append(td.Consts, c)
		}
	}
	if len(td.Consts) == 0 {
		return nil, false, g.errorf(a.n, "Avro enum %s has no symbols", full)
	}
	g.addType(td)
	return t, false, nil
}

func (g *gen) avroRecord(a anode, _ string, top bool) (*gtype, bool, error) {
	name, err := g.goNameFor(a, top)
	if err != nil {
		return nil, false, err
	}
	_, full, ns := namedNS(a)
	if !top {
		name = g.take(name, fmt.Sprintf("Avro record %s in %s", full, g.ev.Path))
	}
	t := &gtype{kind: gStruct, name: name}
	_ = g.registerNamed(a, t)
	g.building[name] = true
	defer delete(g.building, name)
	td := &typeDecl{Kind: "struct", Name: name, Where: "#" + a.ptr}
	if !top {
		td.Doc, _ = a.n.Get("doc").StringValue()
	}
	g.addType(td)
	fields := a.n.Get("fields")
	if fields == nil {
		return nil, false, g.errorf(a.n, "Avro record %s has no fields", full)
	}
	type finfo struct {
		key  string
		goN  string
		t    *gtype
		null bool
		an   anode
	}
	var infos []finfo
	seen := map[string]string{}
	for i, fn := range fields.Items {
		key, _ := fn.Get("name").StringValue()
		goN := fieldName(key, seen, top)
		seen[goN] = key
		tn := fn.Get("type")
		if tn == nil {
			return nil, false, g.errorf(fn, "field %q has no type", key)
		}
		an := anode{n: tn, ptr: fmt.Sprintf("%s/fields/%d/type", a.ptr, i), ns: ns}
		ft, null, err := g.avroType(an, name+goN, false)
		if err != nil {
			return nil, false, err
		}
		if ft.kind == gStruct && g.building[ft.name] && !null {
			return nil, false, g.errorf(fn, "field %q of Avro record %s holds record %s by value, which contains this field: no finite value of %s exists; make the field nullable ([\"null\", ...]) or an array or map", key, full, ft.name, full)
		}
		infos = append(infos, finfo{key: key, goN: goN, t: ft, null: null, an: an})
		doc, _ := fn.Get("doc").StringValue()
		typ := ptrIf(null, ft)
		td.Fields = append(td.Fields, fieldDecl{Name: goN, Type: typ, Tag: "`avro:" + strconv.Quote(key) + "`", Doc: doc})
	}
	g.pending = append(g.pending, func() error {
		var b strings.Builder
		for _, fi := range infos {
			var c strings.Builder
			x := "v." + fi.goN
			pv := "p" + fi.goN
			if fi.null && fi.t.kind != gUnion {
				x = "(*v." + fi.goN + ")"
			}
			g.avroChecks(&c, fi.an, fi.t, x, "&"+pv)
			body := c.String()
			if fi.t.kind == gUnion {
				body = fmt.Sprintf("if err := %s.validate(%s); err != nil {\nreturn err\n}\n", "v."+fi.goN, "&"+pv)
				if fi.null {
					body = "if v." + fi.goN + " != nil {\n" + body + "}\n"
				} else {
					body = fmt.Sprintf("if v.%s == nil {\nreturn validate.Fail(&%s, %s, \"the union has no value\")\n}\n", fi.goN, pv, strconv.Quote(fi.an.kw("type"))) + body
				}
			}
			if body == "" {
				continue
			}
			if fi.null && fi.t.kind != gUnion {
				fmt.Fprintf(&b, "if v.%s != nil {\n", fi.goN)
			} else {
				b.WriteString("{\n")
			}
			fmt.Fprintf(&b, "%s := validate.Prop(p, %s)\n%s}\n", pv, strconv.Quote(fi.key), body)
		}
		b.WriteString("return nil\n")
		td.Validate = b.String()
		var e strings.Builder
		for _, fi := range infos {
			g.avroEnc(&e, fi.an, fi.t, "v."+fi.goN, 0)
		}
		td.Encode = e.String()
		g.useAvrobin(td.Encode)
		return nil
	})
	return t, false, nil
}

// useAvrobin imports wire/avrobin when the encoder body calls it (a record
// of fixed fields only does not).
func (g *gen) useAvrobin(body string) {
	if strings.Contains(body, "avrobin.") {
		g.imports["github.com/evctl/evctl/wire/avrobin"] = true
	}
}

// avroUnion maps ["null", T] to a pointer to T and any other union to a
// tagged union struct.
func (g *gen) avroUnion(a anode, name string) (*gtype, bool, error) {
	var nonNull []anode
	null := false
	for i, it := range a.n.Items {
		if s, ok := it.StringValue(); ok && s == "null" {
			null = true
			continue
		}
		nonNull = append(nonNull, anode{n: it, ptr: fmt.Sprintf("%s/%d", a.ptr, i), ns: a.ns})
	}
	if len(nonNull) == 0 {
		// hamba/avro decodes a union only into a pointer, a union struct or any.
		return &gtype{kind: gNullUnion, name: "any"}, false, nil
	}
	if len(nonNull) == 1 {
		t, _, err := g.avroType(nonNull[0], name, false)
		if err != nil {
			return nil, false, err
		}
		if !null {
			return t, false, nil
		}
		if t.kind == gRat {
			return &gtype{kind: gRat, name: "*big.Rat"}, true, nil // **big.Rat, as hamba requires
		}
		return t, true, nil
	}
	uname := g.take(name+"Union", fmt.Sprintf("the Avro union at #%s of %s", a.ptr, g.ev.Path))
	g.imports["errors"] = true
	g.imports["fmt"] = true
	td := &typeDecl{Kind: "union", Name: uname, Nullable: null, Where: "#" + a.ptr}
	var branchTypes []*gtype
	for _, b := range nonNull {
		bt, _, err := g.avroType(b, name, false)
		if err != nil {
			return nil, false, err
		}
		bd := branchDecl{Type: bt.name}
		switch bt.kind {
		case gBool:
			bd.Name, bd.Avro, bd.Accept = "Boolean", "boolean", []string{"bool"}
		case gInt32:
			bd.Name, bd.Avro, bd.Accept = "Int", "int", []string{"int", "int32"}
		case gInt64:
			bd.Name, bd.Avro, bd.Accept = "Long", "long", []string{"int64"}
		case gFloat32:
			bd.Name, bd.Avro, bd.Accept = "Float", "float", []string{"float32"}
		case gFloat64:
			bd.Name, bd.Avro, bd.Accept = "Double", "double", []string{"float64"}
		case gString:
			bd.Name, bd.Avro, bd.Accept = "String", "string", []string{"string"}
		case gBytes:
			bd.Name, bd.Avro, bd.Accept = "Bytes", "bytes", []string{"[]byte"}
		case gStruct, gEnum:
			_, full, _ := namedNS(resolveNamedNode(g, b))
			bd.Name, bd.Avro, bd.Accept = strings.TrimPrefix(bt.name, g.prefix), full, []string{bt.name}
			if bd.Name == "" {
				bd.Name = bt.name
			}
			g.imports["github.com/hamba/avro/v2"] = true
			g.f.Init = append(g.f.Init, fmt.Sprintf("avro.Register(%s, %s)", strconv.Quote(full), zeroValue(bt)))
		case gSlice, gMap:
			kind, inner := "array", b.n.Get("items")
			bd.Name = "Array"
			if bt.kind == gMap {
				kind, inner = "map", b.n.Get("values")
				bd.Name = "Map"
			}
			bd.Avro, bd.Accept = kind, []string{bt.name}
			if inner != nil {
				if rn, ok := hambaName(anode{n: inner, ns: a.ns}); ok {
					// hamba/avro resolves an array or map branch by "array:<item type>".
					g.imports["github.com/hamba/avro/v2"] = true
					g.f.Init = append(g.f.Init, fmt.Sprintf("avro.Register(%s, %s{})", strconv.Quote(kind+":"+rn), bt.name))
				}
			}
		case gFixed:
			short, full, _ := namedNS(resolveNamedNode(g, b))
			bd.Name, bd.Avro, bd.Accept = exported(short), full, []string{bt.name}
			g.imports["github.com/hamba/avro/v2"] = true
			g.f.Init = append(g.f.Init, fmt.Sprintf("avro.Register(%s, %s{})", strconv.Quote(full), bt.name))
		case gTime, gDuration:
			base, logical := avroBase(b.n)
			bd.Name, bd.Avro, bd.Accept = exported(base), base+"."+logical, []string{bt.name}
		case gRat:
			if base, _ := avroBase(resolveNamedNode(g, b).n); base != "bytes" {
				return nil, false, g.errorf(b.n, "a fixed decimal as a branch of a union with several non-null branches is not supported by gen go; use a bytes decimal")
			}
			bd.Name, bd.Avro, bd.Accept = "Bytes", "bytes.decimal", []string{bt.name}
		default:
			return nil, false, g.errorf(b.n, "a duration as a branch of a union with several non-null branches is not supported by gen go; use a record branch instead")
		}
		for _, prev := range td.Branches {
			if prev.Name == bd.Name {
				return nil, false, g.errorf(b.n, "union has two branches named %s", bd.Name)
			}
		}
		td.Branches = append(td.Branches, bd)
		branchTypes = append(branchTypes, bt)
	}
	g.addType(td)
	t := &gtype{kind: gUnion, name: "*" + uname}
	g.pending = append(g.pending, func() error {
		var b strings.Builder
		b.WriteString("set := 0\n")
		for _, bd := range td.Branches {
			fmt.Fprintf(&b, "if u.%s != nil {\nset++\n}\n", bd.Name)
		}
		fmt.Fprintf(&b, "if set != 1 {\nreturn validate.Fail(p, %s, \"exactly one union branch must be set, got %%d\", set)\n}\n", strconv.Quote(a.kw("type")))
		for i, bd := range td.Branches {
			var c strings.Builder
			g.avroChecks(&c, nonNull[i], branchTypes[i], "(*u."+bd.Name+")", "p")
			if c.Len() > 0 {
				fmt.Fprintf(&b, "if u.%s != nil {\n%s}\n", bd.Name, c.String())
			}
		}
		b.WriteString("return nil\n")
		td.Validate = b.String()
		var e strings.Builder
		e.WriteString("switch {\n")
		for i, bd := range td.Branches {
			fmt.Fprintf(&e, "case u.%s != nil:\nb = avrobin.AppendLong(b, %d)\n", bd.Name, branchIndex(a.n, nonNull[i]))
			g.avroEnc(&e, nonNull[i], branchTypes[i], "(*u."+bd.Name+")", 1)
			e.WriteString("return b, nil\n")
		}
		fmt.Fprintf(&e, "}\nreturn b, errors.New(%s)\n", strconv.Quote(uname+": no branch is set"))
		td.Encode = e.String()
		g.useAvrobin(td.Encode)
		return nil
	})
	return t, null, nil
}

// branchIndex is the position of branch b in the union node u.
func branchIndex(u *schema.Node, b anode) int {
	for i, it := range u.Items {
		if it == b.n {
			return i
		}
	}
	return -1
}

func nullIndex(u *schema.Node) int {
	for i, it := range u.Items {
		if s, ok := it.StringValue(); ok && s == "null" {
			return i
		}
	}
	return -1
}

// avroEnc writes statements appending the Avro encoding of x (typed t,
// at schema node a) to b. depth keeps loop variables apart.
func (g *gen) avroEnc(w *strings.Builder, a anode, t *gtype, x string, depth int) {
	n := a.n
	if n.Kind == schema.Object && n.Get("type") != nil && n.Get("type").Kind != schema.String {
		g.avroEnc(w, anode{n: n.Get("type"), ptr: a.ptr + "/type", ns: a.ns}, t, x, depth)
		return
	}
	if n.Kind == schema.Array {
		ni := nullIndex(n)
		if t.kind == gNullUnion {
			fmt.Fprintf(w, "b = avrobin.AppendLong(b, %d)\n", ni)
			return
		}
		if t.kind == gUnion {
			if ni >= 0 {
				fmt.Fprintf(w, "if %s == nil {\nb = avrobin.AppendLong(b, %d)\n} else ", x, ni)
			} else {
				fmt.Fprintf(w, "if %s == nil {\nreturn b, errors.New(%s)\n} else ", x, strconv.Quote(strings.TrimPrefix(t.name, "*")+": nil value for a union without null"))
			}
			fmt.Fprintf(w, "if b, err = %s.appendAvro(b); err != nil {\nreturn b, err\n}\n", x)
			g.imports["errors"] = true
			return
		}
		if ni < 0 {
			// A single-branch union [T]: x is the value.
			fmt.Fprintf(w, "b = avrobin.AppendLong(b, 0)\n")
			g.avroEnc(w, anode{n: n.Items[0], ptr: a.ptr + "/0", ns: a.ns}, t, x, depth)
			return
		}
		// ["null", T]: x is a pointer.
		for i, it := range n.Items {
			if s, ok := it.StringValue(); ok && s == "null" {
				continue
			}
			fmt.Fprintf(w, "if %s == nil {\nb = avrobin.AppendLong(b, %d)\n} else {\nb = avrobin.AppendLong(b, %d)\n", x, ni, i)
			g.avroEnc(w, anode{n: it, ptr: fmt.Sprintf("%s/%d", a.ptr, i), ns: a.ns}, t, "(*"+x+")", depth)
			w.WriteString("}\n")
		}
		return
	}
	logical, _ := n.Get("logicalType").StringValue()
	def := a
	if n.Kind == schema.String {
		def = resolveNamedNode(g, a)
		if l, ok := def.n.Get("logicalType").StringValue(); ok {
			logical = l
		}
	}
	switch t.kind {
	case gBool:
		fmt.Fprintf(w, "b = avrobin.AppendBool(b, %s)\n", x)
	case gInt32:
		fmt.Fprintf(w, "b = avrobin.AppendInt(b, %s)\n", x)
	case gInt64:
		fmt.Fprintf(w, "b = avrobin.AppendLong(b, %s)\n", x)
	case gFloat32:
		fmt.Fprintf(w, "b = avrobin.AppendFloat(b, %s)\n", x)
	case gFloat64:
		fmt.Fprintf(w, "b = avrobin.AppendDouble(b, %s)\n", x)
	case gString:
		fmt.Fprintf(w, "b = avrobin.AppendString(b, %s)\n", x)
	case gBytes:
		fmt.Fprintf(w, "b = avrobin.AppendBytes(b, %s)\n", x)
	case gFixed:
		fmt.Fprintf(w, "b = append(b, %s[:]...)\n", x)
	case gLogicalDuration:
		fmt.Fprintf(w, "b = avrobin.AppendDuration(b, %s)\n", x)
	case gTime:
		fn := map[string]string{"date": "AppendDate", "timestamp-millis": "AppendTimestampMillis", "timestamp-micros": "AppendTimestampMicros",
			"local-timestamp-millis": "AppendLocalTimestampMillis", "local-timestamp-micros": "AppendLocalTimestampMicros"}[logical]
		fmt.Fprintf(w, "b = avrobin.%s(b, %s)\n", fn, x)
	case gDuration:
		fn := map[string]string{"time-millis": "AppendTimeMillis", "time-micros": "AppendTimeMicros"}[logical]
		fmt.Fprintf(w, "b = avrobin.%s(b, %s)\n", fn, x)
	case gRat:
		prec, _ := intKw(def.n, "precision")
		scale, _ := intKw(def.n, "scale")
		if typ, _ := def.n.Get("type").StringValue(); typ == "fixed" {
			size, _ := intKw(def.n, "size")
			fmt.Fprintf(w, "if b, err = avrobin.AppendDecimalFixed(b, %s, %d, %d, %d); err != nil {\nreturn b, err\n}\n", x, prec, scale, size)
		} else {
			fmt.Fprintf(w, "if b, err = avrobin.AppendDecimalBytes(b, %s, %d, %d); err != nil {\nreturn b, err\n}\n", x, prec, scale)
		}
	case gEnum:
		g.imports["fmt"] = true
		fmt.Fprintf(w, "switch %s {\n", x)
		if syms := def.n.Get("symbols"); syms != nil {
			for i, s := range syms.Items {
				fmt.Fprintf(w, "case %s:\nb = avrobin.AppendInt(b, %d)\n", strconv.Quote(s.Str), i)
			}
		}
		fmt.Fprintf(w, "default:\nreturn b, fmt.Errorf(\"unknown symbol %%q of enum %s\", string(%s))\n}\n", t.name, x)
	case gStruct:
		fmt.Fprintf(w, "if b, err = %s.appendAvro(b); err != nil {\nreturn b, err\n}\n", x)
	case gUnion:
		fmt.Fprintf(w, "if b, err = %s.appendAvro(b); err != nil {\nreturn b, err\n}\n", x)
	case gSlice:
		iv := fmt.Sprintf("i%d", depth)
		var body strings.Builder
		g.avroEnc(&body, anode{n: n.Get("items"), ptr: a.ptr + "/items", ns: a.ns}, t.elem, x+"["+iv+"]", depth+1)
		loop := "for " + iv + " := range " + x
		if !usesVar(body.String(), iv) {
			loop = "for range " + x // null items: the branch index alone, or nothing
		}
		fmt.Fprintf(w, "if len(%s) > 0 {\nb = avrobin.AppendLong(b, int64(len(%s)))\n%s {\n%s}\n}\nb = append(b, 0)\n", x, x, loop, body.String())
	case gMap:
		kv, ev := fmt.Sprintf("k%d", depth), fmt.Sprintf("e%d", depth)
		var body strings.Builder
		g.avroEnc(&body, anode{n: n.Get("values"), ptr: a.ptr + "/values", ns: a.ns}, t.elem, ev, depth+1)
		vars := kv + ", " + ev
		if !usesVar(body.String(), ev) {
			vars = kv // null values: only the keys are written
		}
		fmt.Fprintf(w, "if len(%s) > 0 {\nb = avrobin.AppendLong(b, int64(len(%s)))\nfor %s := range %s {\nb = avrobin.AppendString(b, %s)\n%s}\n}\nb = append(b, 0)\n", x, x, vars, x, kv, body.String())
	}
}

func zeroValue(t *gtype) string {
	if t.kind == gEnum {
		return t.name + "(\"\")"
	}
	return t.name + "{}"
}

// resolveNamedNode finds the definition node of a named type reference.
func resolveNamedNode(g *gen, a anode) anode {
	if a.n.Kind == schema.Object {
		return a
	}
	var found anode
	full := avroFull(a.n.Str, a.ns)
	var walk func(b anode)
	walk = func(b anode) {
		if found.n != nil {
			return
		}
		switch b.n.Kind {
		case schema.Object:
			if _, f, ns := namedNS(b); b.n.Get("name") != nil && (f == full || f == a.n.Str) {
				found = b
				return
			} else {
				for _, m := range b.n.Members {
					walk(anode{n: m.Value, ns: ns})
				}
			}
		case schema.Array:
			for _, it := range b.n.Items {
				walk(anode{n: it, ns: b.ns})
			}
		}
	}
	walk(anode{n: g.ev.Root})
	if found.n == nil {
		if def, ok := g.c.avroDefs[full]; ok {
			return def.a // defined in another file
		}
		return a
	}
	return found
}

// avroChecks writes the Validate checks for an Avro value.
func (g *gen) avroChecks(b *strings.Builder, a anode, t *gtype, x, p string) {
	n := a.n
	if n.Kind == schema.Object && n.Get("type") != nil && n.Get("type").Kind != schema.String {
		g.avroChecks(b, anode{n: n.Get("type"), ptr: a.ptr + "/type", ns: a.ns}, t, x, p)
		return
	}
	if n.Kind == schema.Array && t.kind == gNullUnion {
		fmt.Fprintf(b, "if %s != nil {\nreturn validate.Fail(%s, %s, \"the union [\\\"null\\\"] holds only null, got %%T\", %s)\n}\n", x, p, strconv.Quote(a.kw("type")), x)
		return
	}
	if n.Kind == schema.Array {
		// A null union: check the non-null branch.
		for i, it := range n.Items {
			if s, ok := it.StringValue(); ok && s == "null" {
				continue
			}
			g.avroChecks(b, anode{n: it, ptr: fmt.Sprintf("%s/%d", a.ptr, i), ns: a.ns}, t, x, p)
		}
		return
	}
	logical, _ := n.Get("logicalType").StringValue()
	switch t.kind {
	case gStruct:
		fmt.Fprintf(b, "if err := %s.validate(%s); err != nil {\nreturn err\n}\n", x, p)
	case gEnum:
		def := resolveNamedNode(g, a)
		fail := fmt.Sprintf("return validate.Fail(%s, %s, \"%%q is not a symbol of the enum\", string(%s))\n", p, strconv.Quote(def.kw("symbols")), x)
		if g.opts.Optimize != OptimizeSize {
			fmt.Fprintf(b, "if !%s.Valid() {\n%s}\n", x, fail)
			break
		}
		// OptimizeSize generates no Valid method (two functions per enum
		// type, with the pointer wrapper the compiler adds): the symbols
		// are spelled here.
		var syms []string
		if s := def.n.Get("symbols"); s != nil {
			for _, it := range s.Items {
				syms = append(syms, strconv.Quote(it.Str))
			}
		}
		if len(syms) == 0 {
			fmt.Fprintf(b, "%s", fail)
			break
		}
		fmt.Fprintf(b, "switch %s {\ncase %s:\ndefault:\n%s}\n", x, strings.Join(syms, ", "), fail)
	case gString:
		if logical == "uuid" {
			fmt.Fprintf(b, "if !validate.UUID(%s) {\nreturn validate.Fail(%s, %s, \"%%q is not a valid uuid\", %s)\n}\n", x, p, strconv.Quote(a.kw("logicalType")), x)
		}
	case gRat:
		def := a
		if n.Kind == schema.String {
			def = resolveNamedNode(g, a)
		}
		prec, _ := intKw(def.n, "precision")
		scale, _ := intKw(def.n, "scale")
		fmt.Fprintf(b, "if !validate.Decimal(%s, %d, %d) {\nreturn validate.Fail(%s, %s, \"%%v does not fit decimal(%d,%d)\", %s)\n}\n", x, prec, scale, p, strconv.Quote(def.kw("precision")), prec, scale, x)
	case gSlice:
		var c strings.Builder
		items := n.Get("items")
		if items != nil {
			iv, _, pv, done := g.loopVars("i", "e", "pi")
			ex := x + "[" + iv + "]"
			isPtr := t.elemPtr || (t.elem.kind == gUnion)
			if t.elemPtr {
				ex = "(*" + ex + ")"
			}
			g.avroChecks(&c, anode{n: items, ptr: a.ptr + "/items", ns: a.ns}, t.elem, ex, "&"+pv)
			done()
			if c.Len() > 0 {
				fmt.Fprintf(b, "for %s := range %s {\n", iv, x)
				if isPtr {
					fmt.Fprintf(b, "if %s[%s] == nil {\ncontinue\n}\n", x, iv)
				}
				fmt.Fprintf(b, "%s := validate.Item(%s, %s)\n%s}\n", pv, p, iv, c.String())
			}
		}
	case gMap:
		var c strings.Builder
		values := n.Get("values")
		if values != nil {
			kv, ev, pv, done := g.loopVars("k", "e", "pe")
			isPtr := t.elemPtr || (t.elem.kind == gUnion)
			ex := ev
			if t.elemPtr {
				ex = "(*" + ev + ")"
			}
			g.avroChecks(&c, anode{n: values, ptr: a.ptr + "/values", ns: a.ns}, t.elem, ex, "&"+pv)
			done()
			if c.Len() > 0 {
				fmt.Fprintf(b, "for %s, %s := range %s {\n", kv, ev, x)
				if isPtr {
					fmt.Fprintf(b, "if %s == nil {\ncontinue\n}\n", ev)
				}
				fmt.Fprintf(b, "%s := validate.Prop(%s, %s)\n%s}\n", pv, p, kv, c.String())
			}
		}
	case gUnion:
		fmt.Fprintf(b, "if %s != nil {\nif err := %s.validate(%s); err != nil {\nreturn err\n}\n}\n", x, x, p)
	}
}

// avroBase gives the base type and logical type of a type written as an
// object ({"type":"long","logicalType":"timestamp-millis"}).
func avroBase(n *schema.Node) (base, logical string) {
	if n.Kind == schema.String {
		return n.Str, ""
	}
	base, _ = n.Get("type").StringValue()
	logical, _ = n.Get("logicalType").StringValue()
	return base, logical
}

// hambaLogical are the logical types hamba/avro names a type by
// ("long.timestamp-millis"), with their base types.
var hambaLogical = map[string]string{"date": "int", "time-millis": "int", "time-micros": "long", "timestamp-millis": "long",
	"timestamp-micros": "long", "local-timestamp-millis": "long", "local-timestamp-micros": "long", "uuid": "string", "decimal": "bytes"}

// hambaName is the name hamba/avro resolves a type by in a union, when it
// identifies the Go type: primitives, logical types and named types (not
// arrays, maps or unions, which hamba names by their kind alone).
func hambaName(a anode) (string, bool) {
	n := a.n
	switch n.Kind {
	case schema.String:
		if primitiveAvro[n.Str] {
			return n.Str, true
		}
		return avroFull(n.Str, a.ns), true
	case schema.Object:
		t := n.Get("type")
		if t == nil {
			return "", false
		}
		if t.Kind != schema.String {
			return hambaName(anode{n: t, ns: a.ns})
		}
		switch t.Str {
		case "record", "error", "enum", "fixed":
			_, full, _ := namedNS(a)
			return full, true
		case "array", "map":
			return "", false
		}
		if !primitiveAvro[t.Str] {
			return avroFull(t.Str, a.ns), true
		}
		if l, _ := n.Get("logicalType").StringValue(); l != "" && hambaLogical[l] == t.Str {
			return t.Str + "." + l, true
		}
		return t.Str, true
	}
	return "", false
}

var primitiveAvro = map[string]bool{"null": true, "boolean": true, "int": true, "long": true, "float": true, "double": true, "bytes": true, "string": true}

// usesVar reports whether the Go code refers to the variable name.
func usesVar(code, name string) bool {
	return regexp.MustCompile(`\b` + name + `\b`).MatchString(code)
}
