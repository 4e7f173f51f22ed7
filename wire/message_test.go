package wire_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/internal/wiretest"
	"github.com/evctl/evctl/wire/validate"
)

func newBundled(t string) wire.Event {
	if e := bundled.NewEvent(t); e != nil {
		return e
	}
	return nil
}

func TestPrepareFillsTheEnvelopeOnce(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var injected int
	p := &wire.Preparer{Registry: reg, AutoRegister: true, Now: func() time.Time { return now },
		Inject: func(ctx context.Context, h *wire.Headers) {
			injected++
			h.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		}}
	ev := orderPlaced()
	ev.EventID, ev.OccurredAt, ev.CorrelationID = "", time.Time{}, ""
	m, err := p.Prepare(wire.WithCorrelationID(ctx, "corr-from-ctx"), ev)
	if err != nil {
		t.Fatal(err)
	}
	if !validate.UUID(ev.EventID) || ev.EventID[14] != '7' {
		t.Errorf("event_id = %q, want a version 7 uuid", ev.EventID)
	}
	if !ev.OccurredAt.Equal(now) || ev.CorrelationID != "corr-from-ctx" {
		t.Errorf("occurred_at %v correlation_id %q", ev.OccurredAt, ev.CorrelationID)
	}
	if m.EventID != ev.EventID || m.DedupID != ev.EventID || m.CorrelationID != "corr-from-ctx" || !m.OccurredAt.Equal(now) {
		t.Errorf("message envelope: %+v", m)
	}
	if string(m.Key) != "ord-1" || m.GroupID != "ord-1" {
		t.Errorf("key %q group %q, want the order id", m.Key, m.GroupID)
	}
	if m.EventType != "v1.OrderPlaced" || m.ContentType != wire.ContentTypeAvro || m.SchemaID == 0 {
		t.Errorf("message: type %q content type %q schema id %d", m.EventType, m.ContentType, m.SchemaID)
	}
	id, _, err := wire.SplitFrame(m.Value)
	if err != nil || id != m.SchemaID {
		t.Errorf("frame: id %d, %v; want %d", id, err, m.SchemaID)
	}
	want := map[string]string{
		wire.HeaderEventType: "v1.OrderPlaced", wire.HeaderSchemaID: strconv.Itoa(int(m.SchemaID)),
		wire.HeaderEventID: ev.EventID, wire.HeaderCorrelationID: "corr-from-ctx", wire.HeaderContentType: wire.ContentTypeAvro,
		"Traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
	}
	for k, v := range want {
		if got := m.Headers.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if injected != 1 || len(m.Headers) != 6 {
		t.Errorf("inject ran %d times, %d headers: %v", injected, len(m.Headers), m.Headers)
	}

	// A retry prepares the same event again: the same id, not a new one.
	first := ev.EventID
	m2, err := p.Prepare(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventID != first || m2.DedupID != first || ev.CorrelationID != "corr-from-ctx" || string(m2.Value) != string(m.Value) {
		t.Errorf("a retry changed the event: id %q (was %q), correlation %q", ev.EventID, first, ev.CorrelationID)
	}
}

func TestPrepareNewCorrelationIDAndJSON(t *testing.T) {
	_, reg := wiretest.Registry(t)
	p := &wire.Preparer{Registry: reg, AutoRegister: true}
	a, b := orderShipped(), orderShipped()
	a.EventID, a.CorrelationID, b.EventID, b.CorrelationID = "", "", "", ""
	ma, err := p.Prepare(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := p.Prepare(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if !validate.UUID(a.CorrelationID) || a.CorrelationID == b.CorrelationID || a.EventID == b.EventID {
		t.Errorf("without a correlation id in the context each event starts a chain: %q %q", a.CorrelationID, b.CorrelationID)
	}
	if ma.ContentType != wire.ContentTypeJSON || ma.Payload()[0] != '{' || mb.SchemaID != ma.SchemaID {
		t.Errorf("JSON message: %q %q", ma.ContentType, ma.Payload())
	}
}

func TestPrepareRefuses(t *testing.T) {
	_, reg := wiretest.Registry(t)
	p := &wire.Preparer{Registry: reg, AutoRegister: true}
	ev := orderShipped()
	ev.Carrier = "pigeon"
	_, err := p.Prepare(context.Background(), ev)
	var ve *validate.Error
	if !errors.Is(err, wire.ErrInvalidEvent) || !errors.As(err, &ve) || ve.InstanceLocation != "/carrier" {
		t.Errorf("invalid event: %v", err)
	}
	if _, err := p.Prepare(context.Background(), &catalog.V1Tree{}); !errors.Is(err, wire.ErrNoEnvelope) {
		t.Errorf("event without an envelope: %v, want ErrNoEnvelope", err)
	}
	// Nothing registered and no auto-registration: fail, do not send.
	_, reg2 := wiretest.Registry(t)
	p2 := &wire.Preparer{Registry: reg2}
	if _, err := p2.Prepare(context.Background(), orderShipped()); !errors.Is(err, wire.ErrNotRegistered) {
		t.Errorf("unregistered schema: %v", err)
	}
}

func TestHeaders(t *testing.T) {
	var h wire.Headers
	h.Set("A", "1")
	h.Set("b", "2")
	h.Set("a", "3")
	if h.Get("a") != "3" || h.Get("B") != "2" || len(h) != 2 || h.Get("c") != "" {
		t.Errorf("headers: %v", h)
	}
	if k := h.Keys(); len(k) != 2 || k[0] != "A" || k[1] != "b" {
		t.Errorf("keys: %v", k)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	p := &wire.Preparer{Registry: reg, AutoRegister: true}
	m, err := p.Prepare(wire.WithCorrelationID(ctx, "c-1"), orderPlaced())
	if err != nil {
		t.Fatal(err)
	}
	type k struct{}
	d := &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: newBundled,
		Extract: func(ctx context.Context, h *wire.Headers) context.Context {
			return context.WithValue(ctx, k{}, h.Get(wire.HeaderEventID))
		}}
	got := &wire.Message{Value: m.Value, Headers: append(wire.Headers(nil), m.Headers...)}
	ev, dctx, err := d.Decode(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	op, ok := ev.(*bundled.V1OrderPlaced)
	if !ok || op.OrderID != "ord-1" || got.EventID != m.EventID || got.SchemaID != m.SchemaID {
		t.Fatalf("decoded %T %+v, message %+v", ev, ev, got)
	}
	if c, _ := wire.CorrelationIDFrom(dctx); c != "corr-1" || dctx.Value(k{}) != m.EventID {
		t.Errorf("context: correlation %q, extracted %v", c, dctx.Value(k{}))
	}

	bad := []struct {
		name string
		m    *wire.Message
		want error
	}{
		{"no type", &wire.Message{Value: m.Value}, wire.ErrUnknownEventType},
		{"unknown type", &wire.Message{Value: m.Value, Headers: wire.Headers{{wire.HeaderEventType, "v9.Nope"}}}, wire.ErrUnknownEventType},
		{"schema id mismatch", &wire.Message{Value: m.Value, Headers: wire.Headers{{wire.HeaderEventType, "v1.OrderPlaced"}, {wire.HeaderSchemaID, "999"}}}, wire.ErrBadFrame},
		{"not a frame", &wire.Message{Value: []byte(`{"a":1}`), Headers: wire.Headers{{wire.HeaderEventType, "v1.OrderPlaced"}}}, wire.ErrBadFrame},
	}
	for _, c := range bad {
		if _, _, err := d.Decode(ctx, c.m); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A frame that decodes but does not validate is refused.
	inv := orderShipped()
	inv.Carrier = "pigeon"
	s, err := p.Serializer(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	frame, err := s.AppendUnchecked(nil, inv)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Decode(ctx, &wire.Message{Value: frame, Headers: wire.Headers{{wire.HeaderEventType, "v1.OrderShipped"}}}); !errors.Is(err, wire.ErrInvalidEvent) {
		t.Errorf("invalid event decoded: %v", err)
	}
}

func TestIdempotentConsumer(t *testing.T) {
	ctx := context.Background()
	store := &wire.MemoryStore{}
	var dead []string
	c := &wire.IdempotentConsumer{Store: store, MaxAttempts: 3, DeadLetter: func(ctx context.Context, m *wire.Message, cause error) error {
		dead = append(dead, m.EventID+": "+cause.Error())
		return nil
	}}
	runs := 0
	ok := func(context.Context) error { runs++; return nil }
	m := &wire.Message{EventID: "e1"}
	for i, want := range []wire.Outcome{wire.Processed, wire.Duplicate, wire.Duplicate} {
		if o, err := c.Handle(ctx, m, ok); o != want || err != nil {
			t.Errorf("delivery %d: %v %v, want %v", i, o, err, want)
		}
	}
	if runs != 1 {
		t.Errorf("handler ran %d times for one event", runs)
	}

	boom := errors.New("boom")
	fail := func(context.Context) error { return boom }
	m2 := &wire.Message{EventID: "e2"}
	for i := 1; i <= 2; i++ {
		if o, err := c.Handle(ctx, m2, fail); o != wire.Retry || !errors.Is(err, boom) {
			t.Errorf("attempt %d: %v %v, want retry", i, o, err)
		}
	}
	if o, err := c.Handle(ctx, m2, fail); o != wire.DeadLettered || err != nil {
		t.Errorf("attempt 3: %v %v, want dead-lettered", o, err)
	}
	if len(dead) != 1 || dead[0] != "e2: boom" {
		t.Errorf("dead letters: %q", dead)
	}
	if o, _ := c.Handle(ctx, m2, ok); o != wire.Duplicate {
		t.Errorf("after the dead letter: %v, want duplicate", o)
	}

	// Without a dead-letter route a failing event is retried, never dropped.
	c2 := &wire.IdempotentConsumer{Store: &wire.MemoryStore{}, MaxAttempts: 1}
	for i := 0; i < 3; i++ {
		if o, _ := c2.Handle(ctx, m2, fail); o != wire.Retry {
			t.Errorf("no dead-letter route, attempt %d: %v", i, o)
		}
	}
	// A failing dead-letter route keeps the message for a retry.
	c3 := &wire.IdempotentConsumer{Store: &wire.MemoryStore{}, MaxAttempts: 1, DeadLetter: func(context.Context, *wire.Message, error) error { return errors.New("dlq down") }}
	if o, err := c3.Handle(ctx, m2, fail); o != wire.Retry || err == nil {
		t.Errorf("dead-letter route down: %v %v", o, err)
	}
	if o, err := c.Handle(ctx, &wire.Message{}, ok); o != wire.Retry || err == nil {
		t.Errorf("no event id: %v %v", o, err)
	}
}

func TestMemoryStoreInProgress(t *testing.T) {
	s := &wire.MemoryStore{}
	ctx := context.Background()
	_, err := s.Process(ctx, "e", func(ctx context.Context) error {
		_, err := s.Process(ctx, "e", func(context.Context) error { return nil })
		if !errors.Is(err, wire.ErrInProgress) {
			t.Errorf("concurrent delivery: %v, want ErrInProgress", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
