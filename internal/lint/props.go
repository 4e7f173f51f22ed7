package lint

import (
	"github.com/evctl/evctl/internal/schema"
)

// jsonNode is a JSON Schema node with the catalog document it is in.
type jsonNode struct {
	doc *schema.Event
	n   *schema.Node
}

// conjuncts lists the schemas that all apply to a value of n: n itself, the
// target of its $ref (local or in another catalog file, by path or $id) and
// every allOf branch, recursively. A $ref or allOf cycle ends at the first
// repeat, so the walk always terminates.
func conjuncts(cat *schema.Catalog, start jsonNode) []jsonNode {
	var out []jsonNode
	seen := map[*schema.Node]bool{}
	var walk func(j jsonNode, depth int)
	walk = func(j jsonNode, depth int) {
		if j.n == nil || j.n.Kind != schema.Object || seen[j.n] || depth > schema.MaxDepth {
			return
		}
		seen[j.n] = true
		out = append(out, j)
		if ref, ok := j.n.Get("$ref").StringValue(); ok && cat != nil {
			if doc, t := cat.ResolveRef(j.doc, ref); t != nil {
				walk(jsonNode{doc, t}, depth+1)
			}
		}
		if all := j.n.Get("allOf"); all != nil && all.Kind == schema.Array {
			for _, b := range all.Items {
				walk(jsonNode{j.doc, b}, depth+1)
			}
		}
	}
	walk(start, 0)
	return out
}

// jsonProperty finds property name (or its camelCase form) among the
// conjuncts of j: the first that declares it gives the field, and it is
// required when any conjunct lists it in "required" (allOf branches merge
// with their siblings). The field's type is built in the document that
// declares it, following a $ref of the property schema into another file.
func jsonProperty(cat *schema.Catalog, j jsonNode, name string) (*schema.Field, jsonNode) {
	cs := conjuncts(cat, j)
	for _, key := range []string{name, camelOf(name)} {
		for _, c := range cs {
			props := c.n.Get("properties")
			m := props.Member(key)
			if m == nil {
				continue
			}
			val := jsonNode{c.doc, m.Value}
			// The type comes from the property schema, through any
			// $refs to other files (JSONType resolves local ones).
			tn := val
			for _, vc := range conjuncts(cat, val) {
				if _, isRef := vc.n.Get("$ref").StringValue(); !isRef {
					tn = vc
					break
				}
			}
			f := &schema.Field{Name: m.Key, Pos: m.KeyPos, Node: m.Value, Type: schema.JSONType(tn.doc, tn.n), Default: m.Value.Get("default")}
			f.Unit, _ = m.Value.Get("x-unit").StringValue()
			f.Doc, _ = m.Value.Get("description").StringValue()
			if f.Unit == "" {
				f.Unit, _ = tn.n.Get("x-unit").StringValue()
			}
			if f.Doc == "" {
				f.Doc, _ = tn.n.Get("description").StringValue()
			}
			for _, r := range cs {
				if req := r.n.Get("required"); req != nil && req.Kind == schema.Array {
					for _, it := range req.Items {
						if it.Kind == schema.String && it.Str == key {
							f.Required = true
						}
					}
				}
			}
			return f, val
		}
	}
	return nil, jsonNode{}
}
