package codegen

import (
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// catGen holds what the gens of one Generate run share: the documents by
// URL, so that a $ref to another file finds its gen, and the gen of every
// file, so that a type defined in another file (a shared file's, or an
// event's definitions) is generated once, in that file, and used by every
// event that refers to it.
type catGen struct {
	opts  Options
	names *nameTable
	// base is the directory all catalog files are under; URLs and shared
	// names are relative to it, so they do not depend on where gen runs.
	base  string
	byURL map[string]*schema.Event
	gens  map[*schema.Event]*gen
	order []*gen // events, then shared files, each sorted
	// avroDefs maps an Avro full name to the file defining it and its node.
	avroDefs map[string]avroDef
	// links pairs the files whose generated code refers to each other (a
	// $ref to another file, an Avro named type of another file): with
	// Options.Split they stay in one package.
	links [][2]*schema.Event
	// part is the index of each file's package (split).
	part map[*schema.Event]int
}

// link records that the code of a refers to b's.
func (c *catGen) link(a, b *schema.Event) {
	if a != b {
		c.links = append(c.links, [2]*schema.Event{a, b})
	}
}

type avroDef struct {
	doc *schema.Event
	a   anode
}

const docScheme = "mem://evctl/"

// relPath is a file's path relative to the catalog's base directory.
func (c *catGen) relPath(ev *schema.Event) string {
	if c.base == "" {
		return ev.Path
	}
	return strings.TrimPrefix(ev.Path, c.base+"/")
}

// docURL is the URL a catalog file has in generated fallbacks.
func (c *catGen) docURL(ev *schema.Event) string { return docScheme + c.relPath(ev) }

// docBase is the base URL of a document's $refs: its $id resolved against
// its URL, or its URL.
func (c *catGen) docBase(ev *schema.Event) *url.URL {
	u, _ := url.Parse(c.docURL(ev))
	if id, _ := ev.Root.Get("$id").StringValue(); id != "" {
		if r, err := url.Parse(id); err == nil {
			u = u.ResolveReference(r)
			u.Fragment = ""
		}
	}
	return u
}

func newCatGen(cat *schema.Catalog, opts Options, names *nameTable) *catGen {
	c := &catGen{opts: opts, names: names, byURL: map[string]*schema.Event{}, gens: map[*schema.Event]*gen{}, avroDefs: map[string]avroDef{}}
	all := cat.All()
	for i, ev := range all {
		d := path.Dir(ev.Path)
		if i == 0 {
			c.base = d
			continue
		}
		for c.base != "." && c.base != "/" && c.base != "" && d != c.base && !strings.HasPrefix(d, c.base+"/") {
			c.base = path.Dir(c.base)
		}
	}
	if c.base == "." {
		c.base = ""
	}
	for _, ev := range all {
		if ev.Format != schema.JSONSchema {
			continue
		}
		c.byURL[c.docURL(ev)] = ev
		if b := c.docBase(ev).String(); c.byURL[b] == nil {
			c.byURL[b] = ev
		}
	}
	return c
}

// refTarget resolves a $ref to another document: the document and the
// fragment (a JSON pointer).
func (c *catGen) refTarget(from *schema.Event, ref string) (*schema.Event, string, error) {
	file, frag := ref, ""
	if i := strings.IndexByte(ref, '#'); i >= 0 {
		file, frag = ref[:i], ref[i+1:]
	}
	r, err := url.Parse(file)
	if err != nil {
		return nil, "", fmt.Errorf("$ref %q is not a valid URL: %v", ref, err)
	}
	u := c.docBase(from).ResolveReference(r)
	u.Fragment = ""
	t := c.byURL[u.String()]
	if t == nil {
		return nil, "", fmt.Errorf("$ref %q names no file of the catalog", ref)
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		return nil, "", fmt.Errorf("$ref %q uses an anchor; gen go follows JSON pointers only", ref)
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	return t, frag, nil
}

// genFor returns the gen of a catalog file.
func (c *catGen) genFor(ev *schema.Event) *gen { return c.gens[ev] }

// foreignType gives the Go type of r, a schema in another file than g's:
// generated once by that file's gen, named after the file and the pointer.
func (c *catGen) foreignType(g *gen, r jnode) (*gtype, bool, error) {
	sg := c.genFor(r.doc)
	if sg == nil {
		return nil, false, g.errorf(r.n, "the referenced file %s is not part of the catalog", r.doc.Path)
	}
	c.link(g.ev, r.doc)
	_, null, _ := types(r.n)
	if t, ok := sg.byPtr[r.ptr]; ok {
		return t, null, nil
	}
	had := make(map[string]bool, len(sg.imports))
	for imp := range sg.imports {
		had[imp] = true
	}
	declared := len(sg.f.Types)
	t, null, err := sg.jsonType(jnode{n: r.n, ptr: r.ptr}, sg.prefix+ptrName(r.ptr))
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", r.doc.Path, err)
	}
	if len(sg.f.Types) == declared {
		// Nothing declared in sg's file (a json.Number, a []string...):
		// the imports the type needs belong to g's file only.
		for imp := range sg.imports {
			if !had[imp] {
				delete(sg.imports, imp)
			}
		}
	}
	g.noteImports(t.name)
	return t, null, nil
}

// ptrName is the Go name part for a JSON pointer: its tokens without the
// keywords that only hold subschemas ("/definitions/Money" -> "Money",
// "/properties/meta" -> "Meta").
func ptrName(ptr string) string {
	var sb strings.Builder
	toks := strings.Split(ptr, "/")
	for i := 1; i < len(toks); i++ {
		switch t := toks[i]; t {
		case "properties", "definitions", "$defs", "patternProperties", "dependentSchemas":
			if i+1 < len(toks) {
				i++
				sb.WriteString(exported(strings.ReplaceAll(strings.ReplaceAll(toks[i], "~1", "/"), "~0", "~")))
			}
		case "items":
			sb.WriteString("Item")
		case "additionalProperties":
			sb.WriteString("Value")
		default:
			sb.WriteString(exportedWords(t))
		}
	}
	return sb.String()
}

// noteImports adds the imports a type spelled in g's file needs.
func (g *gen) noteImports(name string) {
	for pkg, imp := range map[string]string{"time.": "time", "big.": "math/big", "avro.": "github.com/hamba/avro/v2", "json.": "encoding/json"} {
		for i := strings.Index(name, pkg); i >= 0; i = strings.Index(name, pkg) {
			if i == 0 || !isIdentByte(name[i-1]) {
				g.imports[imp] = true
				break
			}
			name = name[i+len(pkg):]
		}
	}
}

// borrow makes sg write into g's file (its variables and imports) until
// the returned func is called: checks of another file's schema are written
// into the code of g's type.
func (sg *gen) borrow(g *gen) func() {
	f, imps, loops := sg.f, sg.imports, sg.loops
	sg.f, sg.imports, sg.loops = g.f, g.imports, g.loops
	return func() { sg.f, sg.imports, sg.loops = f, imps, loops }
}

// draft is the JSON Schema draft of j's document.
func (g *gen) draft(j jnode) int { return g.docOf(j).Draft }

// fallbackExpr is the expression of a fallback validator of g's document at
// pointer ptr; a document that $refs other files gets them as resources.
func (g *gen) fallbackExpr(ptr string) string {
	res := g.resourcesVar()
	if res == "" {
		return fmt.Sprintf("validate.NewFallback(%s, %s)", g.jsonConst, strconv.Quote(ptr))
	}
	return fmt.Sprintf("validate.NewFallbackIn(%s, %s, %s, %s)", g.jsonConst, strconv.Quote(g.c.docURL(g.ev)), strconv.Quote(ptr), res)
}

// resourcesVar declares, once, the variable listing the documents g's
// document references, directly or through others ("" when none).
func (g *gen) resourcesVar() string {
	if g.resVar != nil {
		return *g.resVar
	}
	g.resVar = new(string)
	seen := map[*schema.Event]bool{g.ev: true}
	var deps []*schema.Event
	var visit func(d *schema.Event, depth int)
	visit = func(d *schema.Event, depth int) {
		if depth > 32 {
			return
		}
		for _, ref := range schema.ExternalRefs(d.Root) {
			t, _, err := g.c.refTarget(d, ref)
			if err != nil || seen[t] {
				continue
			}
			seen[t] = true
			deps = append(deps, t)
			visit(t, depth+1)
		}
	}
	visit(g.ev, 0)
	if len(deps) == 0 {
		return ""
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Path < deps[j].Path })
	var sb strings.Builder
	sb.WriteString("[]validate.Resource{\n")
	for _, d := range deps {
		dg := g.c.genFor(d)
		fmt.Fprintf(&sb, "{URL: %s, Doc: %s},\n", strconv.Quote(g.c.docURL(d)), dg.jsonConst)
		if b := g.c.docBase(d).String(); b != g.c.docURL(d) {
			fmt.Fprintf(&sb, "{URL: %s, Doc: %s},\n", strconv.Quote(b), dg.jsonConst)
		}
	}
	sb.WriteString("}")
	*g.resVar = g.take(g.lprefix+"Resources", "the referenced documents of "+g.ev.Key)
	// Declared first: the fallbacks using it come after.
	g.f.Vars = append(g.f.Vars, varDecl{Name: *g.resVar, Expr: sb.String()})
	return *g.resVar
}

