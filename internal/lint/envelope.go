package lint

import (
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// Envelope requires the envelope fields every event carries.
var Envelope = &Rule{
	ID:      "envelope",
	Doc:     "Every event carries the required envelope fields event_id (a uuid string, the idempotency key), occurred_at (a timestamp) and correlation_id (a string), or their configured names (dotted paths for a nested envelope) or camelCase forms.",
	Default: diag.Error,
	Policy: `Every event carries three envelope fields, required: event_id (a uuid string,
the idempotency key), occurred_at (a timestamp) and correlation_id (a
string). Their names come from lint.envelope in evctl.yaml, and each is also
found in camelCase (eventId). A name may be a dotted path into a nested
envelope, as CloudEvents-shaped payloads have it:
  lint:
    envelope:
      event_id: context.id
      occurred_at: meta.occurred_at
A nested field counts as required only when every object on its path is
required. In JSON Schema the fields are found through allOf branches and
$refs, local and to other catalog files (by path or $id), as Wikimedia's
events take their meta object from a shared fragment: the properties and
"required" of every allOf branch count, merged with their siblings. occurred_at is an Avro timestamp logicalType, a JSON Schema
date-time string, or an epoch integer whose unit is stated (a "unit" or
"x-unit" annotation, a format like "unix-time", or a description like
"milliseconds since the Unix epoch"). A configured name that can never match
a field (an empty path segment, spaces, a JSON pointer "/meta/id", "*", "[")
is rejected when the config is loaded.

What counts as a violation (the policy the corpus labels follow): each of
the three fields, under the names the team configured, is absent, not
required (itself or an object on its path), or of the wrong type. The
envelope is one contract for every event, so consumers can deduplicate and
order generically: an event-specific time (cancelledAt) or id (orderId) is
not the envelope, and a payload that carries its envelope in transport
headers only (GitHub's X-GitHub-Delivery) has none in the schema. Configure
the names once per catalog; the rule then judges every event by them.

Bad:  {"id": {"type": "string"}, "timestamp": {"type": "string", "format": "date-time"}}
      (with the default names)
Good: {"event_id": {"type": "string", "format": "uuid"},
       "occurred_at": {"type": "integer", "x-unit": "ms"},
       "correlation_id": {"type": "string"}}`,
	Bad: `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "v1.OrderPlaced",
  "type": "object",
  "additionalProperties": false,
  "required": ["order_id"],
  "properties": {
    "id": {"type": "string"},
    "timestamp": {"type": "string", "format": "date-time"},
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
	Run: runEnvelope,
}

type envelopeField struct {
	name string
	// ok checks the type; want describes it for Avro and JSON Schema.
	ok                 func(ev *schema.Event, t *schema.Type) bool
	okField            func(ev *schema.Event, f *schema.Field, t *schema.Type) bool
	wantAvro, wantJSON string
	declAvro, declJSON string
}

func envelopeFields(p *Pass) []envelopeField {
	env := p.Config.Lint.Envelope
	return []envelopeField{
		{
			name: env.EventID,
			ok: func(ev *schema.Event, t *schema.Type) bool {
				if t.Kind != schema.KString {
					return false
				}
				if ev.Format == schema.Avro {
					return t.Logical == "uuid"
				}
				return t.Format == "uuid"
			},
			wantAvro: `a string with logicalType "uuid"`, declAvro: `{"type": "string", "logicalType": "uuid"}`,
			wantJSON: `a string with format "uuid"`, declJSON: `{"type": "string", "format": "uuid"}`,
		},
		{
			name: env.OccurredAt,
			ok: func(ev *schema.Event, t *schema.Type) bool {
				if ev.Format == schema.Avro {
					return (t.Kind == schema.KLong || t.Kind == schema.KInt) &&
						(strings.HasPrefix(t.Logical, "timestamp-") || strings.HasPrefix(t.Logical, "local-timestamp-"))
				}
				return t.Kind == schema.KString && t.Format == "date-time"
			},
			// An epoch integer is a timestamp when its unit is stated.
			okField: func(ev *schema.Event, f *schema.Field, t *schema.Type) bool {
				switch t.Kind {
				case schema.KInt, schema.KLong, schema.KInteger:
				default:
					return false
				}
				return f.Unit != "" || unitFormat(t.Format) || docUnit(f.Doc)
			},
			wantAvro: `a timestamp: a long with logicalType "timestamp-millis" or "timestamp-micros"`, declAvro: `{"type": "long", "logicalType": "timestamp-millis"}`,
			wantJSON: `a timestamp: a string with format "date-time"`, declJSON: `{"type": "string", "format": "date-time"}`,
		},
		{
			name: env.CorrelationID,
			ok: func(ev *schema.Event, t *schema.Type) bool {
				return t.Kind == schema.KString
			},
			wantAvro: "a string", declAvro: `"string"`,
			wantJSON: "a string", declJSON: `{"type": "string"}`,
		},
	}
}

func runEnvelope(p *Pass) {
	ev := p.Event
	t := top(ev)
	if t == nil {
		p.Reportf(rootPos(ev), "the event is not a record or object, so it cannot carry the envelope fields")
		return
	}
	avro := ev.Format == schema.Avro
	for _, ef := range envelopeFields(p) {
		f, optional, in := fieldAt(p.Catalog, ev, t, ef.name)
		want, decl := ef.wantJSON, ef.declJSON
		if avro {
			want, decl = ef.wantAvro, ef.declAvro
		}
		if f == nil {
			name := ef.name
			if usesCamel(t) {
				name = camelOf(name)
			}
			p.Reportf(namePos(ev), "missing envelope field %q; add it as a required %s", name, decl)
			continue
		}
		// A field declared in another file (a shared fragment reached
		// through $ref) is reported at the event, naming that file.
		pos, where := f.Pos, ""
		if in != ev {
			pos, where = namePos(ev), fmt.Sprintf(" (declared in %s)", in.Path)
		}
		if optional != "" {
			how := `list it in "required"`
			if avro {
				how = `remove "null" from its type`
			}
			if optional == f.Name {
				shown := f.Name
				if strings.Contains(ef.name, ".") {
					shown = ef.name
				}
				p.Reportf(pos, "envelope field %q%s must be required; %s", shown, where, how)
			} else {
				p.Reportf(pos, "envelope field %q%s is inside %q, which must be required; %s", ef.name, where, optional, how)
			}
		}
		ft := f.Type.NonNull()
		if ft != nil && (ef.ok(ev, ft) || ef.okField != nil && ef.okField(ev, f, ft)) {
			continue
		}
		shown := f.Name
		if strings.Contains(ef.name, ".") {
			shown = ef.name
		}
		if want == "a string" {
			p.Reportf(pos, "envelope field %q%s must be a string", shown, where)
			continue
		}
		if ef.okField != nil {
			p.Reportf(pos, "envelope field %q%s must be %s, like %s, or an epoch integer with its unit stated (%s, a format like \"unix-time\" or a description like \"milliseconds since the epoch\")", shown, where, want, decl, unitAttr(ev))
			continue
		}
		p.Reportf(pos, "envelope field %q%s must be %s, like %s", shown, where, want, decl)
	}
}

// fieldAt finds an envelope field by name or dotted path (context.id), each
// segment as written or in camelCase. It also returns the name of the first
// segment that is not required ("" when all are), and the catalog file that
// declares the field. In JSON Schema it follows allOf branches and $refs,
// local and to other catalog files (by path or $id): a property declared in
// any branch counts, and it is required when any branch lists it.
func fieldAt(cat *schema.Catalog, ev *schema.Event, t *schema.Type, path string) (*schema.Field, string, *schema.Event) {
	segs := strings.Split(path, ".")
	optional := ""
	var f *schema.Field
	if ev.Format == schema.JSONSchema && ev.Root != nil {
		cur := jsonNode{ev, ev.Root}
		for _, seg := range segs {
			f, cur = jsonProperty(cat, cur, seg)
			if f == nil {
				return nil, "", nil
			}
			if !f.Required && optional == "" {
				optional = f.Name
			}
		}
		return f, optional, cur.doc
	}
	cur := t
	for i, seg := range segs {
		f = cur.Field(seg)
		if f == nil {
			f = cur.Field(camelOf(seg))
		}
		if f == nil {
			return nil, "", nil
		}
		if !f.Required && optional == "" {
			optional = f.Name
		}
		if i < len(segs)-1 {
			if cur = record(f.Type); cur == nil {
				return nil, "", nil
			}
		}
	}
	return f, optional, ev
}
