package codegen

import (
	"encoding/json"
	"fmt"
	"go/token"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/wire/validate"
)

func isKeyword(s string) bool { return token.IsKeyword(s) }

// gkind is the shape of a generated Go type.
type gkind int

const (
	gString gkind = iota
	gInt64
	gInt32
	gFloat64
	gFloat32
	gBool
	gTime
	gDuration
	gBytes
	gFixed
	gRat
	gLogicalDuration
	gEnum
	gStruct
	gSlice
	gMap
	gUnion
	gAny
	gNull      // Avro null: struct{}, encoded as nothing
	gNullUnion // Avro ["null"]: any, which must be nil
	// gNumber is json.Number: a JSON Schema integer or number whose bounds
	// do not keep every valid value in int64 or a finite float64.
	gNumber
)

// gtype is a Go type for one schema position.
type gtype struct {
	kind gkind
	name string // Go spelling without the optional pointer
	elem *gtype // slice and map element
	size int    // fixed size
	// elemPtr: the slice or map element is held by pointer (a nullable
	// element whose own type is not nilable).
	elemPtr bool
}

type fileData struct {
	Package     string
	Imports     []string
	GoName      string
	EventType   string
	Subject     string
	SchemaType  string
	Doc         string
	SchemaConst string
	SchemaLit   string
	JSONConst   string
	JSONLit     string
	Vars        []varDecl
	Types       []*typeDecl
	Init        []string
	Fallbacks   []string
	// SchemaKindWord is "object" for JSON Schema and "record" for Avro.
	SchemaKindWord string
	// RootVar is the fallback over the whole schema that ValidateJSON
	// uses (JSON Schema only).
	RootVar string
	// Shared tells the file of a shared definition: its types are not events.
	Shared bool
	// Size: generated with OptimizeSize.
	Size bool
}

type varDecl struct{ Name, Expr string }

type typeDecl struct {
	Kind     string // struct, enum, union
	Name     string
	Doc      string
	Fields   []fieldDecl
	Consts   []constDecl
	Branches []branchDecl
	Nullable bool
	Validate string
	// Encode is the body of appendAvro (Avro records and unions only).
	Encode string
	// JSON is the body of appendJSON (JSON Schema objects only).
	JSON string
	// Where is the schema location, for error messages ("#/properties/x").
	Where string
	// OneOf: a sum type ("sum") of a oneOf (exactly one branch matches);
	// else of an anyOf (the first matching branch is decoded).
	OneOf bool
	// Keyword is "oneOf" or "anyOf" (sum types).
	Keyword string
	// DiscKey is the property every branch of a sum type requires with a
	// distinct string constant ("" when none): UnmarshalJSON reads it from
	// the received text and validates only the branch it names.
	DiscKey string
}

type fieldDecl struct{ Name, Type, Tag, Doc string }
type constDecl struct{ Name, Value string }
type branchDecl struct {
	Name   string // field name in the union struct
	Type   string // Go type of the value
	Avro   string // Avro type name of the branch
	Accept []string
	// Check is the validator of the branch's subschema that a sum type's
	// UnmarshalJSON runs on the received text (JSON Schema).
	Check string
	// Disc is the branch's constant of the sum type's DiscKey.
	Disc string
}

type gen struct {
	c         *catGen
	ev        *schema.Event
	opts      Options
	names     *nameTable
	f         *fileData
	prefix    string // exported prefix, e.g. V1OrderPlaced
	lprefix   string // unexported prefix, e.g. v1OrderPlaced
	imports   map[string]bool
	fallbacks []Fallback
	nvars     int
	byPtr     map[string]*gtype // JSON: schema pointer of a named type -> type
	avroNamed map[string]*gtype // Avro: full name -> type
	typeNames map[string]string // Go type name -> origin
	building  map[string]bool   // JSON struct types being built (for cycles)
	pending   []func() error
	// resVar is the name of the variable listing the referenced documents
	// ("" when none), once known.
	resVar *string
	// fbVars are the fallback validators by pointer.
	fbVars map[string]string
	// jsonConst names the constant holding the document as JSON.
	jsonConst string
	// loops counts the enclosing loops of the check being written, so that
	// nested loops get their own variables.
	loops int
}

// loopVars gives the variable names of a loop nested in g.loops others:
// the index or key, the element and the path ("i", "e", "pi" outside).
func (g *gen) loopVars(idx, elem, path string) (string, string, string, func()) {
	d := g.loops
	g.loops++
	done := func() { g.loops-- }
	if d == 0 {
		return idx, elem, path, done
	}
	n := strconv.Itoa(d)
	return idx + n, elem + n, path + n, done
}

func newGen(ev *schema.Event, opts Options, names *nameTable) *gen {
	p := exported(ev.Key)
	return &gen{ev: ev, opts: opts, names: names, prefix: p, lprefix: unexported(ev.Key),
		imports: map[string]bool{}, byPtr: map[string]*gtype{}, avroNamed: map[string]*gtype{}, typeNames: map[string]string{}, building: map[string]bool{}}
}

func (g *gen) errorf(n *schema.Node, format string, args ...any) error {
	pos := schema.Pos{Line: 1, Col: 1}
	if n != nil {
		pos = n.Pos
	}
	return fmt.Errorf("%d:%d: %s", pos.Line, pos.Col, fmt.Sprintf(format, args...))
}

// begin names the file's constants: the schema text and its JSON form.
func (g *gen) begin() error {
	ev := g.ev
	if g.prefix == "" {
		return fmt.Errorf("event type %q gives no Go name", ev.Key)
	}
	g.f = &fileData{Package: g.opts.Package, GoName: g.prefix, EventType: ev.Key, Shared: ev.Shared}
	g.f.SchemaConst = g.take(g.lprefix+"Schema", "the schema text of "+ev.Key)
	g.f.SchemaLit = goString(string(ev.Source))
	switch ev.Format {
	case schema.Avro:
		g.f.SchemaType = "AVRO"
		g.f.SchemaKindWord = "record"
	case schema.JSONSchema:
		g.f.SchemaType = "JSON"
		g.f.SchemaKindWord = "object"
	default:
		return fmt.Errorf("unsupported schema format %q", ev.Format)
	}
	g.f.JSONConst = g.f.SchemaConst
	if ev.YAML {
		b, err := ev.Root.CompactJSON()
		if err != nil {
			return fmt.Errorf("render the YAML schema as JSON: %w", err)
		}
		g.f.JSONConst = g.take(g.lprefix+"SchemaJSON", "the JSON form of the schema of "+ev.Key)
		g.f.JSONLit = goString(string(b))
	}
	g.jsonConst = g.f.JSONConst
	return nil
}

// body generates the event's types (a shared file's are generated when
// events use them).
func (g *gen) body() error {
	ev := g.ev
	if g.opts.Subject != nil {
		g.f.Subject = g.opts.Subject(ev)
	} else {
		g.f.Subject = defaultSubject(ev)
	}
	var err error
	switch ev.Format {
	case schema.Avro:
		err = g.avroEvent()
	case schema.JSONSchema:
		err = g.jsonEvent()
		if err == nil {
			g.f.RootVar = g.take(g.lprefix+"Document", "the whole-schema validator of "+ev.Key)
			g.f.Vars = append(g.f.Vars, varDecl{Name: g.f.RootVar, Expr: g.fallbackExpr("")})
		}
	}
	if err != nil {
		return err
	}
	return g.drain()
}

// drain runs the pending method bodies; it reports whether there were any.
func (g *gen) drain() error {
	for len(g.pending) > 0 {
		p := g.pending[0]
		g.pending = g.pending[1:]
		if err := p(); err != nil {
			return err
		}
	}
	return nil
}

// finish completes the file data once every type is generated.
func (g *gen) finish() *fileData {
	for i := range g.f.Vars {
		g.f.Vars[i].Expr = strings.ReplaceAll(g.f.Vars[i].Expr, g.lprefix+"JSONDOC", g.f.JSONConst)
	}
	for _, fb := range g.fallbacks {
		g.f.Fallbacks = append(g.f.Fallbacks, fmt.Sprintf("#%s (%s)", fb.Pointer, strings.Join(fb.Keywords, ", ")))
	}
	needValidate, needJSON := !g.ev.Shared || len(g.f.Vars) > 0, !g.ev.Shared && g.f.SchemaType == "JSON"
	for _, td := range g.f.Types {
		if td.Kind != "enum" {
			needValidate = true
			needJSON = needJSON || g.f.SchemaType == "JSON"
		}
	}
	if needValidate {
		g.imports["github.com/evctl/evctl/wire/validate"] = true
	}
	if needJSON {
		g.imports["github.com/evctl/evctl/wire/jsonenc"] = true
	}
	for imp := range g.imports {
		g.f.Imports = append(g.f.Imports, imp)
	}
	sort.Strings(g.f.Imports)
	return g.f
}

