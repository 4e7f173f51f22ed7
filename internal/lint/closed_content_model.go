package lint

import (
	"fmt"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// ClosedContentModel asks JSON Schema events to close their objects.
var ClosedContentModel = &Rule{
	ID:      "closed-content-model",
	Doc:     "JSON Schema objects set \"additionalProperties\": false, because under Confluent's compatibility rules adding an optional property to an open content model is a breaking change.",
	Default: diag.Warning,
	Types:   true,
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
	if top(p.Event) != nil || root.Get("properties") != nil {
		checkClosed(p, root, "", at)
	}
	walkSubschemas(p, root, "", 0)
}

// checkClosed reports an object schema whose content model is open. path
// names a nested object ("" for the event itself).
func checkClosed(p *Pass, n *schema.Node, path string, at schema.Pos) {
	for _, kw := range []string{"additionalProperties", "unevaluatedProperties"} {
		if v := n.Get(kw); v != nil && v.Kind == schema.Bool && !v.Bool {
			return
		}
	}
	what := "the event schema"
	if path != "" {
		what = fmt.Sprintf("object %q", path)
	}
	if v := n.Get("additionalProperties"); v != nil {
		p.Reportf(v.Pos, "%s sets \"additionalProperties\" to something other than false; set it to false: %s", what, openModelWhy)
		return
	}
	p.Reportf(at, "%s does not set \"additionalProperties\": false; add it: %s", what, openModelWhy)
}

// walkSubschemas checks the nested object schemas that declare properties.
func walkSubschemas(p *Pass, n *schema.Node, path string, depth int) {
	if n == nil || n.Kind != schema.Object || depth > 64 {
		return
	}
	visit := func(child *schema.Node, childPath string, at schema.Pos) {
		if child == nil || child.Kind != schema.Object {
			return
		}
		if child.Get("properties") != nil {
			checkClosed(p, child, childPath, at)
		}
		walkSubschemas(p, child, childPath, depth+1)
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
		}
	}
}
