// Package kafka publishes evctl events to Kafka or Redpanda with franz-go's
// kgo client, and reads them back.
//
// A record's key is the event's entity id (wire.Message.Key), its value the
// Confluent frame, and its headers the evctl-* headers, content-type and
// the W3C trace context. Kafka's idempotent producer deduplicates a retried
// batch on the broker, which is what makes a retry after a lost
// acknowledgement safe; NewProducer refuses a client with it disabled
// (kgo.DisableIdempotentWrite) unless Options.AllowNonIdempotent is set.
// Consumers dedupe by event_id on top (wire.IdempotentConsumer): the
// idempotent producer does not cover a publisher that crashes and publishes
// the same event again.
//
// It is its own module, so the core evctl module does not depend on kgo.
package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/evctl/evctl/adapters/otelmsg"
	"github.com/evctl/evctl/wire"
)

// ErrNotIdempotent: the kgo client has idempotent writes disabled.
var ErrNotIdempotent = errors.New("the kgo client has idempotent writes disabled (kgo.DisableIdempotentWrite); a retried produce could write the event twice")

// Options tune NewProducer.
type Options struct {
	// Topic returns the topic of a message (default: its event type).
	Topic func(m *wire.Message) string
	// Tracing is the OpenTelemetry tracer provider and propagator (the
	// global ones when zero).
	Tracing otelmsg.Tracing
	// AllowNonIdempotent accepts a client with idempotent writes disabled.
	AllowNonIdempotent bool
}

// Producer publishes events through a kgo client.
type Producer struct {
	client   *kgo.Client
	preparer *wire.Preparer
	opts     Options
}

// NewProducer returns a Producer. It fails with ErrNotIdempotent when the
// client has idempotent writes disabled, unless opts.AllowNonIdempotent.
func NewProducer(client *kgo.Client, p *wire.Preparer, opts Options) (*Producer, error) {
	if disabled, _ := client.OptValue(kgo.DisableIdempotentWrite).(bool); disabled && !opts.AllowNonIdempotent {
		return nil, fmt.Errorf("kafka producer: %w; remove that option, or set Options.AllowNonIdempotent", ErrNotIdempotent)
	}
	return &Producer{client: client, preparer: p, opts: opts}, nil
}

func (p *Producer) topic(m *wire.Message) string {
	if p.opts.Topic != nil {
		return p.opts.Topic(m)
	}
	return m.EventType
}

// Publish prepares ev (wire.Preparer.Prepare: envelope, validation, frame)
// under a producer span, sends it and waits for the acknowledgement. The
// returned message is what was sent.
func (p *Producer) Publish(ctx context.Context, ev wire.Event) (*wire.Message, error) {
	ctx, span := p.opts.Tracing.StartSend(ctx, otelmsg.SystemKafka, ev.EventType())
	m, err := p.opts.Tracing.Prepare(ctx, span, p.preparer, ev)
	if err != nil {
		otelmsg.End(span, err)
		return nil, err
	}
	topic := p.topic(m)
	otelmsg.SetDestination(span, topic)
	err = p.produce(ctx, topic, m)
	otelmsg.End(span, err)
	return m, err
}

// Send sends a message prepared earlier (an outbox relay) to topic and
// waits for the acknowledgement, under a producer span.
func (p *Producer) Send(ctx context.Context, topic string, m *wire.Message) error {
	ctx, span := p.opts.Tracing.StartSend(ctx, otelmsg.SystemKafka, topic)
	otelmsg.SetMessage(span, m)
	if m.Headers.Get(wire.HeaderTraceparent) == "" {
		p.opts.Tracing.Inject(ctx, &m.Headers)
	}
	err := p.produce(ctx, topic, m)
	otelmsg.End(span, err)
	return err
}

func (p *Producer) produce(ctx context.Context, topic string, m *wire.Message) error {
	if err := p.client.ProduceSync(ctx, Record(topic, m)).FirstErr(); err != nil {
		return fmt.Errorf("produce %s %s to %s: %w", m.EventType, m.EventID, topic, err)
	}
	return nil
}

// Record returns the Kafka record of m.
func Record(topic string, m *wire.Message) *kgo.Record {
	r := &kgo.Record{Topic: topic, Key: m.Key, Value: m.Value, Headers: make([]kgo.RecordHeader, len(m.Headers))}
	for i, h := range m.Headers {
		r.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: []byte(h.Value)}
	}
	return r
}

// Message returns the wire.Message of a consumed record, for
// wire.Decoder.Decode.
func Message(r *kgo.Record) *wire.Message {
	m := &wire.Message{Key: r.Key, Value: r.Value, Headers: make(wire.Headers, len(r.Headers))}
	for i, h := range r.Headers {
		m.Headers[i] = wire.Header{Key: h.Key, Value: string(h.Value)}
	}
	m.EventType = m.Headers.Get(wire.HeaderEventType)
	m.ContentType = m.Headers.Get(wire.HeaderContentType)
	m.GroupID = string(r.Key)
	return m
}

// Consumer decodes records and runs a handler at most once per event.
type Consumer struct {
	Decoder *wire.Decoder
	// Idempotent, when set, runs the handler through it (at most once per
	// event_id, dead-letter route after N failures). Without it every
	// delivery runs the handler.
	Idempotent *wire.IdempotentConsumer
	Tracing    otelmsg.Tracing
}

// Process decodes r and runs fn under a consumer span that is a child of,
// and links to, the producer span. An undecodable record is an error with
// Outcome Retry; route it to a dead-letter topic yourself if it should not
// block the partition.
func (c *Consumer) Process(ctx context.Context, r *kgo.Record, fn func(ctx context.Context, ev wire.Event) error) (wire.Outcome, error) {
	m := Message(r)
	ctx, span := c.Tracing.StartProcess(ctx, otelmsg.SystemKafka, r.Topic, &m.Headers)
	o, err := c.process(ctx, m, fn)
	otelmsg.SetMessage(span, m)
	otelmsg.End(span, err)
	return o, err
}

func (c *Consumer) process(ctx context.Context, m *wire.Message, fn func(ctx context.Context, ev wire.Event) error) (wire.Outcome, error) {
	d := *c.Decoder
	d.Extract = nil // StartProcess extracted the trace context; ctx holds the consumer span
	ev, ctx, err := d.Decode(ctx, m)
	if err != nil {
		return wire.Retry, err
	}
	run := func(ctx context.Context) error { return fn(ctx, ev) }
	if c.Idempotent == nil {
		if err := run(ctx); err != nil {
			return wire.Retry, err
		}
		return wire.Processed, nil
	}
	return c.Idempotent.Handle(ctx, m, run)
}