func defaultSubject(ev *schema.Event) string {
	if ev.Format == schema.Avro && ev.Top != nil && ev.Top.Name != "" {
		if ev.Top.Namespace != "" {
			return ev.Top.Namespace + "." + ev.Top.Name
		}
		return ev.Top.Name
	}
	if t, ok := ev.Root.Get("title").StringValue(); ok && t != "" {
		return t
	}
	return ev.Type
}

func goString(s string) string {
	if strings.ContainsAny(s, "`\r\ufeff") || !isValidUTF8(s) {
		return strconv.Quote(s)
	}
	return "`" + s + "`"
}

func isValidUTF8(s string) bool { return utf8.ValidString(s) }

// take claims a package-level name, or the first free one of name2,
// name3...
func (g *gen) take(name, origin string) string { return g.names.take(name, origin) }

func (g *gen) newVar(kind, expr string) string {
	name := g.take(fmt.Sprintf("%s%s%d", g.lprefix, kind, g.nvars), "a helper variable of "+g.ev.Key)
	g.nvars++
	g.f.Vars = append(g.f.Vars, varDecl{Name: name, Expr: expr})
	return name
}

func (g *gen) addType(td *typeDecl) {
	g.f.Types = append(g.f.Types, td)
}

// ---------------------------------------------------------------- JSON Schema

var annotationKeywords = map[string]bool{
	"$schema": true, "$id": true, "id": true, "$comment": true, "title": true, "description": true,
	"default": true, "examples": true, "deprecated": true, "readOnly": true, "writeOnly": true,
	"definitions": true, "$defs": true, "$anchor": true,
}

// jnode is a JSON Schema node with its location.
type jnode struct {
	n   *schema.Node
	ptr string // JSON pointer in the document, "" = root
	// doc is the document of n when it is another file's (nil: the gen's own).
	doc *schema.Event
}

func (j jnode) kw(k string) string { return "#" + j.ptr + "/" + k }

func ptrJoin(ptr string, toks ...string) string {
	for _, t := range toks {
		t = strings.ReplaceAll(t, "~", "~0")
		t = strings.ReplaceAll(t, "/", "~1")
		ptr += "/" + t
	}
	return ptr
}

func (g *gen) resolve(j jnode) (jnode, error) {
	for i := 0; i < 32; i++ {
		ref, ok := j.n.Get("$ref").StringValue()
		if !ok {
			return j, nil
		}
		doc := g.docOf(j)
		if len(j.n.Members) > 1 && !refSiblingsIgnored(doc, j.n) {
			// Siblings of $ref that validate: let santhosh validate this node (see jsonChecks).
			return j, nil
		}
		target, frag := doc, ""
		if strings.HasPrefix(ref, "#") {
			frag = ref[1:]
		} else {
			var err error
			if target, frag, err = g.c.refTarget(doc, ref); err != nil {
				return j, g.errorf(j.n, "%v", err)
			}
		}
		t := target.Root.Pointer(frag)
		if t == nil {
			return j, g.errorf(j.n, "unresolvable $ref %q", ref)
		}
		j = jnode{n: t, ptr: unescapeFrag(frag)}
		if target != g.ev {
			j.doc = target
		}
	}
	return j, g.errorf(j.n, "$ref chain too long")
}

// docOf is the document of j.
func (g *gen) docOf(j jnode) *schema.Event {
	if j.doc != nil {
		return j.doc
	}
	return g.ev
}

// refSiblingsIgnored reports whether the other keywords of a $ref node
// change nothing: before draft 2019-09 they are ignored, and annotations
// never validate.
func refSiblingsIgnored(doc *schema.Event, n *schema.Node) bool {
	if doc.Draft < 2019 {
		return true
	}
	for _, m := range n.Members {
		if m.Key != "$ref" && !annotationKeywords[m.Key] && !strings.HasPrefix(m.Key, "x-") {
			return false
		}
	}
	return true
}

// nullableBranch recognises oneOf/anyOf of a schema and {"type": "null"}
// (with nothing else that validates beside it) and returns that schema:
// the Go type is then a pointer to the branch's type.
func (g *gen) nullableBranch(j jnode) (jnode, bool) {
	n := j.n
	if n.Kind != schema.Object {
		return jnode{}, false
	}
	kw := ""
	for _, m := range n.Members {
		switch {
		case m.Key == "oneOf" || m.Key == "anyOf":
			if kw != "" {
				return jnode{}, false
			}
			kw = m.Key
		case annotationKeywords[m.Key] || strings.HasPrefix(m.Key, "x-"):
		default:
			return jnode{}, false
		}
	}
	if kw == "" {
		return jnode{}, false
	}
	br := n.Get(kw)
	if br.Kind != schema.Array || len(br.Items) != 2 {
		return jnode{}, false
	}
	for i, it := range br.Items {
		other := br.Items[1-i]
		if !isNullSchema(it) || other.Kind != schema.Object {
			continue
		}
		oj := jnode{n: other, ptr: ptrJoin(j.ptr, kw, strconv.Itoa(1-i)), doc: j.doc}
		r, err := g.resolve(oj)
		if err != nil {
			return jnode{}, false
		}
		nn, null, declared := types(r.n)
		if null || !declared && !g.objectish(r, 0) || declared && len(nn) != 1 {
			return jnode{}, false // null must not match the other branch too
		}
		return oj, true
	}
	return jnode{}, false
}

func isNullSchema(n *schema.Node) bool {
	if n.Kind != schema.Object {
		return false
	}
	for _, m := range n.Members {
		if m.Key == "type" {
			if s, ok := m.Value.StringValue(); !ok || s != "null" {
				return false
			}
			continue
		}
		if !annotationKeywords[m.Key] {
			return false
		}
	}
	return n.Get("type") != nil
}

// objectish reports whether a schema describes objects with properties:
// type object, properties, or allOf/oneOf/anyOf whose branches all do.
func (g *gen) objectish(j jnode, depth int) bool {
	if depth > 16 || j.n.Kind != schema.Object {
		return false
	}
	if hasType(j.n, "object") || j.n.Get("properties") != nil {
		return true
	}
	if _, _, declared := types(j.n); declared {
		return false
	}
	return g.composedObject(j, depth)
}

// composedObject reports whether j has allOf, oneOf or anyOf and every
// branch of them describes objects.
func (g *gen) composedObject(j jnode, depth int) bool {
	found := false
	for _, kw := range []string{"allOf", "oneOf", "anyOf"} {
		br := j.n.Get(kw)
		if br == nil {
			continue
		}
		if br.Kind != schema.Array || len(br.Items) == 0 {
			return false
		}
		for i, it := range br.Items {
			r, err := g.resolve(jnode{n: it, ptr: ptrJoin(j.ptr, kw, strconv.Itoa(i)), doc: j.doc})
			if err != nil || !g.objectish(r, depth+1) {
				return false
			}
		}
		found = true
	}
	return found
}

// propEntry is one property of a struct, from the schema itself or from a
// branch of its allOf (required as there) or oneOf/anyOf (optional).
type propEntry struct {
	key      string
	n        *schema.Node
	jn       jnode
	required bool
}