// indexAvro records where each Avro named type of the catalog is defined
// (the first file in generation order, for a name defined twice).
func (c *catGen) indexAvro() {
	for _, g := range c.order {
		if g.ev.Format != schema.Avro {
			continue
		}
		doc := g.ev
		var walk func(a anode, depth int)
		walk = func(a anode, depth int) {
			if depth > schema.MaxDepth {
				return
			}
			switch a.n.Kind {
			case schema.Object:
				ns := a.ns
				if a.n.Get("name") != nil {
					if t, _ := a.n.Get("type").StringValue(); t == "record" || t == "error" || t == "enum" || t == "fixed" {
						var full string
						_, full, ns = namedNS(a)
						if _, dup := c.avroDefs[full]; !dup {
							c.avroDefs[full] = avroDef{doc: doc, a: a}
						}
					}
				}
				for _, m := range a.n.Members {
					walk(anode{n: m.Value, ptr: a.ptr + "/" + m.Key, ns: ns}, depth+1)
				}
			case schema.Array:
				for i, it := range a.n.Items {
					walk(anode{n: it, ptr: a.ptr + "/" + strconv.Itoa(i), ns: a.ns}, depth+1)
				}
			}
		}
		walk(anode{n: doc.Root}, 0)
	}
}

// foreignAvro gives the Go type of an Avro named type that g's file uses
// but another file defines: generated once, by that file's gen.
func (c *catGen) foreignAvro(g *gen, ref anode) (*gtype, bool, error) {
	full := avroFull(ref.n.Str, ref.ns)
	def, ok := c.avroDefs[full]
	if !ok {
		def, ok = c.avroDefs[ref.n.Str]
	}
	if !ok || def.doc == g.ev {
		return nil, false, nil
	}
	c.link(g.ev, def.doc)
	sg := c.genFor(def.doc)
	_, dfull, _ := namedNS(def.a)
	t, ok := sg.avroNamed[dfull]
	if !ok && def.a.ptr == "" && !def.doc.Shared {
		// The top-level record of another event: that event's own type,
		// which its gen declares with the event methods.
		t = &gtype{kind: gStruct, name: sg.prefix}
		sg.avroNamed[dfull] = t
		ok = true
	}
	if !ok {
		var err error
		if t, _, err = sg.avroType(def.a, "", false); err != nil {
			return nil, false, fmt.Errorf("%s: %w", def.doc.Path, err)
		}
	}
	g.noteImports(t.name)
	return t, true, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
