package lint

import (
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// ImmutableCorrections requires corrections to be new events that reference the original.
var ImmutableCorrections = &Rule{
	ID:      "immutable-corrections",
	Doc:     "Events are immutable facts, so a mistake is fixed by a …Corrected event that references the original by a required corrects_event_id, never by in-band correction flags.",
	Default: diag.Error,
	Policy: `An event is never edited after it is published. A correction is its own
event, named <Entity><Corrected|Amended|Adjusted|Reversed|Revised|Voided|
Retracted|Rectified>, that references the event it corrects by a required
string field corrects_event_id or original_event_id (camelCase too, and
lint.correction_fields). An ordinary event must not carry in-band
correction flags (is_correction, corrected, amended, reversal, ...). An
"x-corrects" (JSON Schema) or "corrects" (Avro) annotation must name an event
of the catalog. Not measured on the corpus: no public catalog we found
publishes correction events.

Bad:  OrderPlaced with "is_correction": {"type": "boolean"}
Good: OrderCorrected with a required "corrects_event_id": {"type": "string"}`,
	Bad: `{
  "type": "record",
  "name": "OrderCorrected",
  "namespace": "com.acme.orders.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "order_id", "type": "string"},
    {"name": "total_cents", "type": "long"}
  ]
}
`,
	Good: `{
  "type": "record",
  "name": "OrderCorrected",
  "namespace": "com.acme.orders.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "corrects_event_id", "type": "string"},
    {"name": "order_id", "type": "string"},
    {"name": "total_cents", "type": "long"}
  ]
}
`,
	Run: runImmutableCorrections,
}

// correctionVerbs end the names of correction events.
var correctionVerbs = []string{"Corrected", "Amended", "Adjusted", "Reversed", "Revised", "Voided", "Retracted", "Rectified"}

// defaultCorrectionFields name the reference to the corrected event.
var defaultCorrectionFields = []string{"corrects_event_id", "original_event_id", "correctsEventId", "originalEventId"}

// inBandFlags are correction markers on ordinary events, compared in
// snake_case.
var inBandFlags = map[string]bool{
	"correction": true, "is_correction": true, "corrected": true, "is_corrected": true,
	"corrects": true, "corrects_event_id": true, "correction_of": true,
	"amended": true, "is_amended": true, "amends": true, "amendment": true, "is_amendment": true,
	"adjusted": true, "is_adjusted": true, "is_adjustment": true,
	"reversed": true, "is_reversed": true, "reversal": true, "is_reversal": true,
	"revised": true, "is_revised": true,
	"voided": true, "is_voided": true, "is_void": true,
	"retracted": true, "is_retracted": true, "retraction": true,
	"rectified": true, "is_rectified": true,
}

func isCorrectionName(name string) bool {
	words := splitWords(name)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	for _, v := range correctionVerbs {
		if last == v {
			return true
		}
	}
	return false
}

func runImmutableCorrections(p *Pass) {
	ev := p.Event
	t := top(ev)
	checkCorrectsTarget(p)
	if t == nil {
		return
	}
	if isCorrectionName(ev.Stem) {
		names := append([]string{}, defaultCorrectionFields...)
		for _, n := range p.Config.Lint.CorrectionFields {
			names = append(names, n, camelOf(n))
		}
		var found *schema.Field
		for _, n := range names {
			if f := t.Field(n); f != nil {
				found = f
				break
			}
		}
		want := fieldStyle(t, []string{"corrects", "event", "id"})
		switch {
		case found == nil:
			p.Reportf(namePos(ev), "correction event %q must reference the event it corrects; add a required string field %q", ev.Stem, want)
		case !found.Required:
			p.Reportf(found.Pos, "correction reference %q must be required: every correction names the event it corrects", found.Name)
		case found.Type.NonNull().Kind != schema.KString:
			p.Reportf(found.Pos, "correction reference %q must be a string holding the corrected event's event_id, not %s", found.Name, kindName(found.Type))
		}
		return
	}
	for _, f := range t.Fields {
		if inBandFlags[snake(splitWords(f.Name))] {
			p.Reportf(f.Pos, "field %q marks a correction in-band, but events are immutable; publish a separate %q event that references the original by %q", f.Name, correctionEventName(ev.Stem), fieldStyle(t, []string{"corrects", "event", "id"}))
		}
	}
}

// correctionEventName proposes the correction event for an event:
// OrderPlaced → OrderCorrected.
func correctionEventName(name string) string {
	en := parseEventName(name)
	ent := en.Entity()
	if !en.Past || len(ent) == 0 {
		return name + "Corrected"
	}
	return pascal(ent) + "Corrected"
}

// checkCorrectsTarget checks x-corrects (JSON Schema) or corrects (Avro).
func checkCorrectsTarget(p *Pass) {
	ev := p.Event
	key := "x-corrects"
	if ev.Format == schema.Avro {
		key = "corrects"
	}
	n := ev.Root.Get(key)
	if n == nil {
		return
	}
	target, ok := n.StringValue()
	if !ok || target == "" {
		p.Reportf(n.Pos, "%q must be a string naming the corrected event type, such as %q", key, fmt.Sprintf("v%d.%s", max(ev.Version, 1), "OrderPlaced"))
		return
	}
	if target == ev.Type {
		p.Reportf(n.Pos, "%q names this event itself; name the event type it corrects", key)
		return
	}
	if p.Catalog.ByType(p.Event.Domain, target) != nil {
		return
	}
	if hint := correctsHint(p.Catalog, ev, target); hint != "" {
		p.Reportf(n.Pos, "%q names %q, which is not an event type of the catalog; did you mean %q?", key, target, hint)
		return
	}
	p.Reportf(n.Pos, "%q names %q, which is not an event type of the catalog; name an existing event type as v<N>.<Name>", key, target)
}

// correctsHint finds the event type a dangling reference probably means:
// a bare or fully qualified name whose last part is the stem of a catalog
// event, preferring the event's own version.
func correctsHint(cat *schema.Catalog, ev *schema.Event, target string) string {
	stem := target
	if i := strings.LastIndex(stem, "."); i >= 0 {
		stem = stem[i+1:]
	}
	var best string
	for _, e := range cat.Events {
		if e == ev || !strings.EqualFold(e.Stem, stem) {
			continue
		}
		if e.Version == ev.Version {
			return e.Type
		}
		if best == "" {
			best = e.Type
		}
	}
	return best
}

func kindName(t *schema.Type) string {
	t = t.NonNull()
	if t == nil {
		return "nothing"
	}
	k := string(t.Kind)
	switch k[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + k
	}
	return "a " + k
}