// collectProps gathers the properties of an object schema and of its
// composition branches, in order; the first schema of a property gives its
// Go type.
func (g *gen) collectProps(j jnode, required bool, out *[]propEntry, idx map[string]int, depth int) error {
	if depth > 16 {
		return g.errorf(j.n, "allOf/oneOf/anyOf nested too deeply")
	}
	req := map[string]bool{}
	if r := j.n.Get("required"); r != nil {
		for _, it := range r.Items {
			req[it.Str] = true
		}
	}
	if props := j.n.Get("properties"); props != nil {
		for _, m := range props.Members {
			if i, ok := idx[m.Key]; ok {
				if required && req[m.Key] {
					(*out)[i].required = true
				}
				continue
			}
			idx[m.Key] = len(*out)
			*out = append(*out, propEntry{key: m.Key, n: m.Value, jn: jnode{n: m.Value, ptr: ptrJoin(j.ptr, "properties", m.Key), doc: j.doc}, required: required && req[m.Key]})
		}
	}
	for _, kw := range []string{"allOf", "oneOf", "anyOf"} {
		br := j.n.Get(kw)
		if br == nil || br.Kind != schema.Array {
			continue
		}
		for i, it := range br.Items {
			r, err := g.resolve(jnode{n: it, ptr: ptrJoin(j.ptr, kw, strconv.Itoa(i)), doc: j.doc})
			if err != nil {
				return err
			}
			if r.n.Kind != schema.Object {
				continue
			}
			if err := g.collectProps(r, required && kw == "allOf", out, idx, depth+1); err != nil {
				return err
			}
		}
	}
	// A required name declared in a branch is required of the whole object.
	if required {
		for k := range req {
			if i, ok := idx[k]; ok {
				(*out)[i].required = true
			}
		}
	}
	return nil
}

func unescapeFrag(f string) string {
	if f == "" || f == "/" && false {
		return f
	}
	return f
}

func (g *gen) jsonEvent() error {
	root := jnode{n: g.ev.Root}
	if r, err := g.resolve(root); err != nil {
		return err
	} else if r.n != root.n {
		// A root $ref (before 2019-09 the rest of the root is ignored).
		root = r
	}
	if root.n.Kind != schema.Object {
		return g.errorf(root.n, "the top-level schema must be an object schema with properties")
	}
	if !g.objectish(root, 0) {
		return g.errorf(root.n, "the top-level schema must be of type object, or have properties, or allOf/oneOf/anyOf of such schemas")
	}
	g.f.Doc, _ = root.n.Get("description").StringValue()
	if kw, ok := g.sumOf(root); ok {
		_, err := g.jsonSum(root, kw, g.prefix, true)
		return err
	}
	_, err := g.jsonStruct(root, g.prefix, true)
	return err
}

// sumOf reports whether j is a oneOf or anyOf (returned) whose branches
// all describe objects and beside which only annotations (and type
// object) stand: such a node becomes a sum type, one pointer per branch.
// Other keywords beside it apply to the whole value and keep the node a
// struct of the branches' properties with a branch check.
func (g *gen) sumOf(j jnode) (string, bool) {
	if j.n.Kind != schema.Object {
		return "", false
	}
	kw := ""
	for _, m := range j.n.Members {
		switch {
		case m.Key == "oneOf" || m.Key == "anyOf":
			if kw != "" {
				return "", false
			}
			kw = m.Key
		case m.Key == "type":
			if m.Value.Kind != schema.String || m.Value.Str != "object" {
				return "", false
			}
		case annotationKeywords[m.Key] || strings.HasPrefix(m.Key, "x-"):
		default:
			return "", false
		}
	}
	if kw == "" {
		return "", false
	}
	br := j.n.Get(kw)
	if br.Kind != schema.Array || len(br.Items) < 2 {
		return "", false
	}
	for i, it := range br.Items {
		r, err := g.resolve(jnode{n: it, ptr: ptrJoin(j.ptr, kw, strconv.Itoa(i))})
		if err != nil || !g.objectish(r, 1) || isNullSchema(r.n) {
			return "", false
		}
		// A branch becomes a struct only with properties (an object
		// without them is a map).
		if props := r.n.Get("properties"); (props == nil || len(props.Members) == 0) && !g.composedObject(r, 1) {
			return "", false
		}
		if _, null, _ := types(r.n); null {
			return "", false
		}
		if _, ok := g.sumOf(r); ok {
			return "", false // a sum of sums: kept as one struct
		}
	}
	return kw, true
}

// jsonSum generates the sum type of a oneOf/anyOf over objects: one
// pointer per branch, exactly one set. UnmarshalJSON sets the branch whose
// subschema the received text validates against (santhosh on the bytes);
// Validate checks the set branch with its compiled code and, for a oneOf
// whose branches no discriminator keeps apart, that the value matches no
// other branch; AppendJSON and MarshalJSON write the set branch.
func (g *gen) jsonSum(j jnode, kw, name string, top bool) (*gtype, error) {
	if !top {
		name = g.take(name, fmt.Sprintf("the %s at #%s of %s", kw, j.ptr, g.ev.Path))
	}
	t := &gtype{kind: gStruct, name: name}
	g.byPtr[j.ptr] = t
	td := &typeDecl{Kind: "sum", Name: name, Where: "#" + j.ptr, OneOf: kw == "oneOf", Keyword: kw}
	if !top {
		td.Doc, _ = j.n.Get("description").StringValue()
	}
	g.addType(td)
	g.imports["errors"] = true
	if kw == "oneOf" {
		g.imports["fmt"] = true
	}
	br := j.n.Get(kw)
	used := map[string]bool{}
	for i, it := range br.Items {
		bj := jnode{n: it, ptr: ptrJoin(j.ptr, kw, strconv.Itoa(i))}
		r, _ := g.resolve(bj)
		fn := ""
		if r.ptr != bj.ptr {
			toks := strings.Split(r.ptr, "/")
			fn = exported(toks[len(toks)-1])
		} else if title, ok := r.n.Get("title").StringValue(); ok {
			fn = exported(title)
		}
		if fn == "" || used[fn] || reservedAll[fn] {
			fn = "Option" + strconv.Itoa(i+1)
		}
		used[fn] = true
		bt, _, err := g.jsonType(bj, name+fn)
		if err != nil {
			return nil, err
		}
		if bt.kind != gStruct {
			return nil, g.errorf(it, "%s branch %d is not an object with properties", kw, i)
		}
		check := g.newVar("Branch", g.fallbackExpr(bj.ptr))
		td.Branches = append(td.Branches, branchDecl{Name: fn, Type: bt.name, Check: check})
	}
	if key, consts := discriminator(g, j, kw); key != "" {
		td.DiscKey = key
		for i := range td.Branches {
			td.Branches[i].Disc = consts[i]
		}
	}
	exclusive := kw == "anyOf" || td.DiscKey != ""
	g.pending = append(g.pending, func() error {
		var b strings.Builder
		b.WriteString("n := 0\n")
		for _, bd := range td.Branches {
			fmt.Fprintf(&b, "if u.%s != nil {\nn++\n}\n", bd.Name)
		}
		fmt.Fprintf(&b, "if n != 1 {\nreturn validate.Fail(p, %s, \"exactly one branch of the %s must be set, %%d are\", n)\n}\n", strconv.Quote(j.kw(kw)), kw)
		if !exclusive {
			// A value of one branch may match another too: santhosh on the
			// whole oneOf decides (it allocates).
			fb := g.fallback(j, []string{kw})
			fmt.Fprintf(&b, "return %s.Validate(p, u)\n", fb)
		} else {
			// The set branch's compiled checks decide a valid value; a value
			// they reject may still match another branch (its JSON is what
			// counts), so santhosh on the whole node judges the failure.
			whole := g.newVar("Sum", g.fallbackExpr(j.ptr))
			b.WriteString("var err error\nswitch {\n")
			for _, bd := range td.Branches {
				fmt.Fprintf(&b, "case u.%s != nil:\nerr = u.%s.validate(p)\n", bd.Name, bd.Name)
			}
			fmt.Fprintf(&b, "}\nif err != nil {\nreturn %s.Validate(p, u)\n}\nreturn nil\n", whole)
		}
		td.Validate = b.String()
		b.Reset()
		b.WriteString("switch {\n")
		for _, bd := range td.Branches {
			// Exactly one may be set: AppendJSON refuses otherwise, as
			// MarshalJSON (and so encoding/json) does. The branch is written
			// as unchecked: a valid sum may hold a branch whose own checks
			// fail while another branch matches its JSON.
			var others []string
			for _, o := range td.Branches {
				if o.Name != bd.Name {
					others = append(others, "u."+o.Name+" == nil")
				}
			}
			fmt.Fprintf(&b, "case u.%s != nil && %s:\nreturn u.%s.appendJSON(b, depth+1, false)\n", bd.Name, strings.Join(others, " && "), bd.Name)
		}
		fmt.Fprintf(&b, "}\nreturn b, errors.New(%s)\n", strconv.Quote("json: "+name+": exactly one branch of the "+kw+" must be set"))
		td.JSON = b.String()
		return nil
	})
	return t, nil
}

