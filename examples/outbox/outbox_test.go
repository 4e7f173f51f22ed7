package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	evnats "github.com/evctl/evctl/adapters/nats"
	"github.com/evctl/evctl/adapters/nats/natstest"
	"github.com/evctl/evctl/examples/outbox"
	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/testreg"
	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/validate"
)

func placed(order string, cents int64) *bundled.V1OrderPlaced {
	return &bundled.V1OrderPlaced{OrderID: order, CustomerID: "cust-1", TotalCents: cents, Currency: "EUR",
		ShippingAddress: bundled.V1OrderPlacedAddress{Street: "Main 1", City: "Amsterdam", PostalCode: "1000AA", Country: "NL"}}
}

// TestOutboxEndToEnd: orders and their events commit together; the relay
// publishes them; a relay crash before the published mark republishes,
// which JetStream drops; the consumer handles each event once even when a
// message is delivered twice; a poison event goes to the dead-letter
// stream after three attempts.
func TestOutboxEndToEnd(t *testing.T) {
	ctx := context.Background()
	db := startPostgres(t)
	if _, err := db.Exec(ctx, outbox.Schema); err != nil {
		t.Fatal(err)
	}
	js := natstest.JetStream(t, map[string]string{"ORDERS": "orders.>", "DLQ": "dlq.>"})
	_, reg := testreg.Server(t)
	prep := &wire.Preparer{Registry: reg, AutoRegister: true}
	scalar := func(q string) int {
		var n int
		if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Day 2: the domain write and the event in one transaction.
	for i, id := range []string{"ord-1", "ord-2", "ord-poison"} {
		ev := placed(id, int64(100*(i+1)))
		m, err := outbox.PlaceOrder(ctx, db, prep, outbox.Order{OrderID: id, CustomerID: "cust-1", TotalCents: ev.TotalCents, Currency: "EUR"}, ev, "orders.placed")
		if err != nil {
			t.Fatal(err)
		}
		if !validate.UUID(m.EventID) || ev.EventID != m.EventID {
			t.Fatalf("event id %q", m.EventID)
		}
	}
	// An invalid event aborts the order too.
	bad := placed("ord-bad", 1)
	bad.Lines = []bundled.V1OrderPlacedOrderLine{{SKU: "s", Quantity: 1}}
	bad.EventID = "not-a-uuid"
	if _, err := outbox.PlaceOrder(ctx, db, prep, outbox.Order{OrderID: "ord-bad", CustomerID: "c", Currency: "EUR"}, bad, "orders.placed"); !errors.Is(err, wire.ErrInvalidEvent) {
		t.Fatalf("invalid event: %v", err)
	}
	// A failing domain write leaves no outbox row (duplicate order id).
	if _, err := outbox.PlaceOrder(ctx, db, prep, outbox.Order{OrderID: "ord-1", CustomerID: "c", Currency: "EUR"}, placed("ord-1", 1), "orders.placed"); err == nil {
		t.Fatal("a duplicate order was placed")
	}
	if o, ob := scalar(`SELECT count(*) FROM orders`), scalar(`SELECT count(*) FROM outbox`); o != 3 || ob != 3 {
		t.Fatalf("%d orders and %d outbox rows, want 3 and 3", o, ob)
	}

	// The relay publishes; a crash after publishing and before the mark
	// (simulated by clearing it) republishes the same messages.
	relay := &outbox.Relay{DB: db, Sender: evnats.NewProducer(js, prep, evnats.Options{})}
	if n, dup, err := relay.Once(ctx); err != nil || n != 3 || dup != 0 {
		t.Fatalf("relay: %d published, %d duplicates, %v", n, dup, err)
	}
	if _, err := db.Exec(ctx, `UPDATE outbox SET published_at = NULL WHERE event_id = (SELECT event_id FROM outbox ORDER BY id LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	if n, dup, err := relay.Once(ctx); err != nil || n != 1 || dup != 1 {
		t.Fatalf("relay after the crash: %d published, %d duplicates, %v", n, dup, err)
	}
	if n, _, err := relay.Once(ctx); err != nil || n != 0 {
		t.Fatalf("relay with nothing to do: %d, %v", n, err)
	}
	st, err := js.Stream(ctx, "ORDERS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 3 {
		t.Fatalf("the stream holds %d messages, want 3", info.State.Msgs)
	}

	// Day 3: the idempotent consumer on processed_events.
	cons, err := js.CreateOrUpdateConsumer(ctx, "ORDERS", jetstream.ConsumerConfig{Durable: "shipping", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	producer := evnats.NewProducer(js, prep, evnats.Options{})
	c := &evnats.Consumer{
		Decoder: &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: func(s string) wire.Event { return bundled.NewEvent(s) }},
		Idempotent: &wire.IdempotentConsumer{Store: &outbox.Store{DB: db, Consumer: "shipping"}, MaxAttempts: 3,
			DeadLetter: func(ctx context.Context, m *wire.Message, cause error) error {
				_, err := producer.Send(ctx, "dlq.orders.placed", m)
				return err
			}},
	}
	handle := func(ctx context.Context, ev wire.Event) error {
		op := ev.(*bundled.V1OrderPlaced)
		if op.OrderID == "ord-poison" {
			return errors.New("no warehouse for this order")
		}
		tx, _ := outbox.Tx(ctx)
		_, err := tx.Exec(ctx, `INSERT INTO shipments (order_id, event_id) VALUES ($1, $2)`, op.OrderID, op.EventID)
		return err
	}
	outcomes := map[wire.Outcome]int{}
	for i := 0; i < 5; i++ { // 2 good, and the poison event 3 times
		msg, err := cons.Next(jetstream.FetchMaxWait(30 * time.Second))
		if err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
		o, _ := c.Process(ctx, msg, handle)
		outcomes[o]++
	}
	// The stream delivered again from the start (a replay, or redeliveries
	// after lost acks): every event is a duplicate, nothing runs twice.
	replay, err := js.CreateOrUpdateConsumer(ctx, "ORDERS", jetstream.ConsumerConfig{Durable: "shipping-replay", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		msg, err := replay.Next(jetstream.FetchMaxWait(30 * time.Second))
		if err != nil {
			t.Fatalf("replay fetch %d: %v", i, err)
		}
		if o, err := c.Process(ctx, msg, handle); o != wire.Duplicate || err != nil {
			t.Errorf("replayed message %d: %v %v, want duplicate", i, o, err)
		}
	}
	if outcomes[wire.Processed] != 2 || outcomes[wire.Retry] != 2 || outcomes[wire.DeadLettered] != 1 {
		t.Errorf("outcomes %v", outcomes)
	}
	if n := scalar(`SELECT count(*) FROM shipments`); n != 2 {
		t.Errorf("%d shipments, want 2", n)
	}
	if n := scalar(`SELECT count(*) FROM processed_events WHERE consumer = 'shipping'`); n != 3 {
		t.Errorf("%d processed marks, want 3 (two handled, one dead-lettered)", n)
	}
	if n := scalar(`SELECT attempts FROM consumer_failures`); n != 3 {
		t.Errorf("%d failed attempts recorded, want 3", n)
	}
	dlq, err := js.Stream(ctx, "DLQ")
	if err != nil {
		t.Fatal(err)
	}
	di, err := dlq.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if di.State.Msgs != 1 {
		t.Errorf("the dead-letter stream holds %d messages, want 1", di.State.Msgs)
	}
}
