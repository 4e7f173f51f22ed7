package wire

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Decoder reads received messages (as the adapters give them) into
// generated events.
type Decoder struct {
	Deserializer *Deserializer
	// New returns a new zero event of an event type, or nil when the type
	// is unknown; with generated code:
	// func(t string) wire.Event { if e := events.NewEvent(t); e != nil { return e }; return nil }.
	New func(eventType string) Event
	// Extract returns ctx with the trace context the producer injected
	// into h; with OpenTelemetry pass the propagator:
	// func(ctx context.Context, h *wire.Headers) context.Context { return prop.Extract(ctx, h) }.
	Extract func(ctx context.Context, h *Headers) context.Context
}

// ErrUnknownEventType: a message names an event type New does not know,
// or names none.
var ErrUnknownEventType = errors.New("unknown event type")

// Decode reads m: its evctl-event-type header picks the Go type, the frame
// is checked against the evctl-schema-id header, decoded and validated.
// It fills m's envelope fields from the event and returns the event and a
// context carrying its correlation id (so events published while handling
// it continue its causal chain) and the producer's trace context.
func (d *Decoder) Decode(ctx context.Context, m *Message) (Event, context.Context, error) {
	typ := m.Headers.Get(HeaderEventType)
	if typ == "" {
		typ = m.EventType
	}
	if typ == "" {
		return nil, ctx, fmt.Errorf("decode: %w: the message has no %s header", ErrUnknownEventType, HeaderEventType)
	}
	ev := d.New(typ)
	if ev == nil {
		return nil, ctx, fmt.Errorf("decode: %w %q", ErrUnknownEventType, typ)
	}
	// Header mode (a __value_schema_id header) or the 5-byte prefix, as
	// Confluent's DualSchemaIDDeserializer reads them.
	var idHeader []byte
	if h := m.Headers.Get(ValueSchemaIDHeader); h != "" {
		idHeader = []byte(h)
	}
	ref, _, err := SplitDual(idHeader, m.Value)
	if err != nil {
		return nil, ctx, fmt.Errorf("decode %s: %w", typ, err)
	}
	if h := m.Headers.Get(HeaderSchemaID); h != "" && !ref.IsGUID && h != strconv.FormatUint(uint64(ref.ID), 10) {
		return nil, ctx, fmt.Errorf("decode %s: %w: the frame has schema id %d, the %s header says %s", typ, ErrBadFrame, ref.ID, HeaderSchemaID, h)
	}
	if err := d.Deserializer.DeserializeHeader(ctx, idHeader, m.Value, ev); err != nil {
		return nil, ctx, fmt.Errorf("decode %s: %w", typ, err)
	}
	if !d.Deserializer.Validate {
		if err := ev.Validate(); err != nil {
			return nil, ctx, fmt.Errorf("decode %s: %w: %w", typ, ErrInvalidEvent, err)
		}
	}
	m.EventType = typ
	if ref.IsGUID {
		m.SchemaGUID = ref.GUID
		if id, err := strconv.ParseUint(m.Headers.Get(HeaderSchemaID), 10, 32); err == nil {
			m.SchemaID = uint32(id)
		}
	} else {
		m.SchemaID = ref.ID
	}
	if env, ok := envelopeOf(ev); ok {
		m.EventID, m.CorrelationID, m.OccurredAt = env.EnvelopeEventID(), env.EnvelopeCorrelationID(), env.EnvelopeOccurredAt()
		m.DedupID = m.EventID
	}
	if d.Extract != nil {
		ctx = d.Extract(ctx, &m.Headers)
	}
	if m.CorrelationID != "" {
		ctx = WithCorrelationID(ctx, m.CorrelationID)
	}
	return ev, ctx, nil
}

// ProcessedStore remembers which events a consumer has processed, keyed on
// event_id. MemoryStore is one for a single process; a processed_events
// table in PostgreSQL, written in the transaction of the handler's own
// writes, is the reference (examples/outbox).
type ProcessedStore interface {
	// Process runs fn unless eventID is recorded as processed, and records
	// it when fn succeeds, atomically with fn's own writes where the store
	// can. It returns false, without calling fn, for a processed event.
	Process(ctx context.Context, eventID string, fn func(context.Context) error) (bool, error)
	// Failed records a failed attempt at eventID and returns the number of
	// failed attempts so far.
	Failed(ctx context.Context, eventID string, cause error) (int, error)
}