// discriminator returns the property (the first in byte order, of several)
// that every branch of the oneOf/anyOf at j requires with a distinct string
// constant (a const from draft-06 on, or an enum of one string), and each
// branch's constant; "" when there is none. A value can then validate
// against at most the branch whose constant its property holds.
func discriminator(g *gen, j jnode, kw string) (string, []string) {
	br := j.n.Get(kw)
	if br == nil || len(br.Items) == 0 {
		return "", nil
	}
	consts := make([]map[string]string, len(br.Items))
	for i, it := range br.Items {
		r, err := g.resolve(jnode{n: it, ptr: ptrJoin(j.ptr, kw, strconv.Itoa(i))})
		if err != nil {
			return "", nil
		}
		consts[i] = map[string]string{}
		req := map[string]bool{}
		if rq := r.n.Get("required"); rq != nil {
			for _, x := range rq.Items {
				req[x.Str] = true
			}
		}
		props := r.n.Get("properties")
		if props == nil {
			return "", nil
		}
		for _, m := range props.Members {
			if !req[m.Key] || m.Value.Kind != schema.Object || m.Value.Get("$ref") != nil {
				continue
			}
			c, ok := m.Value.Get("const").StringValue()
			if ok && g.draft(r) < 6 {
				ok = false // const is no keyword of draft-04
			}
			if !ok {
				if e, ok2 := stringEnum(m.Value); ok2 && len(e) == 1 && m.Value.Get("const") == nil {
					c, ok = e[0], true
				}
			}
			if ok {
				consts[i][m.Key] = c
			}
		}
	}
	var keys []string
	for k := range consts[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		seen := map[string]bool{}
		ok := true
		out := make([]string, len(consts))
		for i := range consts {
			c, has := consts[i][k]
			if !has || seen[c] {
				ok = false
				break
			}
			seen[c] = true
			out[i] = c
		}
		if ok {
			return k, out
		}
	}
	return "", nil
}

func hasType(n *schema.Node, t string) bool {
	tn := n.Get("type")
	if tn == nil {
		return false
	}
	if tn.Kind == schema.String {
		return tn.Str == t
	}
	for _, it := range tn.Items {
		if it.Str == t {
			return true
		}
	}
	return false
}

// types returns the non-null types of a node and whether null is allowed.
func types(n *schema.Node) (nonNull []string, null bool, declared bool) {
	tn := n.Get("type")
	if tn == nil {
		return nil, false, false
	}
	if tn.Kind == schema.String {
		if tn.Str == "null" {
			return nil, true, true
		}
		return []string{tn.Str}, false, true
	}
	for _, it := range tn.Items {
		if it.Str == "null" {
			null = true
			continue
		}
		nonNull = append(nonNull, it.Str)
	}
	return nonNull, null, true
}

// jsonType decides the Go type of a schema node. name is the Go name to use
// if the node needs a named type.
func (g *gen) jsonType(j jnode, name string) (*gtype, bool, error) {
	r, err := g.resolve(j)
	if err != nil {
		return nil, false, err
	}
	if r.doc != nil {
		// Another file's schema: its gen owns the type.
		return g.c.foreignType(g, r)
	}
	if t, ok := g.byPtr[r.ptr]; ok {
		// A type already generated: reached again through a $ref, or
		// from another file's schema.
		_, null, _ := types(r.n)
		return t, null, nil
	}
	if r.ptr != j.ptr || r.n != j.n {
		if n := r.n; n.Kind == schema.Object && n.Get("type") == nil && len(n.Members) == 0 {
			return &gtype{kind: gAny, name: "any"}, false, nil
		}
		// Name a referenced definition after its key.
		toks := strings.Split(r.ptr, "/")
		name = g.prefix + exported(toks[len(toks)-1])
		j = r
	}
	n := j.n
	if n.Kind == schema.Bool {
		return &gtype{kind: gAny, name: "any"}, false, nil
	}
	if b, ok := g.nullableBranch(j); ok {
		t, _, err := g.jsonType(b, name)
		return t, true, err
	}
	nonNull, null, declared := types(n)
	if !declared {
		if g.objectish(j, 0) {
			nonNull = []string{"object"}
		} else if strs, ok := stringEnum(n); ok && len(strs) > 0 {
			nonNull = []string{"string"}
		} else if c := n.Get("const"); c != nil && c.Kind == schema.String {
			nonNull = []string{"string"} // only that string is valid
		}
	}
	if len(nonNull) != 1 {
		return &gtype{kind: gAny, name: "any"}, false, nil
	}
	switch nonNull[0] {
	case "string":
		if _, ok := stringEnum(n); ok && n.Get("enum") != nil {
			t, err := g.jsonEnum(j, name)
			return t, null, err
		}
		// A date-time stays text: time.Time cannot hold a leap second and
		// rewrites what it parses ("t", "+00:00"); Validate checks the text
		// by RFC 3339 where the draft asserts formats.
		return &gtype{kind: gString, name: "string"}, null, nil
	case "integer":
		if wideNumber(n, "integer") {
			g.imports["encoding/json"] = true
			return &gtype{kind: gNumber, name: "json.Number"}, null, nil
		}
		return &gtype{kind: gInt64, name: "int64"}, null, nil
	case "number":
		if wideNumber(n, "number") {
			g.imports["encoding/json"] = true
			return &gtype{kind: gNumber, name: "json.Number"}, null, nil
		}
		return &gtype{kind: gFloat64, name: "float64"}, null, nil
	case "boolean":
		return &gtype{kind: gBool, name: "bool"}, null, nil
	case "array":
		items := n.Get("items")
		if items == nil || items.Kind == schema.Array {
			return &gtype{kind: gSlice, name: "[]any", elem: &gtype{kind: gAny, name: "any"}}, null, nil
		}
		et, enull, err := g.jsonType(jnode{n: items, ptr: ptrJoin(j.ptr, "items")}, name+"Item")
		if err != nil {
			return nil, false, err
		}
		en := et.name
		ptr := enull && et.kind != gAny && et.kind != gSlice && et.kind != gMap
		if ptr {
			en = "*" + en
		}
		return &gtype{kind: gSlice, name: "[]" + en, elem: et, elemPtr: ptr}, null, nil
	case "object":
		if kw, ok := g.sumOf(j); ok {
			t, err := g.jsonSum(j, kw, name, false)
			return t, null, err
		}
		if props := n.Get("properties"); props != nil && len(props.Members) > 0 || g.composedObject(j, 0) {
			t, err := g.jsonStruct(j, name, false)
			return t, null, err
		}
		if ap := n.Get("additionalProperties"); ap != nil && ap.Kind == schema.Object {
			vt, vnull, err := g.jsonType(jnode{n: ap, ptr: ptrJoin(j.ptr, "additionalProperties")}, name+"Value")
			if err != nil {
				return nil, false, err
			}
			vn := vt.name
			ptr := vnull && vt.kind != gAny && vt.kind != gSlice && vt.kind != gMap
			if ptr {
				vn = "*" + vn
			}
			return &gtype{kind: gMap, name: "map[string]" + vn, elem: vt, elemPtr: ptr}, null, nil
		}
		return &gtype{kind: gMap, name: "map[string]any", elem: &gtype{kind: gAny, name: "any"}}, null, nil
	}
	return &gtype{kind: gAny, name: "any"}, false, nil
}

// plainWhenValid reports whether every string a valid value of node j
// (of Go type t: a string or an enum) can hold is written by encoding/json
// without escaping: a format asserted by the draft whose strings are
// ASCII without '"', '\\', '<', '>' or '&', an enum or const of such
// strings, or an anchored pattern of such classes.
func (g *gen) plainWhenValid(j jnode, t *gtype) bool {
	r, err := g.resolve(j)
	if err != nil || r.n.Kind != schema.Object {
		return false
	}
	n := r.n
	if len(g.uncompiled(n, false)) > 0 {
		return false
	}
	if c, ok := n.Get("const").StringValue(); ok && jsonPlain(c) {
		return true
	}
	if syms, ok := stringEnum(n); ok && n.Get("enum") != nil {
		for _, s := range syms {
			if !jsonPlain(s) {
				return false
			}
		}
		return true
	}
	if f, ok := n.Get("format").StringValue(); ok && g.draft(r) < 2019 {
		switch f {
		case "uuid", "date", "time", "date-time", "ipv4":
			return true
		}
	}
	if pat, ok := n.Get("pattern").StringValue(); ok {
		if p, ok := validate.CompileBytePattern(pat); ok && p.Only(func(c byte) bool { return jsonPlain(string(rune(c))) }) {
			return true
		}
	}
	return false
}

