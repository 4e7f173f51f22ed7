package main

import (
	"context"
	"errors"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/evctl/evctl/examples/publisher/events"
	"github.com/evctl/evctl/internal/codegen"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/validate"
)

type sent struct {
	topic      string
	key, value []byte
}

type captureBroker struct{ msgs []sent }

func (b *captureBroker) Publish(_ context.Context, topic string, key, value []byte) error {
	b.msgs = append(b.msgs, sent{topic, append([]byte(nil), key...), append([]byte(nil), value...)})
	return nil
}

func startRegistry(t *testing.T) *wire.SRRegistry {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.NewServer(store, server.ServerOptions{}))
	t.Cleanup(func() { srv.Close(); store.Close() })
	reg, err := wire.NewSRRegistry(srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestPublishOrderFlow(t *testing.T) {
	reg := startRegistry(t)
	b := &captureBroker{}
	p := &Publisher{Registry: reg, Broker: b, AutoRegister: true}
	ctx := WithCorrelationID(context.Background(), "corr-test")
	if err := publishOrderFlow(ctx, p, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if len(b.msgs) != 3 {
		t.Fatalf("published %d messages, want 3", len(b.msgs))
	}
	d := wire.NewDeserializer(reg)
	d.Validate = true
	seen := map[string]bool{}
	for _, m := range b.msgs {
		ev := events.NewEvent(m.topic)
		if ev == nil {
			t.Fatalf("topic %q is not an event type", m.topic)
		}
		if err := d.Deserialize(ctx, m.value, ev); err != nil {
			t.Fatalf("%s: %v", m.topic, err)
		}
		var corr, id, order string
		switch e := ev.(type) {
		case *events.V1OrderPlaced:
			corr, id, order = e.CorrelationID, e.EventID, e.OrderID
		case *events.V1PaymentCaptured:
			corr, id, order = e.CorrelationID, e.EventID, e.OrderID
		case *events.V1OrderShipped:
			corr, id, order = e.CorrelationID, e.EventID, e.OrderID
		default:
			t.Fatalf("unexpected event %T", ev)
		}
		if corr != "corr-test" {
			t.Errorf("%s: correlation_id %q, want the one from the context", m.topic, corr)
		}
		if !validate.UUID(id) || seen[id] {
			t.Errorf("%s: event_id %q is not a fresh uuid", m.topic, id)
		}
		seen[id] = true
		if string(m.key) != order {
			t.Errorf("%s: key %q, want the order id %q", m.topic, m.key, order)
		}
	}
}

func TestPublishRejectsInvalidAndUnregistered(t *testing.T) {
	reg := startRegistry(t)
	b := &captureBroker{}
	ctx := context.Background()
	p := &Publisher{Registry: reg, Broker: b}
	ev := &events.V1OrderShipped{EventID: NewEventID(), OccurredAt: "2026-11-28T12:00:00Z", CorrelationID: CorrelationID(ctx), OrderID: "o", Carrier: "ups", TrackingNumber: "t"}
	if err := p.Publish(ctx, "o", ev); !errors.Is(err, wire.ErrNotRegistered) {
		t.Errorf("unregistered schema: %v, want ErrNotRegistered", err)
	}
	p = &Publisher{Registry: reg, Broker: b, AutoRegister: true}
	ev.Carrier = "pigeon"
	err := p.Publish(ctx, "o", ev)
	var ve *validate.Error
	if !errors.Is(err, wire.ErrInvalidEvent) || !errors.As(err, &ve) || ve.InstanceLocation != "/carrier" {
		t.Errorf("invalid event: %v, want ErrInvalidEvent at /carrier", err)
	}
	if len(b.msgs) != 0 {
		t.Errorf("the broker got %d messages", len(b.msgs))
	}
}

func TestCorrelationIDDefaultsToNew(t *testing.T) {
	a, b := CorrelationID(context.Background()), CorrelationID(context.Background())
	if a == b || !validate.UUID(a) {
		t.Errorf("CorrelationID without one in the context = %q, %q", a, b)
	}
}

// TestEventsAreFresh: the committed events package is what `evctl gen go`
// generates from the bundled catalog (with the default subject strategy of
// evctl.yaml, which names subjects after the event type).
func TestEventsAreFresh(t *testing.T) {
	t.Chdir("../..")
	cat, err := schema.Load([]string{"schemas"}, schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := codegen.Generate(cat, codegen.Options{Package: "events", Subject: func(e *schema.Event) string { return e.Type }, EntityID: func(e *schema.Event) string {
		if f := lint.EntityIDField(e); f != nil {
			return f.Name
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	stale, err := codegen.Check("examples/publisher/events", files)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("examples/publisher/events is stale (run go generate ./examples/publisher): %v", stale)
	}
}
