package sqs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/evctl/evctl/adapters/otelmsg"
	evsqs "github.com/evctl/evctl/adapters/sqs"
	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/testreg"
	"github.com/evctl/evctl/wire"
)

func shipped(order string) *bundled.V1OrderShipped {
	return &bundled.V1OrderShipped{OrderID: order, Carrier: bundled.V1OrderShippedCarrierDhl, TrackingNumber: "JD1", PackageWeightG: "900"}
}

func placed(order string) *bundled.V1OrderPlaced {
	return &bundled.V1OrderPlaced{OrderID: order, CustomerID: "c-1", TotalCents: 100, Currency: "EUR",
		ShippingAddress: bundled.V1OrderPlacedAddress{Street: "s", City: "c", PostalCode: "p", Country: "NL"}}
}

func createQueue(t *testing.T, c *sqs.Client, name string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	attrs := map[string]string{}
	if strings.HasSuffix(name, ".fifo") {
		attrs["FifoQueue"] = "true"
	}
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(q.QueueUrl), a.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
}

func topicToQueue(t *testing.T, name string, raw bool) (topicARN, queueURL string) {
	t.Helper()
	sq, sn := clients()
	ctx := context.Background()
	attrs := map[string]string{}
	if strings.HasSuffix(name, ".fifo") {
		attrs["FifoTopic"] = "true"
	}
	tp, err := sn.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	url, arn := createQueue(t, sq, name)
	sub := &sns.SubscribeInput{TopicArn: tp.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn)}
	if raw {
		sub.Attributes = map[string]string{"RawMessageDelivery": "true"}
	}
	if _, err := sn.Subscribe(ctx, sub); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(tp.TopicArn), url
}

// receiveAll receives until the queue answers empty once.
func receiveAll(t *testing.T, c *evsqs.Consumer) []sqstypes.Message {
	t.Helper()
	var out []sqstypes.Message
	for {
		r, err := c.Client.ReceiveMessage(context.Background(), c.ReceiveInput(10, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Messages) == 0 {
			return out
		}
		out = append(out, r.Messages...)
	}
}

func consumer(t *testing.T, queueURL string, reg wire.Registry, tr otelmsg.Tracing) *evsqs.Consumer {
	sq, _ := clients()
	return &evsqs.Consumer{Client: sq, QueueURL: queueURL, Tracing: tr,
		Decoder:    &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: func(s string) wire.Event { return bundled.NewEvent(s) }},
		Idempotent: &wire.IdempotentConsumer{Store: &wire.MemoryStore{}}}
}

