package lint

import (
	"strings"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// SingleEntity requires an event to identify its one entity and reference others by id.
var SingleEntity = &Rule{
	ID:      "single-entity",
	Doc:     "An event is about one entity, the event name minus its verb, which it identifies by a required <entity>_id or by carrying the entity itself, and it references other entities by id instead of embedding them.",
	Default: diag.Error,
	Policy: `An event is about one entity: the words of its name before the verb
(Order in OrderPlaced, CheckRun in CheckRunCompleted). The event identifies
it by a required top-level <entity>_id (or camelCase), by an id for the
first words of the entity (page_id for PageLinksChanged), or by carrying the
entity itself as an object named after it or after its last or first words
(issue for IssuesOpened, comment for PullRequestReviewCommentCreated,
installation for InstallationRepositoriesAdded), also one level down in
data, payload, body, detail or object, or by the only top-level object that
holds <entity>_id.

Other entities are referenced by id, not embedded. An object is an embedded
entity when it carries its own identifier (id, <field>_id, <Record>Id) and
other data. The rule accepts:
  - the event's own entity, embedded, and keeps looking inside it for the
    other entities it embeds (order.customer is reported);
  - a reference: an object of identifying fields only ({id}, {id, type},
    {id, url}, a role name with an id: performer: {user_id}), or an order
    line {item_id, quantity};
  - metadata objects, which it does not look into: meta, metadata,
    context, request, headers, tracing, trace, envelope, links;
  - value objects without an id (shipping_address), inside which it keeps
    looking.
Log and snapshot events that carry whole entities on purpose are exempted in
evctl.yaml with a reason:
  lint:
    single_entity:
      exempt:
        - event: CatalogSnapshotTaken
          reason: daily snapshot for the search indexer

Bad:  OrderPlaced with "customer": {"customer_id": ..., "email": ...}
Good: OrderPlaced with "customer_id", or "order": {"id": ..., "status": ...},
      or "performer": {"user_id": ...}`,
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
	if t == nil || singleEntityExempt(p.Config, ev.Stem) {
		return
	}
	var own *schema.Type
	if en := parseEventName(ev.Stem); en.Past && len(en.Entity()) > 0 {
		ent := en.Entity()
		var idField *schema.Field
		idField, own = ownEntity(t, ent)
		switch {
		case idField == nil && own == nil:
			idWords := append(append([]string{}, ent...), "id")
			snakeID, camelID := snake(idWords), camel(idWords)
			want, alt := snakeID, camelID
			if usesCamel(t) {
				want, alt = camelID, snakeID
			}
			p.Reportf(namePos(ev), "event %q is about one %s, so it needs a required top-level identifier %q (or %q), or the %s itself as an object with its id; add it", ev.Stem, pascal(ent), want, alt, spaced(ent))
		case idField != nil && !idField.Required:
			p.Reportf(idField.Pos, "identifier %q of the event's entity %s must be required", idField.Name, pascal(ent))
		}
	}
	checkEmbedded(p, t, own, 0)
}

// singleEntityExempt reports an event the config exempts (log or snapshot
// events that carry whole entities on purpose).
func singleEntityExempt(c *config.Config, name string) bool {
	for _, e := range c.Lint.SingleEntity.Exempt {
		if e.Event == name {
			return true
		}
	}
	return false
}

// ownEntity finds how an event identifies its entity (the words of its name
// before the verb): a top-level <entity>_id, or an id for a prefix of the
// entity words (page_id for PageLinksChanged), or the entity itself as an
// object named after it or after its last or first words (issue for
// IssuesOpened, comment for PullRequestReviewCommentCreated, installation
// for InstallationRepositoriesAdded), one level down in an envelope-like
// object too (data.order), or the only top-level object that holds the
// entity's id. It returns the id field or the entity's record.
func ownEntity(t *schema.Type, ent []string) (*schema.Field, *schema.Type) {
	for k := len(ent); k >= 1; k-- {
		if f := fieldByWords(t, append(append([]string{}, ent[:k]...), "id")); f != nil {
			return f, nil
		}
	}
	// The words that may name the entity's object: the entity words, their
	// last words (comment for PullRequestReviewComment) and their first
	// words (installation for InstallationRepositories), also singular.
	var names [][]string
	for k := 0; k < len(ent); k++ {
		names = append(names, ent[k:])
	}
	for k := len(ent) - 1; k >= 1; k-- {
		names = append(names, ent[:k])
	}
	find := func(rec *schema.Type) *schema.Type {
		for _, words := range names {
			for _, ws := range [][]string{words, singularWords(words)} {
				if f := fieldByWords(rec, ws); f != nil {
					if r := record(f.Type); r != nil {
						return r
					}
				}
			}
		}
		return nil
	}
	if r := find(t); r != nil {
		return nil, r
	}
	// The only top-level object holding the entity's id.
	var holder *schema.Type
	for _, f := range t.Fields {
		if r := record(f.Type); r != nil && fieldByWords(r, append(append([]string{}, ent...), "id")) != nil {
			if holder != nil {
				holder = nil
				break
			}
			holder = r
		}
	}
	if holder != nil {
		return nil, holder
	}
	for _, f := range t.Fields {
		if r := record(f.Type); r != nil && envelopeNames[strings.ToLower(f.Name)] {
			if r := find(r); r != nil {
				return nil, r
			}
			for k := len(ent); k >= 1; k-- {
				if id := fieldByWords(r, append(append([]string{}, ent[:k]...), "id")); id != nil {
					return id, nil
				}
			}
		}
	}
	return nil, nil
}

// fieldByWords finds the field named by words in snake_case or camelCase.
func fieldByWords(t *schema.Type, words []string) *schema.Field {
	if f := t.Field(snake(words)); f != nil {
		return f
	}
	if f := t.Field(camel(words)); f != nil {
		return f
	}
	return t.Field(camel(words[:len(words)-1]) + "ID")
}

func singularWords(words []string) []string {
	out := append([]string{}, words...)
	out[len(out)-1] = singular(out[len(out)-1])
	return out
}

// envelopeNames are objects that wrap the payload (data, payload) and may
// hold the event's entity.
var envelopeNames = map[string]bool{"data": true, "payload": true, "body": true, "detail": true, "object": true}

// metadataNames are objects of metadata, not entities: the rule does not
// look into them.
var metadataNames = map[string]bool{
	"meta": true, "metadata": true, "_meta": true, "context": true, "request": true,
	"headers": true, "header": true, "tracing": true, "trace": true, "tracecontext": true,
	"envelope": true, "_links": true, "links": true, "extensions": true,
}

// checkEmbedded reports the entities a record embeds instead of
// referencing them by id. The event's own entity (own) is accepted
// embedded, and the rule keeps looking inside it; a metadata object is
// skipped; an object that holds only identifying fields ({id}, {id,
// type}, {id, url}) is a reference, which is what the rule asks for.
func checkEmbedded(p *Pass, rec, own *schema.Type, depth int) {
	embedded(rec, own, 0, func(rec *schema.Type, f *schema.Field, c contained, words []string, id string) {
		ref := append(append([]string{}, words...), "id")
		if c.many {
			ref[len(ref)-1] = "ids"
			p.Reportf(f.Pos, "field %q embeds %s entities, which carry their own identifier %q; reference them by id instead, e.g. with a field %q", f.Name, spaced(words), id, fieldStyle(rec, ref))
			return
		}
		p.Reportf(f.Pos, "field %q embeds the %s entity, which carries its own identifier %q; reference it by id instead, e.g. with a field %q", f.Name, spaced(words), id, fieldStyle(rec, ref))
	})
}

// embeddedIn returns the records of the entities an event embeds, as
// single-entity reports them (nil when the rule is off).
func embeddedIn(p *Pass) map[*schema.Type]bool {
	t := top(p.Event)
	if t == nil || Severity(p.Config, SingleEntity) == diag.Off || singleEntityExempt(p.Config, p.Event.Stem) {
		return nil
	}
	var own *schema.Type
	if en := parseEventName(p.Event.Stem); en.Past && len(en.Entity()) > 0 {
		_, own = ownEntity(t, en.Entity())
	}
	var out map[*schema.Type]bool
	embedded(t, own, 0, func(_ *schema.Type, _ *schema.Field, c contained, _ []string, _ string) {
		if out == nil {
			out = map[*schema.Type]bool{}
		}
		out[c.rec] = true
	})
	return out
}

// embedded calls found for every entity rec embeds (see checkEmbedded).
func embedded(rec, own *schema.Type, depth int, found func(rec *schema.Type, f *schema.Field, c contained, words []string, id string)) {
	if depth > 32 {
		return
	}
	for _, f := range rec.Fields {
		if metadataNames[strings.ToLower(f.Name)] {
			continue
		}
		for _, c := range containedRecords(f.Type, false, 0) {
			if c.rec == own && own != nil {
				embedded(c.rec, nil, depth+1, found)
				continue
			}
			words := splitWords(f.Name)
			if c.many && len(words) > 0 {
				words[len(words)-1] = singular(words[len(words)-1])
			}
			id := entityID(c.rec, words)
			if id == "" {
				embedded(c.rec, own, depth+1, found)
				continue
			}
			if !isReference(c.rec) {
				found(rec, f, c, words, id)
			}
		}
	}
}

// isReference reports a record that only identifies something: every field
// is an id, a type or kind, or a link (url, href, uri), or a quantity of it
// (an order line {item_id, quantity}).
func isReference(rec *schema.Type) bool {
	if len(rec.Fields) == 0 {
		return false
	}
	for _, f := range rec.Fields {
		ws := splitWords(f.Name)
		last := strings.ToLower(ws[len(ws)-1])
		switch last {
		case "id", "ids", "type", "kind", "url", "uri", "href", "urn", "arn", "self", "version",
			"quantity", "qty", "count":
			continue
		}
		if strings.HasSuffix(f.Name, "ID") || strings.HasSuffix(f.Name, "Id") {
			continue
		}
		return false
	}
	return true
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
