package nats_test

import (
	"context"
	"errors"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	evnats "github.com/evctl/evctl/adapters/nats"
	"github.com/evctl/evctl/adapters/nats/natstest"
	"github.com/evctl/evctl/adapters/otelmsg"
	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/testreg"
	"github.com/evctl/evctl/wire"
)

func shipped(order string) *bundled.V1OrderShipped {
	return &bundled.V1OrderShipped{OrderID: order, Carrier: bundled.V1OrderShippedCarrierDhl, TrackingNumber: "JD1", PackageWeightG: "900"}
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	st, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func next(t *testing.T, c jetstream.Consumer) jetstream.Msg {
	t.Helper()
	msg, err := c.Next(jetstream.FetchMaxWait(30 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// TestSameEventTwiceStoredOnce: the second publish of one event (a retry)
// is acknowledged as a duplicate and the stream holds one message, with
// the evctl headers, the trace context and Nats-Msg-Id = event_id.
func TestSameEventTwiceStoredOnce(t *testing.T) {
	js := natstest.JetStream(t, map[string]string{"ORDERS": "v1.>", "DLQ": "dlq.>"})
	_, reg := testreg.Server(t)
	rec := tracetest.NewSpanRecorder()
	tr := otelmsg.Tracing{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)), Propagator: propagation.TraceContext{}}
	p := evnats.NewProducer(js, &wire.Preparer{Registry: reg, AutoRegister: true}, evnats.Options{Tracing: tr})
	ctx := context.Background()
	ev := shipped("ord-1")
	r1, err := p.Publish(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := p.Publish(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Duplicate || !r2.Duplicate || r1.Seq != r2.Seq || r1.Stream != "ORDERS" {
		t.Errorf("acks: %+v %+v; want the second a duplicate of the first", r1, r2)
	}
	if n := streamMsgs(t, js, "ORDERS"); n != 1 {
		t.Fatalf("the stream holds %d messages, want 1", n)
	}
	st, err := js.Stream(ctx, "ORDERS")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := st.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if raw.Header.Get(jetstream.MsgIDHeader) != ev.EventID || raw.Subject != "v1.OrderShipped" {
		t.Errorf("Nats-Msg-Id %q subject %q, want the event id %q", raw.Header.Get(jetstream.MsgIDHeader), raw.Subject, ev.EventID)
	}
	for _, h := range []string{wire.HeaderSchemaID, wire.HeaderEventType, wire.HeaderTraceparent} {
		if raw.Header.Get(h) == "" || raw.Header.Get(h) != r1.Message.Headers.Get(h) {
			t.Errorf("header %s = %q, sent %q", h, raw.Header.Get(h), r1.Message.Headers.Get(h))
		}
	}

	// Consume: decoded, handled once, the spans linked through the headers.
	cons, err := js.CreateOrUpdateConsumer(ctx, "ORDERS", jetstream.ConsumerConfig{Durable: "c", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	c := &evnats.Consumer{
		Decoder:    &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: func(s string) wire.Event { return bundled.NewEvent(s) }},
		Idempotent: &wire.IdempotentConsumer{Store: &wire.MemoryStore{}},
		Tracing:    tr,
	}
	var got []string
	o, err := c.Process(ctx, next(t, cons), func(ctx context.Context, ev wire.Event) error {
		got = append(got, ev.(*bundled.V1OrderShipped).OrderID)
		return nil
	})
	if o != wire.Processed || err != nil || len(got) != 1 || got[0] != "ord-1" {
		t.Fatalf("process: %v %v %v", o, err, got)
	}
	var send, proc sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		switch s.Name() {
		case "send v1.OrderShipped":
			if send == nil {
				send = s
			}
		case "process v1.OrderShipped":
			proc = s
		}
	}
	if send == nil || proc == nil {
		t.Fatalf("spans: %d", len(rec.Ended()))
	}
	if proc.Parent().SpanID() != send.SpanContext().SpanID() || len(proc.Links()) != 1 || proc.Links()[0].SpanContext.SpanID() != send.SpanContext().SpanID() {
		t.Errorf("the process span is not linked to the send span")
	}
}

// TestDeadLetterAfterRedeliveries: a handler that keeps failing gets the
// message again (Nak, redelivery by JetStream) until MaxAttempts, then the
// message goes to the dead-letter subject and is acknowledged.
func TestDeadLetterAfterRedeliveries(t *testing.T) {
	js := natstest.JetStream(t, map[string]string{"ORDERS": "v1.>", "DLQ": "dlq.>"})
	_, reg := testreg.Server(t)
	ctx := context.Background()
	p := evnats.NewProducer(js, &wire.Preparer{Registry: reg, AutoRegister: true}, evnats.Options{})
	if _, err := p.Publish(ctx, shipped("ord-2")); err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "ORDERS", jetstream.ConsumerConfig{Durable: "d", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("payment service down")
	c := &evnats.Consumer{
		Decoder: &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: func(s string) wire.Event { return bundled.NewEvent(s) }},
		Idempotent: &wire.IdempotentConsumer{Store: &wire.MemoryStore{}, MaxAttempts: 3, DeadLetter: func(ctx context.Context, m *wire.Message, cause error) error {
			_, err := p.Send(ctx, "dlq."+m.EventType, m)
			return err
		}},
	}
	var outcomes []wire.Outcome
	for i := 0; i < 3; i++ {
		o, _ := c.Process(ctx, next(t, cons), func(context.Context, wire.Event) error { return boom })
		outcomes = append(outcomes, o)
	}
	if outcomes[0] != wire.Retry || outcomes[1] != wire.Retry || outcomes[2] != wire.DeadLettered {
		t.Errorf("outcomes %v, want retry retry dead-lettered", outcomes)
	}
	if n := streamMsgs(t, js, "DLQ"); n != 1 {
		t.Errorf("the dead-letter stream holds %d messages", n)
	}
	if _, err := cons.Next(jetstream.FetchMaxWait(200 * time.Millisecond)); !errors.Is(err, natsgo.ErrTimeout) {
		t.Errorf("after the dead letter the message is still delivered: %v", err)
	}
}