// jsonPlain reports whether encoding/json writes s without escaping.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// wideNumber reports whether an "integer" (or "number") node needs
// json.Number: unless a lower and an upper bound keep every valid value in
// int64 (or a finite float64), a valid event may hold a value the Go type
// cannot (2^63, 1e400).
func wideNumber(n *schema.Node, typ string) bool {
	lo, hi := false, false
	for _, k := range []string{"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"} {
		r, ok := ratKw(n, k)
		if !ok {
			continue
		}
		in := false
		if typ == "integer" {
			in = r.Cmp(new(big.Rat).SetInt64(math.MinInt64)) >= 0 && r.Cmp(new(big.Rat).SetInt64(math.MaxInt64)) <= 0
		} else {
			f, _ := r.Float64()
			in = !math.IsInf(f, 0) && math.Abs(f) < math.MaxFloat64
		}
		if !in {
			continue
		}
		if strings.Contains(k, "inimum") {
			lo = true
		} else {
			hi = true
		}
	}
	return !lo || !hi
}

// jsonAppend writes the statements that append the encoding/json form of
// x (of type t, or *t when ptr) to b; x is addressable. lvl numbers the
// variables of nested loops.
func (g *gen) jsonAppend(b *strings.Builder, t *gtype, x string, ptr bool, lvl int) {
	if ptr {
		fmt.Fprintf(b, "if %s == nil {\nb = append(b, \"null\"...)\n} else {\n", x)
		g.jsonAppend(b, t, "(*"+x+")", false, lvl)
		b.WriteString("}\n")
		return
	}
	check := func(call string) {
		fmt.Fprintf(b, "if b, err = %s; err != nil {\nreturn b, err\n}\n", call)
	}
	n := strconv.Itoa(lvl)
	switch t.kind {
	case gString:
		fmt.Fprintf(b, "b = jsonenc.AppendString(b, %s)\n", x)
	case gEnum:
		fmt.Fprintf(b, "b = jsonenc.AppendString(b, string(%s))\n", x)
	case gInt64:
		fmt.Fprintf(b, "b = jsonenc.AppendInt(b, %s)\n", x)
	case gBool:
		fmt.Fprintf(b, "b = jsonenc.AppendBool(b, %s)\n", x)
	case gFloat64:
		check("jsonenc.AppendFloat64(b, " + x + ")")
	case gTime:
		check("jsonenc.AppendTime(b, " + x + ")")
	case gNumber:
		check("jsonenc.AppendNumber(b, " + x + ")")
	case gStruct:
		check(x + ".appendJSON(b, depth+1, valid)")
	case gSlice:
		fmt.Fprintf(b, "if %s == nil {\nb = append(b, \"null\"...)\n} else {\nb = append(b, '[')\nfor i%s := range %s {\nif i%s > 0 {\nb = append(b, ',')\n}\n", x, n, x, n)
		g.jsonAppend(b, t.elem, x+"[i"+n+"]", t.elemPtr, lvl+1)
		b.WriteString("}\nb = append(b, ']')\n}\n")
	case gMap:
		fmt.Fprintf(b, "if %s == nil {\nb = append(b, \"null\"...)\n} else {\nb = append(b, '{')\nfor i%s, k%s := range jsonenc.SortedKeys(%s) {\nif i%s > 0 {\nb = append(b, ',')\n}\nb = jsonenc.AppendString(b, k%s)\nb = append(b, ':')\ne%s := %s[k%s]\n", x, n, n, x, n, n, n, x, n)
		g.jsonAppend(b, t.elem, "e"+n, t.elemPtr, lvl+1)
		b.WriteString("}\nb = append(b, '}')\n}\n")
	default: // gAny
		check("jsonenc.AppendAny(b, " + x + ")")
	}
}

func stringEnum(n *schema.Node) ([]string, bool) {
	en := n.Get("enum")
	if en == nil || en.Kind != schema.Array {
		return nil, false
	}
	var out []string
	for _, it := range en.Items {
		if it.Kind != schema.String {
			return nil, false
		}
		out = append(out, it.Str)
	}
	return out, true
}

func (g *gen) jsonEnum(j jnode, name string) (*gtype, error) {
	syms, _ := stringEnum(j.n)
	name = g.take(name, fmt.Sprintf("the enum at #%s of %s", j.ptr, g.ev.Path))
	t := &gtype{kind: gEnum, name: name}
	g.byPtr[j.ptr] = t
	td := &typeDecl{Kind: "enum", Name: name, Where: "#" + j.ptr}
	td.Doc, _ = j.n.Get("description").StringValue()
	seen := map[string]bool{}
	for _, s := range syms {
		if seen[s] {
			continue
		}
		seen[s] = true
		suffix := exported(s)
		if suffix == "" {
			suffix = "Value" + strconv.Itoa(len(td.Consts))
		}
		c := constDecl{Name: g.take(name+suffix, fmt.Sprintf("enum value %q at #%s of %s", s, j.ptr, g.ev.Path)), Value: strconv.Quote(s)}
		td.Consts = append(td.Consts, c)
	}
	g.addType(td)
	return t, nil
}

