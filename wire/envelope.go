package wire

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Struct tags of the envelope fields of events generated with
// `evctl gen go --optimize size`, which have no accessor methods: the wire
// runtime finds the fields by their evctl tag instead, once per type. A
// field with two roles lists both, separated by a comma.
const (
	TagEventID       = "event-id"
	TagOccurredAt    = "occurred-at"
	TagCorrelationID = "correlation-id"
	TagPartitionKey  = "partition-key"
)

// envelopeOf returns the envelope accessors of ev: its own methods (events
// generated with --optimize speed), or accessors over the fields tagged
// evctl:"event-id", "occurred-at" and "correlation-id" (--optimize size).
func envelopeOf(ev Event) (Enveloped, bool) {
	if env, ok := ev.(Enveloped); ok {
		return env, true
	}
	v, f := taggedFields(ev)
	if f == nil || !f.enveloped {
		return nil, false
	}
	return taggedEnvelope{Event: ev, v: v, f: f}, true
}

// partitionKeyOf returns the partition key of ev (PartitionKey, or the
// field tagged evctl:"partition-key") and whether ev has one.
func partitionKeyOf(ev Event) (string, bool) {
	if k, ok := ev.(Keyed); ok {
		return k.PartitionKey(), true
	}
	v, f := taggedFields(ev)
	if f == nil || f.key == nil {
		return "", false
	}
	k := v.FieldByIndex(f.key)
	switch k.Kind() {
	case reflect.String:
		return k.String(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), true
	}
	return "", false
}

// envelopeFields are the indexes of the tagged fields of a struct type.
type envelopeFields struct {
	id, at, corr, key []int
	atString          bool // occurred-at is an RFC 3339 string, not a time.Time
	enveloped         bool // all three envelope fields are present
}

var envelopeCache sync.Map // reflect.Type -> *envelopeFields (nil: none)

var timeType = reflect.TypeFor[time.Time]()

// taggedFields returns the struct ev points to and its tagged fields, or
// nil when ev is not a pointer to a struct with any.
func taggedFields(ev Event) (reflect.Value, *envelopeFields) {
	v := reflect.ValueOf(ev)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, nil
	}
	t := v.Type().Elem()
	if c, ok := envelopeCache.Load(t); ok {
		return v.Elem(), c.(*envelopeFields)
	}
	var f envelopeFields
	found := false
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		for _, tag := range strings.Split(sf.Tag.Get("evctl"), ",") {
			switch {
			case tag == TagEventID && sf.Type.Kind() == reflect.String:
				f.id, found = sf.Index, true
			case tag == TagCorrelationID && sf.Type.Kind() == reflect.String:
				f.corr, found = sf.Index, true
			case tag == TagOccurredAt && (sf.Type == timeType || sf.Type.Kind() == reflect.String):
				f.at, f.atString, found = sf.Index, sf.Type != timeType, true
			case tag == TagPartitionKey:
				switch sf.Type.Kind() {
				case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
					f.key, found = sf.Index, true
				}
			}
		}
	}
	f.enveloped = f.id != nil && f.at != nil && f.corr != nil
	var fp *envelopeFields
	if found {
		fp = &f
	}
	envelopeCache.Store(t, fp)
	return v.Elem(), fp
}

// taggedEnvelope is Enveloped over the tagged fields of an event, with the
// semantics of the generated accessors: an occurred-at string reads as the
// zero time when it is empty or not an RFC 3339 date-time, and is written
// as an RFC 3339 date-time in UTC.
type taggedEnvelope struct {
	Event
	v reflect.Value
	f *envelopeFields
}

func (e taggedEnvelope) EnvelopeEventID() string { return e.v.FieldByIndex(e.f.id).String() }

func (e taggedEnvelope) SetEnvelopeEventID(id string) { e.v.FieldByIndex(e.f.id).SetString(id) }

func (e taggedEnvelope) EnvelopeOccurredAt() time.Time {
	at := e.v.FieldByIndex(e.f.at)
	if !e.f.atString {
		return at.Interface().(time.Time)
	}
	t, err := time.Parse(time.RFC3339Nano, at.String())
	if err != nil {
		return time.Time{}
	}
	return t
}

func (e taggedEnvelope) SetEnvelopeOccurredAt(t time.Time) {
	at := e.v.FieldByIndex(e.f.at)
	if !e.f.atString {
		at.Set(reflect.ValueOf(t))
		return
	}
	at.SetString(t.UTC().Format(time.RFC3339Nano))
}

func (e taggedEnvelope) EnvelopeCorrelationID() string { return e.v.FieldByIndex(e.f.corr).String() }

func (e taggedEnvelope) SetEnvelopeCorrelationID(id string) {
	e.v.FieldByIndex(e.f.corr).SetString(id)
}
