package wire

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Enveloped is implemented by generated events that carry the envelope
// fields named by lint.envelope in evctl.yaml (`evctl gen go` writes the
// accessors into evctl_envelope.go). Events generated with --optimize size
// have no accessors: their envelope fields carry evctl struct tags
// (TagEventID...), which Prepare and Decoder read instead.
type Enveloped interface {
	Event
	EnvelopeEventID() string
	SetEnvelopeEventID(string)
	EnvelopeOccurredAt() time.Time
	SetEnvelopeOccurredAt(time.Time)
	EnvelopeCorrelationID() string
	SetEnvelopeCorrelationID(string)
}

// Keyed is implemented by generated events whose schema identifies the one
// entity the event is about (order_id for OrderPlaced); with --optimize
// size that field is tagged evctl:"partition-key" instead.
type Keyed interface {
	PartitionKey() string
}

// Header names of a prepared message. Every adapter writes them (as Kafka
// record headers, NATS headers or SQS/SNS message attributes), so a
// consumer, `evctl wire decode` or a person looking at a message can tell
// what it holds without decoding it.
const (
	HeaderEventType     = "evctl-event-type"
	HeaderSchemaID      = "evctl-schema-id"
	HeaderEventID       = "evctl-event-id"
	HeaderCorrelationID = "evctl-correlation-id"
	HeaderContentType   = "content-type"
	// W3C Trace Context, written by the caller's propagator.
	HeaderTraceparent = "traceparent"
	HeaderTracestate  = "tracestate"
)

// Content types of the payload inside the frame.
const (
	ContentTypeAvro = "application/avro"
	ContentTypeJSON = "application/json"
)

// ErrNoEnvelope: the event has no envelope accessors or tags (its schema lacks an
// envelope field, or the code was generated before evctl had them).
var ErrNoEnvelope = errors.New("event has no envelope accessors or evctl envelope tags")

// Header is one message header.
type Header struct {
	Key, Value string
}

// Headers are a message's headers in order. *Headers has the method set of
// OpenTelemetry's propagation.TextMapCarrier, so an OTel propagator can
// inject into and extract from it directly.
type Headers []Header

// Get returns the value of the first header named key (case-insensitive,
// as HTTP and NATS header names are), or "".
func (h *Headers) Get(key string) string {
	for _, x := range *h {
		if equalFold(x.Key, key) {
			return x.Value
		}
	}
	return ""
}

// Set replaces the headers named key with one holding value.
func (h *Headers) Set(key, value string) {
	out := (*h)[:0]
	set := false
	for _, x := range *h {
		if equalFold(x.Key, key) {
			if set {
				continue
			}
			x.Value, set = value, true
		}
		out = append(out, x)
	}
	if !set {
		out = append(out, Header{Key: key, Value: value})
	}
	*h = out
}

// Keys returns the header names.
func (h *Headers) Keys() []string {
	keys := make([]string, len(*h))
	for i, x := range *h {
		keys[i] = x.Key
	}
	return keys
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Message is a prepared event, ready for any broker: what every adapter
// needs, and nothing broker-specific.
type Message struct {
	// Key is the partition key: the event's entity id (PartitionKey), or
	// nil when the event has none.
	Key []byte
	// Value is the Confluent frame: 0x00, the schema id, the payload; in
	// header mode (SchemaGUID set) the bare payload, and the headers hold
	// __value_schema_id. It is binary: never put it raw into a text body
	// (SQS, SNS).
	Value []byte
	// Headers hold the evctl-* headers, content-type and the trace
	// context.
	Headers Headers
	// DedupID is the broker's deduplication id: the event id.
	DedupID string
	// GroupID orders messages (SQS/SNS FIFO MessageGroupId): the entity
	// id, or the event type when the event has none.
	GroupID string
	// ContentType is the media type of the payload inside the frame.
	ContentType string
	EventType   string
	SchemaID    uint32
	// SchemaGUID is the schema GUID in header mode (zero otherwise).
	SchemaGUID GUID
	// EventID, CorrelationID and OccurredAt are the envelope as sent.
	EventID       string
	CorrelationID string
	OccurredAt    time.Time
}

// Payload returns the frame without its header (JSON text for JSON Schema
// events, Avro binary for Avro events).
func (m *Message) Payload() []byte {
	if !m.SchemaGUID.IsZero() {
		return m.Value
	}
	if len(m.Value) < HeaderSize {
		return nil
	}
	return m.Value[HeaderSize:]
}

type correlationKey struct{}

// WithCorrelationID returns a context whose events carry correlation id
// id (Prepare fills it into events that have none).
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationIDFrom returns the correlation id ctx carries, if any.
func CorrelationIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(correlationKey{}).(string)
	return id, ok && id != ""
}