// TestFIFOTopicToFIFOQueue: an SNS FIFO topic delivers to an SQS FIFO
// queue; the same event published twice (a retry: same event id, so the
// same deduplication id) arrives once, with its attributes; a JSON event
// travels as JSON text and an Avro event as a base64 frame; the consumer
// span is linked to the producer span.
func TestFIFOTopicToFIFOQueue(t *testing.T) {
	topicARN, queueURL := topicToQueue(t, "orders-raw.fifo", true)
	_, sn := clients()
	_, reg := testreg.Server(t)
	rec := tracetest.NewSpanRecorder()
	tr := otelmsg.Tracing{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)), Propagator: propagation.TraceContext{}}
	p := &evsqs.TopicPublisher{Client: sn, TopicARN: topicARN, Preparer: &wire.Preparer{Registry: reg, AutoRegister: true}, Options: evsqs.Options{Tracing: tr}}
	ctx := wire.WithCorrelationID(context.Background(), "chain-9")
	ev := shipped("ord-1")
	sent, _, err := p.Publish(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	avro, _, err := p.Publish(ctx, placed("ord-2"))
	if err != nil {
		t.Fatal(err)
	}
	c := consumer(t, queueURL, reg, tr)
	var handled []string
	handle := func(ctx context.Context, ev wire.Event) error {
		corr, _ := wire.CorrelationIDFrom(ctx)
		handled = append(handled, ev.EventType()+" "+corr)
		return nil
	}
	var msgs []sqstypes.Message
	for round := 0; round < 3; round++ { // FIFO: one message in flight per group
		got := receiveAll(t, c)
		for _, msg := range got {
			if o, err := c.Process(ctx, msg, handle); o != wire.Processed || err != nil {
				t.Errorf("process: %v %v", o, err)
			}
		}
		msgs = append(msgs, got...)
	}
	if len(msgs) != 2 {
		t.Fatalf("received %d messages, want 2 (the duplicate dropped)", len(msgs))
	}
	byType := map[string]sqstypes.Message{}
	for _, m := range msgs {
		byType[aws.ToString(m.MessageAttributes[wire.HeaderEventType].StringValue)] = m
	}
	js, av := byType["v1.OrderShipped"], byType["v1.OrderPlaced"]
	if !strings.HasPrefix(aws.ToString(js.Body), `{"event_id":"`+sent.EventID) {
		t.Errorf("JSON event body: %q", aws.ToString(js.Body))
	}
	if got := aws.ToString(av.Body); strings.HasPrefix(got, "{") || got != evsqsBase64(avro.Value) {
		t.Errorf("Avro event body %q, want the base64 frame", got)
	}
	for _, h := range sent.Headers {
		if got := aws.ToString(js.MessageAttributes[h.Key].StringValue); got != h.Value {
			t.Errorf("attribute %s = %q, sent %q", h.Key, got, h.Value)
		}
	}
	if js.Attributes["MessageGroupId"] != "ord-1" {
		t.Errorf("group id %q", js.Attributes["MessageGroupId"])
	}
	if len(handled) != 2 || handled[0] == handled[1] || !strings.HasSuffix(handled[0], " chain-9") {
		t.Errorf("handled %q", handled)
	}
	sends, procs := 0, 0
	var last sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		switch s.Name() {
		case "send orders-raw.fifo":
			sends++
			last = s
		case "process orders-raw.fifo":
			procs++
			if len(s.Links()) != 1 || s.Parent().TraceID() != s.Links()[0].SpanContext.TraceID() || !s.Parent().IsRemote() {
				t.Errorf("process span not linked to a producer span")
			}
		}
	}
	if sends != 3 || procs != 2 || last == nil {
		t.Errorf("%d send and %d process spans", sends, procs)
	}
}

func evsqsBase64(b []byte) string {
	e, err := evsqs.Encode(&wire.Message{Value: b, ContentType: wire.ContentTypeAvro}, evsqs.BodyBase64, false)
	if err != nil {
		panic(err)
	}
	return e.Body
}

// TestSNSEnvelope: without raw message delivery SNS wraps the body and the
// attributes in its JSON envelope; Message unwraps it.
func TestSNSEnvelope(t *testing.T) {
	topicARN, queueURL := topicToQueue(t, "orders-wrapped", false)
	_, sn := clients()
	_, reg := testreg.Server(t)
	p := &evsqs.TopicPublisher{Client: sn, TopicARN: topicARN, Preparer: &wire.Preparer{Registry: reg, AutoRegister: true}}
	sent, _, err := p.Publish(context.Background(), placed("ord-3"))
	if err != nil {
		t.Fatal(err)
	}
	c := consumer(t, queueURL, reg, otelmsg.Tracing{})
	msgs := receiveAll(t, c)
	if len(msgs) != 1 || !strings.Contains(aws.ToString(msgs[0].Body), `"Type"`) {
		t.Fatalf("messages: %d %v", len(msgs), msgs)
	}
	var got *bundled.V1OrderPlaced
	o, err := c.Process(context.Background(), msgs[0], func(ctx context.Context, ev wire.Event) error {
		got = ev.(*bundled.V1OrderPlaced)
		return nil
	})
	if o != wire.Processed || err != nil || got == nil || got.OrderID != "ord-3" || got.EventID != sent.EventID {
		t.Errorf("process: %v %v %+v", o, err, got)
	}
}