// Outcome is what IdempotentConsumer.Handle did with a message.
type Outcome int

const (
	// Processed: the handler ran and succeeded; acknowledge.
	Processed Outcome = iota
	// Duplicate: the event was processed before; acknowledge.
	Duplicate
	// Retry: the handler (or the store) failed; do not acknowledge, the
	// broker redelivers.
	Retry
	// DeadLettered: the handler failed MaxAttempts times and the message
	// went to the dead-letter route; acknowledge.
	DeadLettered
)

func (o Outcome) String() string {
	switch o {
	case Processed:
		return "processed"
	case Duplicate:
		return "duplicate"
	case Retry:
		return "retry"
	case DeadLettered:
		return "dead-lettered"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// IdempotentConsumer runs a handler at most once per event_id, and routes
// an event whose handler keeps failing to a dead-letter route.
type IdempotentConsumer struct {
	Store ProcessedStore
	// MaxAttempts is the number of failed attempts after which a message
	// goes to DeadLetter (default 5). Without DeadLetter a failing message
	// is retried for ever: nothing is dropped silently.
	MaxAttempts int
	// DeadLetter receives a message that failed MaxAttempts times, with
	// the last error (for example: publish it to an "<topic>.dlq" topic).
	// When it succeeds the event is recorded as processed.
	DeadLetter func(ctx context.Context, m *Message, cause error) error
}

// Handle runs fn for m unless its event was processed. The error is nil
// for Processed, Duplicate and DeadLettered, and says why for Retry.
func (c *IdempotentConsumer) Handle(ctx context.Context, m *Message, fn func(context.Context) error) (Outcome, error) {
	if m.EventID == "" {
		return Retry, errors.New("idempotent consumer: the message has no event id; decode it first")
	}
	ran, err := c.Store.Process(ctx, m.EventID, fn)
	if err == nil {
		if ran {
			return Processed, nil
		}
		return Duplicate, nil
	}
	n, ferr := c.Store.Failed(ctx, m.EventID, err)
	if ferr != nil {
		return Retry, errors.Join(err, fmt.Errorf("record the failed attempt: %w", ferr))
	}
	max := c.MaxAttempts
	if max <= 0 {
		max = 5
	}
	if c.DeadLetter == nil || n < max {
		return Retry, fmt.Errorf("event %s, attempt %d: %w", m.EventID, n, err)
	}
	if dlErr := c.DeadLetter(ctx, m, err); dlErr != nil {
		return Retry, errors.Join(err, fmt.Errorf("dead-letter event %s: %w", m.EventID, dlErr))
	}
	if _, perr := c.Store.Process(ctx, m.EventID, func(context.Context) error { return nil }); perr != nil {
		return Retry, fmt.Errorf("record dead-lettered event %s as processed: %w", m.EventID, perr)
	}
	return DeadLettered, nil
}

// ErrInProgress: another delivery of the same event is being processed.
var ErrInProgress = errors.New("event is being processed by another delivery")

// MemoryStore is a ProcessedStore in memory, for one process (and tests).
// A second delivery of an event whose first is still running fails with
// ErrInProgress, so the broker redelivers it later.
type MemoryStore struct {
	mu         sync.Mutex
	processed  map[string]time.Time
	inProgress map[string]bool
	failures   map[string]int
}

// Process implements ProcessedStore.
func (s *MemoryStore) Process(ctx context.Context, eventID string, fn func(context.Context) error) (bool, error) {
	s.mu.Lock()
	if s.processed == nil {
		s.processed, s.inProgress, s.failures = map[string]time.Time{}, map[string]bool{}, map[string]int{}
	}
	if _, ok := s.processed[eventID]; ok {
		s.mu.Unlock()
		return false, nil
	}
	if s.inProgress[eventID] {
		s.mu.Unlock()
		return false, fmt.Errorf("event %s: %w", eventID, ErrInProgress)
	}
	s.inProgress[eventID] = true
	s.mu.Unlock()
	err := fn(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inProgress, eventID)
	if err != nil {
		return false, err
	}
	s.processed[eventID] = time.Now()
	return true, nil
}

// Failed implements ProcessedStore.
func (s *MemoryStore) Failed(ctx context.Context, eventID string, cause error) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures == nil {
		s.processed, s.inProgress, s.failures = map[string]time.Time{}, map[string]bool{}, map[string]int{}
	}
	s.failures[eventID]++
	return s.failures[eventID], nil
}