func (g *gen) jsonStruct(j jnode, name string, top bool) (*gtype, error) {
	if !top {
		name = g.take(name, fmt.Sprintf("the object at #%s of %s", j.ptr, g.ev.Path))
	}
	t := &gtype{kind: gStruct, name: name}
	g.byPtr[j.ptr] = t
	g.building[name] = true
	defer delete(g.building, name)
	td := &typeDecl{Kind: "struct", Name: name, Where: "#" + j.ptr}
	if !top {
		td.Doc, _ = j.n.Get("description").StringValue()
	}
	g.addType(td)
	var props []propEntry
	if err := g.collectProps(j, true, &props, map[string]int{}, 0); err != nil {
		return nil, err
	}
	declared := map[string]bool{}
	goNames := map[string]string{}
	type fieldInfo struct {
		key   string
		goN   string
		t     *gtype
		ptr   bool
		omit  bool
		jn    jnode
		nullT bool
		// cycle: a required object that contains itself; held by pointer.
		cycle bool
	}
	var infos []fieldInfo
	for _, m := range props {
		declared[m.key] = true
		if !validTagName(m.key) {
			return nil, g.errorf(m.n, "property %q cannot be a json struct tag (encoding/json allows a non-empty name of letters, digits and !#$%%&()*+-./:;<=>?@[]^_{|}~ and space); rename it", m.key)
		}
		fn := fieldName(m.key, goNames, top)
		goNames[fn] = m.key
		ft, null, err := g.jsonType(m.jn, name+fn)
		if err != nil {
			return nil, err
		}
		fi := fieldInfo{key: m.key, goN: fn, t: ft, jn: m.jn, nullT: null}
		req := m.required
		ref := ft.kind == gSlice || ft.kind == gMap || ft.kind == gAny
		switch {
		case req && null:
			fi.ptr = !ref
		case req:
		default:
			fi.ptr = !ref
			fi.omit = true
		}
		if ft.kind == gStruct && g.building[ft.name] && !fi.ptr {
			fi.ptr, fi.cycle = true, true
		}
		infos = append(infos, fi)
	}
	if req := j.n.Get("required"); req != nil {
		for _, r := range req.Items {
			if !declared[r.Str] {
				return nil, g.errorf(r, "required property %q has no schema under properties, so the generated struct cannot hold it", r.Str)
			}
		}
	}
	for _, fi := range infos {
		typ := fi.t.name
		if fi.ptr {
			typ = "*" + typ
		}
		tag := fi.key
		if tag == "-" {
			tag = "-," // a bare "-" tells encoding/json to skip the field
		}
		if fi.omit {
			tag += ",omitempty"
		}
		doc, _ := fi.jn.n.Get("description").StringValue()
		td.Fields = append(td.Fields, fieldDecl{Name: fi.goN, Type: typ, Tag: "`json:" + strconv.Quote(tag) + "`", Doc: doc})
	}
	// The validate and appendJSON bodies are built after all types are known.
	g.pending = append(g.pending, func() error {
		var b strings.Builder
		// pend is constant text not yet appended: the closing quote of a
		// string value, joined with the next key into one append.
		pend := ""
		flush := func() {
			if pend != "" {
				fmt.Fprintf(&b, "b = append(b, '%s')\n", pend)
				pend = ""
			}
		}
		for _, fi := range infos {
			key, _ := json.Marshal(fi.key) // the HTML-escaped form encoding/json writes
			field := "v." + fi.goN
			cond, x, ptr := "", field, fi.ptr
			if fi.omit {
				switch {
				case fi.ptr:
					cond, x, ptr = field+" != nil", "(*"+field+")", false
				case fi.t.kind == gSlice || fi.t.kind == gMap:
					cond = "len(" + field + ") != 0"
				case fi.t.kind == gAny:
					cond = field + " != nil"
				}
			}
			if cond == "" && !ptr && (fi.t.kind == gString || fi.t.kind == gEnum) {
				// One constant: the previous closing quote, the key and the
				// opening quote; then the escaped text.
				fmt.Fprintf(&b, "b = append(b, %s...)\n", strconv.Quote(pend+","+string(key)+":\""))
				if fi.t.kind == gEnum {
					x = "string(" + x + ")"
				}
				if g.plainWhenValid(fi.jn, fi.t) {
					// Validate passed (valid): a uuid, a date-time, an enum
					// value or a pattern of plain ASCII classes needs no
					// escaping.
					fmt.Fprintf(&b, "if valid {\nb = append(b, %s...)\n} else {\nb = jsonenc.AppendStringBody(b, %s)\n}\n", x, x)
				} else {
					fmt.Fprintf(&b, "b = jsonenc.AppendStringBody(b, %s)\n", x)
				}
				pend = "\""
				continue
			}
			if cond == "" && !ptr && fi.t.kind == gNumber {
				// Validate passed (valid): the text is a JSON number.
				fmt.Fprintf(&b, "b = append(b, %s...)\n", strconv.Quote(pend+","+string(key)+":"))
				pend = ""
				fmt.Fprintf(&b, "if valid && len(%s) != 0 {\nb = append(b, %s...)\n} else if b, err = jsonenc.AppendNumber(b, %s); err != nil {\nreturn b, err\n}\n", x, x, x)
				continue
			}
			if cond != "" {
				flush()
				fmt.Fprintf(&b, "if %s {\n", cond)
			}
			fmt.Fprintf(&b, "b = append(b, %s...)\n", strconv.Quote(pend+","+string(key)+":"))
			pend = ""
			g.jsonAppend(&b, fi.t, x, ptr, 0)
			if cond != "" {
				b.WriteString("}\n")
			}
		}
		flush()
		td.JSON = b.String()
		b.Reset()
		if kws := g.uncompiled(j.n, true); len(kws) > 0 {
			fb := g.fallback(j, kws)
			fmt.Fprintf(&b, "return %s.Validate(p, v)\n", fb)
			td.Validate = b.String()
			return nil
		}
		for _, fi := range infos {
			var c strings.Builder
			x := "v." + fi.goN
			// The path of the field is built only where it is used: on
			// failure, or passed down to a nested check.
			pv := "&validate.Path{Parent: p, Key: " + strconv.Quote(fi.key) + "}"
			if fi.ptr {
				x = "(*v." + fi.goN + ")"
			}
			if err := g.jsonChecks(&c, fi.jn, fi.t, x, pv, fi.ptr || fi.nullT); err != nil {
				return err
			}
			body := c.String()
			if !fi.ptr && !fi.omit && !fi.nullT && (fi.t.kind == gSlice || fi.t.kind == gMap) && !strings.HasPrefix(body, "if err := "+g.lprefix+"Fallback") {
				what := "array"
				if fi.t.kind == gMap {
					what = "object"
				}
				r, _ := g.resolve(fi.jn)
				body = fmt.Sprintf("if %s == nil {\nreturn validate.Fail(%s, %s, \"got null, want %s\")\n}\n", x, pv, strconv.Quote(r.kw("type")), what) + body
			}
			if body == "" {
				continue
			}
			if fi.cycle {
				r, _ := g.resolve(fi.jn)
				fmt.Fprintf(&b, "if v.%s == nil {\nreturn validate.FailAt(p, %s, %s, \"got null, want object\")\n}\n", fi.goN, strconv.Quote(fi.key), strconv.Quote(r.kw("type")))
			}
			cond := ""
			switch {
			case fi.ptr:
				cond = "v." + fi.goN + " != nil"
			case fi.omit && (fi.t.kind == gSlice || fi.t.kind == gMap):
				cond = "len(v." + fi.goN + ") > 0"
			case fi.omit && fi.t.kind == gAny:
				cond = "v." + fi.goN + " != nil"
			}
			if cond != "" {
				fmt.Fprintf(&b, "if %s {\n%s}\n", cond, body)
			} else {
				b.WriteString(body)
			}
		}
		b.WriteString("return nil\n")
		td.Validate = b.String()
		return nil
	})
	return t, nil
}

// compiledKeywords are compiled to Go (subject to the checks in uncompiled).
var compiledKeywords = map[string]bool{
	"type": true, "enum": true, "const": true, "minimum": true, "maximum": true, "exclusiveMinimum": true,
	"exclusiveMaximum": true, "multipleOf": true, "minLength": true, "maxLength": true, "pattern": true,
	"format": true, "minItems": true, "maxItems": true, "uniqueItems": true, "items": true, "properties": true,
	"required": true, "additionalProperties": true, "$ref": true,
}

