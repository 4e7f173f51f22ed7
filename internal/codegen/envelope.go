package codegen

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// EnvelopeFile is the name of the file holding the envelope accessors.
const EnvelopeFile = "evctl_envelope.go"

// Envelope names the envelope fields (lint.envelope in evctl.yaml). Empty
// names take the defaults event_id, occurred_at and correlation_id; the
// camelCase forms are found too, as the envelope rule finds them.
type Envelope struct {
	EventID, OccurredAt, CorrelationID string
}

func (e Envelope) withDefaults() Envelope {
	if e.EventID == "" {
		e.EventID = "event_id"
	}
	if e.OccurredAt == "" {
		e.OccurredAt = "occurred_at"
	}
	if e.CorrelationID == "" {
		e.CorrelationID = "correlation_id"
	}
	return e
}

// envelopeMethods are the methods the envelope file declares; a top-level
// field with one of these Go names would collide with it.
var envelopeMethods = []string{
	"EnvelopeEventID", "SetEnvelopeEventID", "EnvelopeOccurredAt", "SetEnvelopeOccurredAt",
	"EnvelopeCorrelationID", "SetEnvelopeCorrelationID", "PartitionKey",
}

type envelopeData struct {
	Package string
	Time    bool // imports time
	Strconv bool // imports strconv
	Events  []envelopeEvent
	Skipped []string // "v1.Foo: why"
}

type envelopeEvent struct {
	Type, GoName string
	// Go field names; OccurredAtString is set when occurred_at is a string.
	EventID, OccurredAt, CorrelationID string
	OccurredAtString                   bool
	// Key is the Go expression of PartitionKey ("" = no method); KeyField
	// the schema field name.
	Key, KeyField string
	KeyGo         string // the Go name of the KeyField
}

// envelopeOf finds the envelope and entity fields of ev in its generated
// struct. ok is false (with the reason) when the event lacks an envelope
// field or one has a Go type the accessors do not support; such an event
// gets no accessors, and wire.Prepare refuses it.
func envelopeOf(ev *schema.Event, f *fileData, env Envelope, entityID func(*schema.Event) string) (e envelopeEvent, why string, err error) {
	if len(f.Types) == 0 || f.Types[0].Kind != "struct" {
		return e, "the event is not a record or object", nil
	}
	st := f.Types[0]
	byName := map[string]fieldDecl{}
	for _, fd := range st.Fields {
		for _, m := range envelopeMethods {
			if fd.Name == m {
				return e, "", fmt.Errorf("top-level field %s collides with the generated envelope method %s; rename the field", fd.Name, m)
			}
		}
		tag := reflect.StructTag(strings.Trim(fd.Tag, "`"))
		key := tag.Get("avro")
		if key == "" {
			key = tag.Get("json")
		}
		key, _, _ = strings.Cut(key, ",")
		byName[key] = fd
	}
	find := func(name string) (fieldDecl, bool) {
		if fd, ok := byName[name]; ok {
			return fd, true
		}
		fd, ok := byName[camelOf(name)]
		return fd, ok
	}
	e = envelopeEvent{Type: ev.Type, GoName: f.GoName}
	id, ok := find(env.EventID)
	if !ok || id.Type != "string" {
		return e, fmt.Sprintf("no required string field %q", env.EventID), nil
	}
	at, ok := find(env.OccurredAt)
	if !ok || (at.Type != "time.Time" && at.Type != "string") {
		return e, fmt.Sprintf("no required timestamp field %q", env.OccurredAt), nil
	}
	corr, ok := find(env.CorrelationID)
	if !ok || corr.Type != "string" {
		return e, fmt.Sprintf("no required string field %q", env.CorrelationID), nil
	}
	e.EventID, e.OccurredAt, e.CorrelationID = id.Name, at.Name, corr.Name
	e.OccurredAtString = at.Type == "string"
	if entityID != nil {
		if fd, ok := byName[entityID(ev)]; ok {
			e.KeyField, e.KeyGo = entityID(ev), fd.Name
			switch fd.Type {
			case "string":
				e.Key = "v." + fd.Name
			case "int64":
				e.Key = "strconv.FormatInt(v." + fd.Name + ", 10)"
			case "int32":
				e.Key = "strconv.FormatInt(int64(v." + fd.Name + "), 10)"
			case "json.Number":
				e.Key = "string(v." + fd.Name + ")"
			default:
				e.KeyField = ""
			}
		}
	}
	return e, "", nil
}

func envelopeDataOf(pkg string, evs []envelopeEvent, skipped []string) envelopeData {
	d := envelopeData{Package: pkg, Events: evs, Skipped: skipped}
	for _, e := range evs {
		d.Time = true
		if strings.HasPrefix(e.Key, "strconv.") {
			d.Strconv = true
		}
	}
	return d
}

// camelOf converts a snake_case name to camelCase (event_id → eventId), as
// the envelope rule accepts both.
func camelOf(name string) string {
	if !strings.Contains(name, "_") {
		return name
	}
	parts := strings.Split(name, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + strings.ToLower(parts[i][1:])
		}
	}
	if len(parts) > 0 {
		parts[0] = strings.ToLower(parts[0])
	}
	return strings.Join(parts, "")
}

// tagEnvelope marks the envelope fields of e's event struct, the first
// type of f, with the evctl struct tags the wire runtime reads
// (wire.TagEventID...) instead of accessor methods (OptimizeSize). A field
// with two roles lists both: evctl:"event-id,partition-key".
func tagEnvelope(f *fileData, e envelopeEvent) {
	roles := map[string][]string{}
	roles[e.EventID] = append(roles[e.EventID], "event-id")
	roles[e.OccurredAt] = append(roles[e.OccurredAt], "occurred-at")
	roles[e.CorrelationID] = append(roles[e.CorrelationID], "correlation-id")
	if e.KeyField != "" {
		roles[e.KeyGo] = append(roles[e.KeyGo], "partition-key")
	}
	for i, fd := range f.Types[0].Fields {
		if r, ok := roles[fd.Name]; ok {
			f.Types[0].Fields[i].Tag = strings.TrimSuffix(fd.Tag, "`") + ` evctl:"` + strings.Join(r, ",") + "\"`"
		}
	}
}
