// Command publisher publishes the bundled example events through the
// evctl wire runtime against a schema registry such as `evctl registry serve`:
//
//	evctl registry serve &
//	evctl registry push            # or run this with -auto-register
//	go run ./examples/publisher -registry http://127.0.0.1:8081
//
// The broker is abstracted behind a one-method interface; this example's
// broker prints each frame instead of talking to Kafka. Every event gets an
// event_id for idempotency, and the correlation_id comes from the context.
//
// The events package is generated from the bundled catalog:
//
//go:generate go run github.com/evctl/evctl/cmd/evctl gen go ../../schemas --out events --package events
package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/evctl/evctl/examples/publisher/events"
	"github.com/evctl/evctl/wire"
)

// printBroker writes each message to w.
type printBroker struct{ w io.Writer }

func (b printBroker) Publish(_ context.Context, topic string, key, value []byte) error {
	_, err := fmt.Fprintf(b.w, "%s key=%s schema-id=%x payload=%d bytes %s\n", topic, key, value[1:5], len(value)-5, hex.EncodeToString(value[:min(len(value), 24)]))
	return err
}

func main() {
	url := flag.String("registry", "http://127.0.0.1:8081", "schema registry URL")
	auto := flag.Bool("auto-register", false, "register schemas that are not registered yet")
	flag.Parse()
	reg, err := wire.NewSRRegistry(*url, nil)
	if err != nil {
		log.Fatal(err)
	}
	p := &Publisher{Registry: reg, Broker: printBroker{os.Stdout}, AutoRegister: *auto}
	ctx := WithCorrelationID(context.Background(), NewEventID())
	if err := publishOrderFlow(ctx, p, time.Now()); err != nil {
		log.Fatal(err)
	}
}

// publishOrderFlow publishes an order being placed, paid and shipped, all
// under the correlation id of ctx.
func publishOrderFlow(ctx context.Context, p *Publisher, now time.Time) error {
	corr := CorrelationID(ctx)
	orderID := "ord-" + NewEventID()[:8]
	placed := &events.V1OrderPlaced{
		EventID: NewEventID(), OccurredAt: now.UTC().Truncate(time.Millisecond), CorrelationID: corr,
		OrderID: orderID, CustomerID: "cust-42", TotalCents: 4200, Currency: "EUR",
		Lines:           []events.V1OrderPlacedOrderLine{{SKU: "sku-1", Quantity: 2, UnitPriceCents: 2100}},
		ShippingAddress: events.V1OrderPlacedAddress{Street: "Main 1", City: "Amsterdam", PostalCode: "1000AA", Country: "NL"},
	}
	captured := &events.V1PaymentCaptured{
		EventID: NewEventID(), OccurredAt: now.UTC().Format(time.RFC3339Nano), CorrelationID: corr,
		PaymentID: "pay-1", OrderID: orderID, AmountCents: "4200", Currency: "EUR",
	}
	shipped := &events.V1OrderShipped{
		EventID: NewEventID(), OccurredAt: now.UTC().Format(time.RFC3339Nano), CorrelationID: corr,
		OrderID: orderID, Carrier: events.V1OrderShippedCarrierPostnl, TrackingNumber: "3SABCD1234", PackageWeightG: "1200",
	}
	for _, ev := range []wire.Event{placed, captured, shipped} {
		if err := p.Publish(ctx, orderID, ev); err != nil {
			return err
		}
	}
	return nil
}