// uncompiled lists the keywords of n that the generated code cannot check
// itself, given the Go type the node gets.
func (g *gen) uncompiled(n *schema.Node, isStruct bool) []string {
	if n.Kind != schema.Object {
		if n.Kind == schema.Bool && !n.Bool {
			return []string{"false"}
		}
		return nil
	}
	var out []string
	nonNull, _, declared := types(n)
	single := ""
	if len(nonNull) == 1 {
		single = nonNull[0]
	}
	if !declared {
		if n.Get("properties") != nil {
			single = "object"
		} else if _, ok := stringEnum(n); ok {
			single = "string"
		} else if c := n.Get("const"); c != nil && c.Kind == schema.String {
			single = "string"
		}
	}
	if n.Get("$ref") != nil && len(n.Members) > 1 {
		out = append(out, "$ref")
	}
	for _, m := range n.Members {
		k := m.Key
		if annotationKeywords[k] || strings.HasPrefix(k, "x-") {
			continue
		}
		if !compiledKeywords[k] {
			out = append(out, k)
			continue
		}
		v := m.Value
		switch k {
		case "type":
			if len(nonNull) > 1 || (len(nonNull) == 0) {
				out = append(out, k)
			}
		case "enum":
			if _, ok := stringEnum(n); !ok || single != "string" {
				out = append(out, k)
			}
		case "const":
			if v.Kind != schema.String || single != "string" {
				out = append(out, k)
			}
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
			if v.Kind != schema.Number {
				out = append(out, k) // draft-04 boolean exclusives
				continue
			}
			if single == "number" && !floatExact(v.Str) && !wideNumber(n, single) {
				out = append(out, k)
			}
			if single != "number" && single != "integer" {
				out = append(out, k)
			}
		case "multipleOf":
			r, ok := new(big.Rat).SetString(v.Str)
			if single != "integer" || wideNumber(n, single) || !ok || !r.IsInt() || !r.Num().IsInt64() || r.Sign() <= 0 {
				out = append(out, k)
			}
		case "minLength", "maxLength", "pattern", "format":
			if single != "string" {
				out = append(out, k)
			}
			if k == "pattern" {
				if _, err := regexp.Compile(v.Str); err != nil {
					out = append(out, k)
				}
			}
		case "minItems", "maxItems":
			if single != "array" {
				out = append(out, k)
			}
		case "uniqueItems":
			if single != "array" {
				out = append(out, k)
				continue
			}
			if v.Kind == schema.Bool && v.Bool {
				it := n.Get("items")
				if it == nil || it.Kind != schema.Object {
					out = append(out, k)
					continue
				}
				r, err := g.resolve(jnode{n: it})
				if err != nil {
					out = append(out, k)
					continue
				}
				nn, null, _ := types(r.n)
				if null || len(nn) != 1 || (nn[0] != "string" && nn[0] != "integer" && nn[0] != "boolean" && nn[0] != "number") {
					out = append(out, k)
				}
			}
		case "items":
			if v.Kind != schema.Object || single != "array" {
				out = append(out, k)
			}
		case "properties", "required":
			if single != "object" {
				out = append(out, k)
			}
		case "additionalProperties":
			if single != "object" {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return dedupe(out)
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// floatExact reports whether the decimal literal equals the shortest
// representation of its float64, so that comparing float64 values gives
// the same answer as santhosh's exact comparison of the encoded JSON.
func floatExact(lit string) bool {
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		return false
	}
	f, _ := r.Float64()
	if math.IsInf(f, 0) {
		return false
	}
	r2, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return ok && r.Cmp(r2) == 0
}

func (g *gen) fallback(j jnode, kws []string) string {
	if v, ok := g.fbVars[j.ptr]; ok {
		return v // one validator per subschema, though several events' code checks it
	}
	fb := Fallback{Event: g.ev.Key, Path: g.ev.Path, Pointer: j.ptr, Keywords: kws}
	g.fallbacks = append(g.fallbacks, fb)
	v := g.newVar("Fallback", g.fallbackExpr(j.ptr))
	if g.fbVars == nil {
		g.fbVars = map[string]string{}
	}
	g.fbVars[j.ptr] = v
	return v
}

// jsonChecks writes the checks of one value. x is the Go expression of the
// value (already dereferenced), p the *validate.Path expression of its
// location.
func (g *gen) jsonChecks(b *strings.Builder, j jnode, t *gtype, x, p string, nullable bool) error {
	r, err := g.resolve(j)
	if err != nil {
		return err
	}
	if t.kind == gStruct {
		fmt.Fprintf(b, "if err := %s.validate(%s); err != nil {\nreturn err\n}\n", x, p)
		return nil
	}
	if r.doc != nil {
		// Another file's schema: its gen writes the checks, into this file.
		sg := g.c.genFor(r.doc)
		g.c.link(g.ev, r.doc)
		defer sg.borrow(g)()
		return sg.jsonChecks(b, jnode{n: r.n, ptr: r.ptr}, t, x, p, nullable)
	}
	if nb, ok := g.nullableBranch(r); ok {
		// x is the dereferenced non-null value: check it against the branch.
		return g.jsonChecks(b, nb, t, x, p, true)
	}
	j = r
	n := j.n
	if kws := g.uncompiled(n, false); len(kws) > 0 {
		fb := g.fallback(j, kws)
		fmt.Fprintf(b, "if err := %s.Validate(%s, %s); err != nil {\nreturn err\n}\n", fb, p, x)
		return nil
	}
	if n.Kind != schema.Object {
		return nil
	}
	switch t.kind {
	case gEnum:
		// The enum check plus whatever other string keywords the node has, in santhosh's order.
		g.stringChecks(b, j, "string("+x+")", p)
	case gString:
		g.stringChecks(b, j, x, p)
	case gTime:
		fmt.Fprintf(b, "if !validate.GoTime(%s) {\nreturn validate.Fail(%s, %s, \"time %%v cannot be encoded as an RFC 3339 date-time\", %s)\n}\n", x, p, strconv.Quote(j.kw("format")), x)
	case gInt64:
		g.intChecks(b, j, x, p)
	case gNumber:
		g.numberChecks(b, j, x, p)
	case gFloat64:
		g.imports["math"] = true
		fmt.Fprintf(b, "if math.IsNaN(%s) || math.IsInf(%s, 0) {\nreturn validate.Fail(%s, %s, \"%%v is not a JSON number\", %s)\n}\n", x, x, p, strconv.Quote(j.kw("type")), x)
		g.floatChecks(b, j, x, p)
	case gSlice:
		g.sliceChecks(b, j, t, x, p)
	case gMap:
		if ap := n.Get("additionalProperties"); ap != nil && ap.Kind == schema.Bool && !ap.Bool {
			fmt.Fprintf(b, "for k := range %s {\nreturn validate.Fail(%s, %s, \"additional property %%q is not allowed\", k)\n}\n", x, p, strconv.Quote(j.kw("additionalProperties")))
		}
		if ap := n.Get("additionalProperties"); ap != nil && ap.Kind == schema.Object {
			var c strings.Builder
			jn := jnode{n: ap, ptr: ptrJoin(j.ptr, "additionalProperties")}
			kv, ev, pv, done := g.loopVars("k", "e", "pe")
			vx := ev
			isPtr := t.elemPtr
			if isPtr {
				vx = "(*" + ev + ")"
			}
			err := g.jsonChecks(&c, jn, t.elem, vx, "&"+pv, isPtr)
			done()
			if err != nil {
				return err
			}
			if c.Len() > 0 {
				// Map iteration order is random: with several failing values, any one may be reported.
				fmt.Fprintf(b, "for %s, %s := range %s {\n", kv, ev, x)
				if isPtr {
					fmt.Fprintf(b, "if %s == nil {\ncontinue\n}\n", ev)
				}
				fmt.Fprintf(b, "%s := validate.Prop(%s, %s)\n%s}\n", pv, p, kv, c.String())
			}
		}
	}
	return nil
}

func (g *gen) stringChecks(b *strings.Builder, j jnode, x, p string) {
	n := j.n
	if c, ok := n.Get("const").StringValue(); ok {
		fmt.Fprintf(b, "if %s != %s {\nreturn validate.Fail(%s, %s, \"value must be %%q, got %%q\", %s, %s)\n}\n", x, strconv.Quote(c), p, strconv.Quote(j.kw("const")), strconv.Quote(c), x)
	}
	if syms, ok := stringEnum(n); ok && n.Get("enum") != nil {
		// A string enum on a plain string (e.g. inside an array of a fallback type).
		var qs []string
		for _, s := range syms {
			qs = append(qs, strconv.Quote(s))
		}
		fmt.Fprintf(b, "switch %s {\ncase %s:\ndefault:\nreturn validate.Fail(%s, %s, \"value must be one of the enum values, got %%q\", %s)\n}\n", x, strings.Join(qs, ", "), p, strconv.Quote(j.kw("enum")), x)
	}
	// santhosh checks const, enum and format first and stops at their failure;
	// lengths and pattern come after.
	if f, ok := n.Get("format").StringValue(); ok && g.draft(j) < 2019 {
		check := ""
		if nn := nativeFormat(f); nn != "" {
			check = "validate." + nn + "(" + x + ")"
		} else {
			v := g.newVar("Format", "validate.NewFormatCheck("+strconv.Quote(f)+")")
			check = v + ".Valid(" + x + ")"
		}
		fmt.Fprintf(b, "if !%s {\nreturn validate.Fail(%s, %s, \"%%q is not valid %s\", %s)\n}\n", check, p, strconv.Quote(j.kw("format")), f, x)
	}
	minL, hasMin := intKw(n, "minLength")
	maxL, hasMax := intKw(n, "maxLength")
	if hasMin || hasMax {
		g.imports["unicode/utf8"] = true
		b.WriteString("{\n")
		fmt.Fprintf(b, "n := utf8.RuneCountInString(%s)\n", x)
		if hasMin {
			fmt.Fprintf(b, "if n < %d {\nreturn validate.Fail(%s, %s, \"length must be >= %d, but got %%d\", n)\n}\n", minL, p, strconv.Quote(j.kw("minLength")), minL)
		}
		if hasMax {
			fmt.Fprintf(b, "if n > %d {\nreturn validate.Fail(%s, %s, \"length must be <= %d, but got %%d\", n)\n}\n", maxL, p, strconv.Quote(j.kw("maxLength")), maxL)
		}
		b.WriteString("}\n")
	}
	if pat, ok := n.Get("pattern").StringValue(); ok {
		if cond, ok := patternCondition(pat, x); ok {
			// Fixed positions of small classes: compared inline, byte by byte.
			fmt.Fprintf(b, "if %s {\nreturn validate.Fail(%s, %s, \"%%q does not match pattern %%q\", %s, %s)\n}\n", cond, p, strconv.Quote(j.kw("pattern")), x, strconv.Quote(pat))
			return
		}
		var v string
		if _, ok := validate.CompileBytePattern(pat); ok {
			// An anchored run of ASCII classes: a byte loop, same answers as regexp.
			v = g.newVar("Pattern", "validate.BytePatternOf("+strconv.Quote(pat)+")")
		} else {
			g.imports["regexp"] = true
			v = g.newVar("Pattern", "regexp.MustCompile("+strconv.Quote(pat)+")")
		}
		fmt.Fprintf(b, "if !%s.MatchString(%s) {\nreturn validate.Fail(%s, %s, \"%%q does not match pattern %%q\", %s, %s)\n}\n", v, x, p, strconv.Quote(j.kw("pattern")), x, strconv.Quote(pat))
	}
}

func nativeFormat(f string) string {
	return map[string]string{
		"uuid": "UUID", "date": "Date", "time": "Time", "date-time": "DateTime",
		"ipv4": "IPv4", "ipv6": "IPv6", "hostname": "Hostname", "email": "Email", "duration": "Duration",
	}[f]
}

func intKw(n *schema.Node, k string) (int64, bool) {
	v := n.Get(k)
	if v == nil || v.Kind != schema.Number {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(v.Str)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

func ratKw(n *schema.Node, k string) (*big.Rat, bool) {
	v := n.Get(k)
	if v == nil || v.Kind != schema.Number {
		return nil, false
	}
	return new(big.Rat).SetString(v.Str)
}

func (g *gen) intChecks(b *strings.Builder, j jnode, x, p string) {
	n := j.n
	emit := func(k, op, want string, bound *big.Rat) {
		// For an int64 x: x >= r  <=>  x >= ceil(r);  x > r  <=>  x >= floor(r)+1, etc.
		var lim *big.Int
		switch op {
		case "<": // fail if x < ceil(r) (minimum)
			lim = ceil(bound)
		case "<=": // fail if x <= floor(r) (exclusiveMinimum)
			lim = floor(bound)
		case ">": // fail if x > floor(r) (maximum)
			lim = floor(bound)
		case ">=": // fail if x >= ceil(r) (exclusiveMaximum)
			lim = ceil(bound)
		}
		cond := ""
		switch {
		case lim.IsInt64():
			cond = fmt.Sprintf("%s %s %d", x, op, lim.Int64())
		case lim.Sign() < 0 && (op == "<" || op == "<="):
			return // never fails
		case lim.Sign() > 0 && (op == ">" || op == ">="):
			return
		default:
			cond = "true"
		}
		fmt.Fprintf(b, "if %s {\nreturn validate.Fail(%s, %s, \"must be %s %s, but got %%d\", %s)\n}\n", cond, p, strconv.Quote(j.kw(k)), want, bound.RatString(), x)
	}
	if r, ok := ratKw(n, "minimum"); ok {
		emit("minimum", "<", ">=", r)
	}
	if r, ok := ratKw(n, "exclusiveMinimum"); ok {
		emit("exclusiveMinimum", "<=", ">", r)
	}
	if r, ok := ratKw(n, "maximum"); ok {
		emit("maximum", ">", "<=", r)
	}
	if r, ok := ratKw(n, "exclusiveMaximum"); ok {
		emit("exclusiveMaximum", ">=", "<", r)
	}
	if m, ok := intKw(n, "multipleOf"); ok && m > 0 {
		fmt.Fprintf(b, "if %s%%%d != 0 {\nreturn validate.Fail(%s, %s, \"%%d is not multipleOf %d\", %s)\n}\n", x, m, p, strconv.Quote(j.kw("multipleOf")), m, x)
	}
}

// numberChecks checks a json.Number: a JSON number (an integer for
// "integer"), then its bounds, compared exactly (validate.Range).
func (g *gen) numberChecks(b *strings.Builder, j jnode, x, p string) {
	n := j.n
	args := []string{strconv.FormatBool(hasType(n, "integer"))}
	for _, k := range []string{"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"} {
		lit := ""
		if v := n.Get(k); v != nil && v.Kind == schema.Number {
			lit = v.Str
		}
		args = append(args, strconv.Quote(lit))
	}
	rv := g.newVar("Range", "validate.NewRange("+strings.Join(args, ", ")+")")
	unq := func(q string) string { u, _ := strconv.Unquote(q); return u }
	if validate.NewRange(hasType(n, "integer"), unq(args[1]), unq(args[2]), unq(args[3]), unq(args[4])).Unsigned() {
		// Every plain non-negative integer is in range: checked inline
		// (validate.Plain), the range only for other forms.
		fmt.Fprintf(b, "if !validate.Plain(%s) {\nif kw := %s.Check(%s); kw != \"\" {\nreturn %s.Fail(%s, %s, kw, %s)\n}\n}\n", x, rv, x, rv, p, strconv.Quote("#"+j.ptr), x)
		return
	}
	fmt.Fprintf(b, "if kw := %s.Check(%s); kw != \"\" {\nreturn %s.Fail(%s, %s, kw, %s)\n}\n", rv, x, rv, p, strconv.Quote("#"+j.ptr), x)
}

func ceil(r *big.Rat) *big.Int {
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

func floor(r *big.Rat) *big.Int {
	q, _ := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	return q
}

func (g *gen) floatChecks(b *strings.Builder, j jnode, x, p string) {
	n := j.n
	for _, c := range []struct{ k, op, want string }{
		{"minimum", "<", ">="}, {"exclusiveMinimum", "<=", ">"}, {"maximum", ">", "<="}, {"exclusiveMaximum", ">=", "<"},
	} {
		v := n.Get(c.k)
		if v == nil || v.Kind != schema.Number {
			continue
		}
		r, _ := new(big.Rat).SetString(v.Str)
		f, _ := r.Float64()
		lit := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(lit, ".eE") {
			lit += ".0"
		}
		fmt.Fprintf(b, "if %s %s %s {\nreturn validate.Fail(%s, %s, \"must be %s %s, but got %%v\", %s)\n}\n", x, c.op, lit, p, strconv.Quote(j.kw(c.k)), c.want, v.Str, x)
	}
}

func (g *gen) sliceChecks(b *strings.Builder, j jnode, t *gtype, x, p string) {
	n := j.n
	if mn, ok := intKw(n, "minItems"); ok {
		fmt.Fprintf(b, "if len(%s) < %d {\nreturn validate.Fail(%s, %s, \"minItems: got %%d, want %d\", len(%s))\n}\n", x, mn, p, strconv.Quote(j.kw("minItems")), mn, x)
	}
	if mx, ok := intKw(n, "maxItems"); ok {
		fmt.Fprintf(b, "if len(%s) > %d {\nreturn validate.Fail(%s, %s, \"maxItems: got %%d, want %d\", len(%s))\n}\n", x, mx, p, strconv.Quote(j.kw("maxItems")), mx, x)
	}
	if u := n.Get("uniqueItems"); u != nil && u.Kind == schema.Bool && u.Bool {
		dupFunc := "Duplicate"
		if t.elem != nil && t.elem.kind == gNumber {
			dupFunc = "DuplicateNumber" // 1 and 1.0 are equal numbers
		}
		fmt.Fprintf(b, "if i, k, dup := validate."+dupFunc+"(%s); dup {\nreturn validate.Fail(%s, %s, \"items at %%d and %%d are equal\", i, k)\n}\n", x, p, strconv.Quote(j.kw("uniqueItems")))
	}
	items := n.Get("items")
	if items == nil || items.Kind != schema.Object {
		return
	}
	var c strings.Builder
	jn := jnode{n: items, ptr: ptrJoin(j.ptr, "items")}
	iv, _, pv, done := g.loopVars("i", "e", "pi")
	isPtr := t.elemPtr
	ex := x + "[" + iv + "]"
	if isPtr {
		ex = "(*" + ex + ")"
	}
	_ = g.jsonChecks(&c, jn, t.elem, ex, "&"+pv, isPtr)
	done()
	if c.Len() == 0 {
		return
	}
	fmt.Fprintf(b, "for %s := range %s {\n", iv, x)
	if isPtr {
		fmt.Fprintf(b, "if %s[%s] == nil {\ncontinue\n}\n", x, iv)
	}
	fmt.Fprintf(b, "%s := validate.Item(%s, %s)\n%s}\n", pv, p, iv, c.String())
}