// TestQueueFIFODedup: SendMessage to a FIFO queue with the event id as
// deduplication id: a retried send is delivered once.
func TestQueueFIFODedup(t *testing.T) {
	sq, _ := clients()
	url, _ := createQueue(t, sq, "payments.fifo")
	_, reg := testreg.Server(t)
	p := &evsqs.QueuePublisher{Client: sq, QueueURL: url, Preparer: &wire.Preparer{Registry: reg, AutoRegister: true}}
	ev := placed("ord-4")
	m, id1, err := p.Publish(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(context.Background(), m); err != nil { // an outbox relay resending
		t.Fatal(err)
	}
	c := consumer(t, url, reg, otelmsg.Tracing{})
	var n int
	for round := 0; round < 2; round++ {
		for _, msg := range receiveAll(t, c) {
			n++
			if aws.ToString(msg.MessageId) != id1 {
				t.Errorf("message id %s, want %s", aws.ToString(msg.MessageId), id1)
			}
			if o, err := c.Process(context.Background(), msg, func(context.Context, wire.Event) error { return nil }); o != wire.Processed || err != nil {
				t.Errorf("process: %v %v", o, err)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
}

// TestRawFrameRejected: a raw Confluent frame (it starts with a NUL byte)
// is not a valid SQS body, as the emulator, like SQS, answers; Encode
// never produces one.
func TestRawFrameRejected(t *testing.T) {
	sq, _ := clients()
	url, _ := createQueue(t, sq, "raw")
	frame := append(wire.AppendHeader(nil, 7), "payload"...)
	_, err := sq.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(frame))})
	if err == nil || !strings.Contains(err.Error(), "InvalidMessageContents") {
		t.Errorf("raw frame sent: %v, want InvalidMessageContents", err)
	}
	if err := evsqs.CheckText(string(frame)); !errors.Is(err, evsqs.ErrBody) {
		t.Errorf("CheckText(frame) = %v", err)
	}
	m := &wire.Message{Value: frame, ContentType: wire.ContentTypeAvro, EventID: "e", GroupID: "g", DedupID: "e"}
	if _, err := evsqs.Encode(m, evsqs.BodyJSON, false); !errors.Is(err, evsqs.ErrBody) {
		t.Errorf("Avro payload as a JSON body: %v", err)
	}
	e, err := evsqs.Encode(m, evsqs.BodyAuto, true)
	if err != nil || e.Body != "AAAAAAdwYXlsb2Fk" || e.GroupID != "g" || e.DedupID != "e" {
		t.Errorf("Encode = %+v, %v", e, err)
	}
	many := &wire.Message{Value: frame, ContentType: wire.ContentTypeAvro}
	for i := 0; i < 10; i++ {
		many.Headers = append(many.Headers, wire.Header{Key: "h" + string(rune('a'+i)), Value: "v"})
	}
	if _, err := evsqs.Encode(many, evsqs.BodyAuto, false); !errors.Is(err, evsqs.ErrBody) {
		t.Errorf("11 attributes: %v", err)
	}
	// Header mode's schema id header is binary (0x01 + GUID): refused as an
	// attribute value, so a header-mode message is never sent half-labelled.
	hdr := &wire.Message{Value: []byte("payload"), ContentType: wire.ContentTypeAvro, SchemaGUID: wire.GUID{1},
		Headers: wire.Headers{{Key: wire.ValueSchemaIDHeader, Value: string(wire.AppendGUIDHeader(nil, wire.GUID{1}))}}}
	if _, err := evsqs.Encode(hdr, evsqs.BodyAuto, false); !errors.Is(err, evsqs.ErrBody) {
		t.Errorf("binary schema id header: %v", err)
	}
	bad := &wire.Message{Value: frame, ContentType: wire.ContentTypeAvro, GroupID: "a b", DedupID: "e"}
	if _, err := evsqs.Encode(bad, evsqs.BodyAuto, true); !errors.Is(err, evsqs.ErrBody) {
		t.Errorf("group id with a space: %v", err)
	}
}
