package lint

import (
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// ClosedContentModel asks JSON Schema events to close their objects.
var ClosedContentModel = &Rule{
	ID:      "closed-content-model",
	Doc:     "JSON Schema objects set \"additionalProperties\": false, because under Confluent's compatibility rules adding an optional property to an open content model is a breaking change.",
	Default: diag.Warning,
	Types:   true,
	Policy: `Every JSON Schema object with "properties" (the event, nested properties,
array items, $defs/definitions and the branches of allOf, anyOf and oneOf)
states its content model: "additionalProperties" or
"unevaluatedProperties" set to anything. An omitted keyword is an
omission and is reported; an explicit "additionalProperties": true (or a
schema) is a decision and is accepted. Objects inside an entity that single-entity
reports as embedded are left to that rule (unless it is off). The rule
reports once per event:
the first open object's position, how many objects are open and their
paths (up to five).

Bad:  {"type": "object", "properties": {"order_id": {"type": "string"}}}
Good: {"type": "object", "additionalProperties": false, "properties": {...}}
Good: {"type": "object", "additionalProperties": true, "properties": {...}}
      (open on purpose)`,
	Formats: []schema.Format{schema.JSONSchema},
	Bad: `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "v1.OrderPlaced",
  "type": "object",
  "required": ["event_id", "occurred_at", "correlation_id", "order_id"],
  "properties": {
    "event_id": {"type": "string", "format": "uuid"},
    "occurred_at": {"type": "string", "format": "date-time"},
    "correlation_id": {"type": "string"},
    "order_id": {"type": "string"}
  }
}
`,
	Good: `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "v1.OrderPlaced",
  "type": "object",
  "additionalProperties": false,
  "required": ["event_id", "occurred_at", "correlation_id", "order_id"],
  "properties": {
    "event_id": {"type": "string", "format": "uuid"},
    "occurred_at": {"type": "string", "format": "date-time"},
    "correlation_id": {"type": "string"},
    "order_id": {"type": "string"}
  }
}
`,
	Run: runClosedContentModel,
}

const openModelWhy = "adding an optional property to an open content model is a breaking change under Confluent's rules"

func runClosedContentModel(p *Pass) {
	root := p.Event.Root
	if root == nil || root.Kind != schema.Object {
		return
	}
	at := rootPos(p.Event)
	for _, kw := range []string{"properties", "type", "allOf", "anyOf", "oneOf"} {
		if m := root.Member(kw); m != nil {
			at = m.KeyPos
			break
		}
	}
	collect := func(skip map[*schema.Node]bool) openObjects {
		o := openObjects{root: root, skip: skip, cat: p.Catalog, doc: p.Event}
		if top(p.Event) != nil || root.Get("properties") != nil {
			o.check(root, "", at)
		}
		walkSubschemas(&o, root, "", 0)
		return o
	}
	open := collect(nil)
	if len(open.paths) == 0 {
		return
	}
	// Objects inside entities that single-entity reports as embedded are
	// that rule's finding, not this one's.
	var skip map[*schema.Node]bool
	for rec := range embeddedIn(p) {
		if rec.Node != nil {
			if skip == nil {
				skip = map[*schema.Node]bool{}
			}
			skip[rec.Node] = true
		}
	}
	if skip != nil {
		open = collect(skip)
	}
	if len(open.paths) == 0 {
		return
	}
	what := "the event schema"
	if open.paths[0] != "" {
		what = fmt.Sprintf("object %q", open.paths[0])
	}
	if len(open.paths) == 1 {
		p.Reportf(open.first, "%s does not set \"additionalProperties\": false; add it: %s", what, openModelWhy)
		return
	}
	names := make([]string, 0, 5)
	for _, path := range open.paths[:min(5, len(open.paths))] {
		if path == "" {
			path = "(the event)"
		}
		names = append(names, fmt.Sprintf("%q", path))
	}
	more := ""
	if n := len(open.paths) - len(names); n > 0 {
		more = fmt.Sprintf(" and %d more", n)
	}
	p.Reportf(open.first, "%d objects do not set \"additionalProperties\": false: %s%s; add it to each: %s", len(open.paths), strings.Join(names, ", "), more, openModelWhy)
}

// openObjects collects the objects of an event with an open content model.
type openObjects struct {
	root *schema.Node
	// cat and doc resolve a $ref to another catalog file.
	cat *schema.Catalog
	doc *schema.Event
	// skip are the schemas of embedded entities, not checked with their
	// objects.
	skip map[*schema.Node]bool
	// narrowing counts the enclosing allOf branches closed by a sibling;
	// objects inside them only narrow the sibling's and are not checked.
	narrowing int
	paths     []string
	first     schema.Pos
}

// resolve follows a local "$ref" ("#/$defs/Name", "#/definitions/Name")
// or one to another catalog file (by path or $id, as Wikimedia's events
// $ref their shared fragments).
func (o *openObjects) resolve(n *schema.Node) *schema.Node {
	ref, ok := n.Get("$ref").StringValue()
	if !ok {
		return n
	}
	for _, pre := range []string{"#/$defs/", "#/definitions/"} {
		if name, found := strings.CutPrefix(ref, pre); found {
			return o.root.Get(pre[2 : len(pre)-1]).Get(name)
		}
	}
	if o.cat != nil && !strings.HasPrefix(ref, "#") {
		if _, t := o.cat.ResolveRef(o.doc, ref); t != nil {
			return t
		}
	}
	return n
}

// statesModel reports whether a schema sets its content model.
func statesModel(n *schema.Node) bool {
	return n.Get("additionalProperties") != nil || n.Get("unevaluatedProperties") != nil
}

// check records n when it leaves its content model open: it neither sets
// "additionalProperties" nor "unevaluatedProperties". Any explicit value
// (false, true or a schema) is a decision and is accepted.
func (o *openObjects) check(n *schema.Node, path string, at schema.Pos) {
	if statesModel(n) || o.narrowing > 0 {
		return
	}
	if len(o.paths) == 0 {
		o.first = at
	}
	o.paths = append(o.paths, path)
}

func walkSubschemas(o *openObjects, n *schema.Node, path string, depth int) {
	if n == nil || n.Kind != schema.Object || depth > 64 {
		return
	}
	visit := func(child *schema.Node, childPath string, at schema.Pos) {
		if child == nil || child.Kind != schema.Object {
			return
		}
		if o.skip[child] || o.skip[o.resolve(child)] {
			o.narrowing++
			defer func() { o.narrowing-- }()
		}
		if child.Get("properties") != nil {
			o.check(child, childPath, at)
		}
		walkSubschemas(o, child, childPath, depth+1)
	}
	join := func(a, b string) string {
		if a == "" {
			return b
		}
		return a + "." + b
	}
	for _, m := range n.Members {
		switch m.Key {
		case "properties", "$defs", "definitions":
			if m.Value.Kind != schema.Object {
				continue
			}
			for _, pm := range m.Value.Members {
				name := pm.Key
				if m.Key != "properties" {
					name = "#/" + m.Key + "/" + pm.Key
				} else {
					name = join(path, name)
				}
				visit(pm.Value, name, pm.KeyPos)
			}
		case "items":
			visit(m.Value, path+"[]", m.KeyPos)
		case "anyOf", "oneOf":
			if m.Value.Kind != schema.Array {
				continue
			}
			for _, it := range m.Value.Items {
				visit(it, path, it.Pos)
			}
		case "allOf":
			if m.Value.Kind != schema.Array {
				continue
			}
			// A branch of allOf that only adds properties to a closed
			// sibling (often a $ref) is closed by that sibling.
			closed := false
			for _, it := range m.Value.Items {
				if statesModel(o.resolve(it)) {
					closed = true
				}
			}
			for _, it := range m.Value.Items {
				if closed {
					// It and the objects in it narrow the sibling's.
					o.narrowing++
					walkSubschemas(o, it, path, depth+1)
					o.narrowing--
					continue
				}
				visit(it, path, it.Pos)
			}
		}
	}
}
