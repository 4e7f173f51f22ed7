package lint

import (
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// SingleEntity requires an event to identify its one entity and reference others by id.
var SingleEntity = &Rule{
	ID:      "single-entity",
	Doc:     "An event is about one entity, the event name minus its verb, which it identifies by a required top-level <entity>_id, and it references other entities by id instead of embedding them.",
	Default: diag.Error,
	Bad: `{
  "type": "record",
  "name": "OrderPlaced",
  "namespace": "com.acme.orders.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "order_id", "type": "string"},
    {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
      {"name": "customer_id", "type": "string"},
      {"name": "email", "type": "string"}
    ]}}
  ]
}
`,
	Good: `{
  "type": "record",
  "name": "OrderPlaced",
  "namespace": "com.acme.orders.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "order_id", "type": "string"},
    {"name": "customer_id", "type": "string"},
    {"name": "shipping_address", "type": {"type": "record", "name": "Address", "fields": [
      {"name": "street", "type": "string"},
      {"name": "city", "type": "string"},
      {"name": "postal_code", "type": "string"}
    ]}}
  ]
}
`,
	Run: runSingleEntity,
}

func runSingleEntity(p *Pass) {
	ev := p.Event
	t := top(ev)
	if t == nil {
		return
	}
	// The entity is only known when the name ends in a past-tense verb;
	// past-tense reports the others.
	if en := parseEventName(ev.Stem); en.Past && len(en.Entity()) > 0 {
		ent := en.Entity()
		idWords := append(append([]string{}, ent...), "id")
		snakeID, camelID := snake(idWords), camel(idWords)
		f := t.Field(snakeID)
		if f == nil {
			f = t.Field(camelID)
		}
		switch {
		case f == nil:
			want, alt := snakeID, camelID
			if usesCamel(t) {
				want, alt = camelID, snakeID
			}
			p.Reportf(namePos(ev), "event %q is about one %s, so it needs a required top-level identifier %q (or %q); add it", ev.Stem, pascal(ent), want, alt)
		case !f.Required:
			p.Reportf(f.Pos, "identifier %q of the event's entity %s must be required", f.Name, pascal(ent))
		}
	}
	checkEmbedded(p, t, 0)
}

// checkEmbedded reports fields of rec that hold entities (records with
// their own identifier) and descends into value objects.
func checkEmbedded(p *Pass, rec *schema.Type, depth int) {
	if depth > 32 {
		return
	}
	for _, f := range rec.Fields {
		for _, c := range containedRecords(f.Type, false, 0) {
			words := splitWords(f.Name)
			if c.many && len(words) > 0 {
				words[len(words)-1] = singular(words[len(words)-1])
			}
			if id := entityID(c.rec, words); id != "" {
				ref := append(append([]string{}, words...), "id")
				if c.many {
					ref[len(ref)-1] = "ids"
				}
				if c.many {
					p.Reportf(f.Pos, "field %q embeds %s entities, which carry their own identifier %q; reference them by id instead, e.g. with a field %q", f.Name, spaced(words), id, fieldStyle(rec, ref))
				} else {
					p.Reportf(f.Pos, "field %q embeds the %s entity, which carries its own identifier %q; reference it by id instead, e.g. with a field %q", f.Name, spaced(words), id, fieldStyle(rec, ref))
				}
				continue
			}
			checkEmbedded(p, c.rec, depth+1)
		}
	}
}

type contained struct {
	rec  *schema.Type
	many bool // reached through an array or map
}

// containedRecords lists the records a field type holds: itself, union
// branches, array items and map values.
func containedRecords(t *schema.Type, many bool, depth int) []contained {
	if t == nil || depth > 8 {
		return nil
	}
	switch t.Kind {
	case schema.KRecord:
		if t.Recursive {
			return nil
		}
		return []contained{{t, many}}
	case schema.KUnion:
		var out []contained
		for _, b := range t.Branches {
			out = append(out, containedRecords(b, many, depth+1)...)
		}
		return out
	case schema.KArray:
		return containedRecords(t.Items, true, depth+1)
	case schema.KMap:
		return containedRecords(t.Values, true, depth+1)
	}
	return nil
}

// entityID returns the field that identifies rec as an entity: "id", or
// <name>_id / <name>Id where name is the field's name or the record's own.
func entityID(rec *schema.Type, fieldWords []string) string {
	cands := []string{"id", "ID", "Id"}
	for _, words := range [][]string{fieldWords, splitWords(recordName(rec))} {
		if len(words) == 0 {
			continue
		}
		w := append(append([]string{}, words...), "id")
		cands = append(cands, snake(w), camel(w), camel(words)+"ID")
	}
	for _, c := range cands {
		if rec.Field(c) != nil {
			return c
		}
	}
	return ""
}

// recordName is the Avro record name or the JSON Schema title of rec,
// without a namespace or version prefix.
func recordName(rec *schema.Type) string {
	n := rec.Name
	if i := strings.LastIndex(n, "."); i >= 0 {
		n = n[i+1:]
	}
	return n
}

// spaced joins words in lower case with spaces: shipping label.
func spaced(words []string) string {
	return strings.ReplaceAll(snake(words), "_", " ")
}

// singular makes an English plural singular: lines → line, addresses →
// address, categories → category.
func singular(w string) string {
	lw := strings.ToLower(w)
	switch {
	case strings.HasSuffix(lw, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(lw, "sses"), strings.HasSuffix(lw, "xes"), strings.HasSuffix(lw, "zes"),
		strings.HasSuffix(lw, "ches"), strings.HasSuffix(lw, "shes"):
		return w[:len(w)-2]
	case strings.HasSuffix(lw, "s") && !strings.HasSuffix(lw, "ss") && !strings.HasSuffix(lw, "us") && len(w) > 3:
		return w[:len(w)-1]
	}
	return w
}