// NewEventID returns a new random UUID (version 7: a millisecond timestamp
// then 74 random bits, so ids sort by creation time, which keeps the index
// of a processed_events table compact).
func NewEventID() string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	ms := uint64(time.Now().UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// Preparer turns events into Messages: it fills the envelope, validates,
// frames and adds the headers. It is safe for concurrent use; schema ids
// are resolved once per event type.
type Preparer struct {
	Registry Registry
	// AutoRegister registers unknown schemas (see SerializerOptions).
	AutoRegister bool
	// Subject overrides the subject of an event type ("" = Subject()).
	Subject func(Event) string
	// Inject writes the trace context of ctx into the headers, as W3C
	// traceparent and tracestate; with OpenTelemetry pass the caller's
	// propagator: func(ctx context.Context, h *wire.Headers) { prop.Inject(ctx, h) }.
	// Nil writes no trace context.
	Inject func(ctx context.Context, h *Headers)
	// SchemaIDHeader selects header mode (see SerializerOptions): Value is
	// the bare payload and the schema GUID goes in a __value_schema_id
	// header (binary: 0x01 and 16 bytes, for Kafka record headers). The
	// Registry must be a GUIDRegistry.
	SchemaIDHeader bool
	// Now returns the time filled into an empty occurred_at (time.Now
	// when nil).
	Now func() time.Time

	mu   sync.Mutex
	sers map[string]*Serializer
}

// Serializer returns the serializer of ev's event type, resolving its
// schema id on first use.
func (p *Preparer) Serializer(ctx context.Context, ev Event) (*Serializer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.sers[ev.EventType()]; ok {
		return s, nil
	}
	opts := SerializerOptions{AutoRegister: p.AutoRegister, SchemaIDHeader: p.SchemaIDHeader}
	if p.Subject != nil {
		opts.Subject = p.Subject(ev)
	}
	s, err := NewSerializer(ctx, p.Registry, ev, opts)
	if err != nil {
		return nil, err
	}
	if p.sers == nil {
		p.sers = map[string]*Serializer{}
	}
	p.sers[ev.EventType()] = s
	return s, nil
}

// Prepare fills the envelope of ev, validates it and frames it. It sets
// event_id only when it is empty, so preparing the same event again (a
// retry) keeps its id and the broker and consumers see a duplicate, not a
// new event; it sets occurred_at when it is zero, and correlation_id when
// it is empty, from ctx (WithCorrelationID) or a new id that starts a new
// causal chain. An invalid event is not framed: the error wraps
// ErrInvalidEvent.
func (p *Preparer) Prepare(ctx context.Context, ev Event) (*Message, error) {
	env, ok := envelopeOf(ev)
	if !ok {
		return nil, fmt.Errorf("prepare %s: %w; regenerate the code with `evctl gen go` and check that the schema passes the envelope rule", ev.EventType(), ErrNoEnvelope)
	}
	if env.EnvelopeEventID() == "" {
		env.SetEnvelopeEventID(NewEventID())
	}
	if env.EnvelopeOccurredAt().IsZero() {
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		env.SetEnvelopeOccurredAt(now().UTC())
	}
	if env.EnvelopeCorrelationID() == "" {
		id, ok := CorrelationIDFrom(ctx)
		if !ok {
			id = NewEventID()
		}
		env.SetEnvelopeCorrelationID(id)
	}
	s, err := p.Serializer(ctx, ev)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", ev.EventType(), err)
	}
	value, err := s.Append(nil, ev)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", ev.EventType(), err)
	}
	m := &Message{
		Value:         value,
		EventType:     ev.EventType(),
		SchemaID:      s.ID(),
		SchemaGUID:    s.GUID(),
		EventID:       env.EnvelopeEventID(),
		CorrelationID: env.EnvelopeCorrelationID(),
		OccurredAt:    env.EnvelopeOccurredAt(),
		ContentType:   ContentTypeJSON,
	}
	if ev.SchemaType() == "AVRO" {
		m.ContentType = ContentTypeAvro
	}
	m.DedupID = m.EventID
	m.GroupID = m.EventType
	if k, ok := partitionKeyOf(ev); ok && k != "" {
		m.Key = []byte(k)
		m.GroupID = k
	}
	m.Headers = make(Headers, 0, 8)
	m.Headers = append(m.Headers,
		Header{HeaderEventType, m.EventType},
		Header{HeaderSchemaID, strconv.FormatUint(uint64(m.SchemaID), 10)},
		Header{HeaderEventID, m.EventID},
		Header{HeaderCorrelationID, m.CorrelationID},
		Header{HeaderContentType, m.ContentType},
	)
	if k := s.HeaderKey(); k != "" {
		m.Headers = append(m.Headers, Header{k, string(s.HeaderValue())})
	}
	if p.Inject != nil {
		p.Inject(ctx, &m.Headers)
	}
	return m, nil
}
