package wire_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/internal/wiretest"
)

// tagged is an event the way gen go --optimize size writes one: no
// accessors, evctl tags on the envelope fields; its id is also its
// partition key, and occurred_at is an RFC 3339 string.
type tagged struct {
	ID   string `json:"id" evctl:"event-id,partition-key"`
	At   string `json:"at" evctl:"occurred-at"`
	Corr string `json:"corr" evctl:"correlation-id"`
}

func (*tagged) EventType() string  { return "v1.Tagged" }
func (*tagged) Subject() string    { return "v1.Tagged" }
func (*tagged) SchemaType() string { return "JSON" }
func (*tagged) Validate() error    { return nil }
func (*tagged) Schema() string {
	return `{"type":"object","properties":{"id":{"type":"string"},"at":{"type":"string"},"corr":{"type":"string"}}}`
}

// intKeyed has a time.Time occurred_at and an integer partition key.
type intKeyed struct {
	EventID       string    `json:"event_id" evctl:"event-id"`
	OccurredAt    time.Time `json:"occurred_at" evctl:"occurred-at"`
	CorrelationID string    `json:"correlation_id" evctl:"correlation-id"`
	Shard         int32     `json:"shard" evctl:"partition-key"`
}

func (*intKeyed) EventType() string  { return "v1.IntKeyed" }
func (*intKeyed) Subject() string    { return "v1.IntKeyed" }
func (*intKeyed) SchemaType() string { return "JSON" }
func (*intKeyed) Validate() error    { return nil }
func (*intKeyed) Schema() string     { return `{"type":"object"}` }

// untagged has the fields but not the tags: no envelope.
type untagged struct{ EventID, CorrelationID string }

func (*untagged) EventType() string  { return "v1.Untagged" }
func (*untagged) Subject() string    { return "v1.Untagged" }
func (*untagged) SchemaType() string { return "JSON" }
func (*untagged) Validate() error    { return nil }
func (*untagged) Schema() string     { return `{"type":"object"}` }

// TestTaggedEnvelope: Prepare and Decoder read and fill the envelope of an
// event without accessor methods through its evctl struct tags.
func TestTaggedEnvelope(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	now := time.Date(2026, 11, 29, 1, 2, 3, 500_000_000, time.FixedZone("", 3600))
	p := &wire.Preparer{Registry: reg, AutoRegister: true, Now: func() time.Time { return now }}

	ev := &tagged{At: "not a date-time"}
	m, err := p.Prepare(wire.WithCorrelationID(ctx, "c-1"), ev)
	if err != nil {
		t.Fatal(err)
	}
	// An unparsable occurred_at reads as zero, so Prepare sets it, in UTC.
	if ev.ID == "" || m.EventID != ev.ID || string(m.Key) != ev.ID || m.GroupID != ev.ID || ev.Corr != "c-1" ||
		ev.At != "2026-11-29T00:02:03.5Z" || !m.OccurredAt.Equal(now) {
		t.Errorf("prepared %+v, message %+v", ev, m)
	}
	// A set envelope is kept (a retry).
	id := ev.ID
	if m, err = p.Prepare(ctx, ev); err != nil || ev.ID != id || m.CorrelationID != "c-1" || !m.OccurredAt.Equal(now) {
		t.Errorf("retry: %v, %+v", err, m)
	}

	ik := &intKeyed{Shard: -42}
	if m, err = p.Prepare(ctx, ik); err != nil || string(m.Key) != "-42" || ik.OccurredAt != now.UTC() || ik.EventID == "" || ik.CorrelationID == "" {
		t.Errorf("int key: %v, %+v, %+v", err, ik, m)
	}
	d := &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: func(string) wire.Event { return &intKeyed{} }}
	got := &wire.Message{Value: m.Value, Headers: m.Headers}
	if _, _, err := d.Decode(ctx, got); err != nil || got.EventID != ik.EventID || got.CorrelationID != ik.CorrelationID || !got.OccurredAt.Equal(now) {
		t.Errorf("decode: %v, %+v", err, got)
	}

	if _, err := p.Prepare(ctx, &untagged{}); !errors.Is(err, wire.ErrNoEnvelope) {
		t.Errorf("untagged: %v, want ErrNoEnvelope", err)
	}
}
